// racker pause|unpause CONTAINER...: freeze or thaw containers, as docker's.
#include <cstdio>
#include <memory>

#include "command.h"
#include "container_cli.h"

namespace racker::cli {
namespace {

int run_pause(const std::vector<std::string>& names, bool pause) {
  auto containers = open_containers();
  int code = 0;
  for (const auto& name : names) {
    auto st = pause ? containers.driver->pause(name) : containers.driver->unpause(name);
    if (!st) code = daemon_error(st.error());
    else std::printf("%s\n", name.c_str());
  }
  return code;
}

void add_command(CLI::App& parent, Context& ctx, bool pause) {
  auto* cmd = parent.add_subcommand(pause ? "pause" : "unpause", pause ? "Pause all processes within one or more containers"
                                                                       : "Unpause all processes within one or more containers");
  auto names = std::make_shared<std::vector<std::string>>();
  cmd->add_option("CONTAINER", *names, pause ? "Containers to pause" : "Containers to unpause")->required();
  cmd->callback([&ctx, names, pause] { ctx.exit_code = run_pause(*names, pause); });
}

CommandRegistration pause_reg(Parent::kRoot, 136, [](CLI::App& parent, Context& ctx) { add_command(parent, ctx, true); });
CommandRegistration unpause_reg(Parent::kRoot, 137, [](CLI::App& parent, Context& ctx) { add_command(parent, ctx, false); });

}  // namespace
}  // namespace racker::cli
