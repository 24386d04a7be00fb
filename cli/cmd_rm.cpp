// racker rm [-f] [-v] CONTAINER...: remove containers, as docker rm.
#include <cstdio>
#include <memory>

#include "command.h"
#include "container_cli.h"

namespace racker::cli {
namespace {

struct RmFlags {
  bool force = false, volumes = false;
  std::vector<std::string> containers;
};

int run_rm(const RmFlags& f) {
  auto containers = open_containers();
  int code = 0;
  for (const auto& name : f.containers) {
    auto st = containers.driver->remove(name, {f.force, f.volumes});
    if (!st) {
      // docker rm -f of a missing container is quiet and succeeds.
      if (f.force && st.error().code == Errc::kNotFound) continue;
      code = daemon_error(st.error());
      continue;
    }
    std::printf("%s\n", name.c_str());
  }
  return code;
}

CommandRegistration register_rm(Parent::kRoot, 140, [](CLI::App& parent, Context& ctx) {
  auto* cmd = parent.add_subcommand("rm", "Remove one or more containers");
  auto f = std::make_shared<RmFlags>();
  cmd->add_flag("-f,--force", f->force, "Force the removal of a running container (uses SIGKILL)");
  cmd->add_flag("-v,--volumes", f->volumes, "Remove anonymous volumes associated with the container");
  cmd->add_option("CONTAINER", f->containers, "Containers to remove")->required();
  cmd->callback([&ctx, f] { ctx.exit_code = run_rm(*f); });
});

}  // namespace
}  // namespace racker::cli
