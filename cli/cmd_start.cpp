// racker start [-a] CONTAINER...: start stopped containers, as docker start.
#include <unistd.h>

#include <cstdio>
#include <memory>

#include "command.h"
#include "container_cli.h"

namespace racker::cli {
namespace {

struct StartFlags {
  bool attach = false, interactive = false;
  std::vector<std::string> containers;
};

int run_start(const StartFlags& f) {
  auto containers = open_containers();
  int code = 0;
  for (const auto& name : f.containers) {
    auto id = containers.store->resolve(name);
    if (!id) {
      code = daemon_error(id.error());
      continue;
    }
    if (f.attach && f.containers.size() == 1) {
      runtime::AttachIo io{f.interactive ? STDIN_FILENO : -1, STDOUT_FILENO, STDERR_FILENO, true};
      auto exit = containers.driver->run_attached(*id, io);
      if (!exit) return daemon_error(exit.error());
      return *exit;
    }
    auto st = containers.driver->start(*id);
    if (!st) code = daemon_error(st.error());
    else std::printf("%s\n", name.c_str());
  }
  return code;
}

CommandRegistration register_start(Parent::kRoot, 120, [](CLI::App& parent, Context& ctx) {
  auto* cmd = parent.add_subcommand("start", "Start one or more stopped containers");
  auto f = std::make_shared<StartFlags>();
  cmd->add_flag("-a,--attach", f->attach, "Attach STDOUT/STDERR and forward signals");
  cmd->add_flag("-i,--interactive", f->interactive, "Attach container's STDIN");
  cmd->add_option("CONTAINER", f->containers, "Containers to start")->required();
  cmd->callback([&ctx, f] { ctx.exit_code = run_start(*f); });
});

}  // namespace
}  // namespace racker::cli
