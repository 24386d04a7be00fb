// racker wait CONTAINER...: block until containers stop, print their exit codes.
#include <cstdio>
#include <memory>

#include "command.h"
#include "container_cli.h"

namespace racker::cli {
namespace {

int run_wait(const std::vector<std::string>& names) {
  auto containers = open_containers();
  int code = 0;
  for (const auto& name : names) {
    auto exit = containers.driver->wait(name);
    if (!exit) code = daemon_error(exit.error());
    else std::printf("%d\n", *exit);
  }
  return code;
}

CommandRegistration register_wait(Parent::kRoot, 133, [](CLI::App& parent, Context& ctx) {
  auto* cmd = parent.add_subcommand("wait", "Block until one or more containers stop, then print their exit codes");
  auto names = std::make_shared<std::vector<std::string>>();
  cmd->add_option("CONTAINER", *names, "Containers to wait for")->required();
  cmd->callback([&ctx, names] { ctx.exit_code = run_wait(*names); });
});

}  // namespace
}  // namespace racker::cli
