// racker kill [-s SIGNAL] CONTAINER...: signal running containers, as docker kill.
#include <csignal>
#include <cstdio>
#include <memory>

#include "command.h"
#include "container_cli.h"

namespace racker::cli {
namespace {

struct KillFlags {
  std::string signal = "KILL";
  std::vector<std::string> containers;
};

int run_kill(const KillFlags& f) {
  auto signo = runtime::parse_signal(f.signal);
  if (!signo) return daemon_error(signo.error());
  auto containers = open_containers();
  int code = 0;
  for (const auto& name : f.containers) {
    auto st = containers.driver->kill(name, *signo);
    if (!st) code = daemon_error(st.error());
    else std::printf("%s\n", name.c_str());
  }
  return code;
}

CommandRegistration register_kill(Parent::kRoot, 131, [](CLI::App& parent, Context& ctx) {
  auto* cmd = parent.add_subcommand("kill", "Kill one or more running containers");
  auto f = std::make_shared<KillFlags>();
  cmd->add_option("-s,--signal", f->signal, "Signal to send to the container");
  cmd->add_option("CONTAINER", f->containers, "Containers to kill")->required();
  cmd->callback([&ctx, f] { ctx.exit_code = run_kill(*f); });
});

}  // namespace
}  // namespace racker::cli
