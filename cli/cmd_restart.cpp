// racker restart [-t SECONDS] CONTAINER...: stop then start, as docker restart.
#include <cstdio>
#include <memory>
#include <optional>

#include "command.h"
#include "container_cli.h"

namespace racker::cli {
namespace {

struct RestartFlags {
  std::optional<int> timeout;
  std::vector<std::string> containers;
};

int run_restart(const RestartFlags& f) {
  auto containers = open_containers();
  int code = 0;
  for (const auto& name : f.containers) {
    auto id = containers.store->resolve(name);
    if (!id) {
      code = daemon_error(id.error());
      continue;
    }
    auto st = containers.driver->stop(*id, f.timeout);
    if (st) st = containers.driver->start(*id);
    if (!st) code = daemon_error(st.error());
    else std::printf("%s\n", name.c_str());
  }
  return code;
}

CommandRegistration register_restart(Parent::kRoot, 132, [](CLI::App& parent, Context& ctx) {
  auto* cmd = parent.add_subcommand("restart", "Restart one or more containers");
  auto f = std::make_shared<RestartFlags>();
  cmd->add_option_function<int>("-t,--time", [f](const int& t) { f->timeout = t; }, "Seconds to wait before killing the container");
  cmd->add_option("CONTAINER", f->containers, "Containers to restart")->required();
  cmd->callback([&ctx, f] { ctx.exit_code = run_restart(*f); });
});

}  // namespace
}  // namespace racker::cli
