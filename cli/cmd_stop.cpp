// racker stop [-t SECONDS] [-s SIGNAL] CONTAINER...: stop running containers, as docker stop.
#include <cstdio>
#include <memory>
#include <optional>

#include "command.h"
#include "container_cli.h"

namespace racker::cli {
namespace {

struct StopFlags {
  std::optional<int> timeout;
  std::vector<std::string> containers;
};

int run_stop(const StopFlags& f) {
  auto containers = open_containers();
  int code = 0;
  for (const auto& name : f.containers) {
    auto st = containers.driver->stop(name, f.timeout);
    if (!st) code = daemon_error(st.error());
    else std::printf("%s\n", name.c_str());
  }
  return code;
}

CommandRegistration register_stop(Parent::kRoot, 130, [](CLI::App& parent, Context& ctx) {
  auto* cmd = parent.add_subcommand("stop", "Stop one or more running containers");
  auto f = std::make_shared<StopFlags>();
  cmd->add_option_function<int>("-t,--time", [f](const int& t) { f->timeout = t; }, "Seconds to wait before killing the container");
  cmd->add_option("CONTAINER", f->containers, "Containers to stop")->required();
  cmd->callback([&ctx, f] { ctx.exit_code = run_stop(*f); });
});

}  // namespace
}  // namespace racker::cli
