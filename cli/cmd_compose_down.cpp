// racker compose down [-v] [--remove-orphans] [-t N] [SERVICE...]: stop and
// remove the project's containers (dependents first, independent ones in
// parallel), its networks and, with -v, its named and anonymous volumes,
// as docker compose down. Works whatever state an earlier `up` left.
#include <spdlog/spdlog.h>
#include <sys/stat.h>

#include <cstdio>
#include <filesystem>
#include <memory>

#include "cmd_compose_common.h"
#include "project_networks.h"
#include "command.h"
#include "racker/runtime/project_supervisor.h"
#include "racker/runtime/volume_store.h"

namespace racker::cli {
namespace {

using namespace racker::runtime;

struct DownFlags {
  bool volumes = false, remove_orphans = false;
  int timeout = -1, parallel = -1;
  std::string rmi;
  std::vector<std::string> services;
};

int run_down(const DownFlags& f) {
  if (!f.rmi.empty() && f.rmi != "local" && f.rmi != "all")
    return compose_fail(Error(Errc::kInvalidArgument, "invalid value for --rmi: " + f.rmi));
  auto session = open_compose();
  if (!session) return 1;
  auto& s = *session;
  if (auto st = check_services(s, f.services); !st) return compose_fail(st.error());
  // A supervisor that outlives its containers would only go idle: let it go now.
  if (f.services.empty()) (void)retire_supervisor(s.name());
  auto observed = observe(s);
  if (!observed) return compose_fail(observed.error());
  StopPlan plan = plan_stop(s.project(), *s.graph, *observed, f.services, f.remove_orphans, true);
  StopOptions options;
  if (f.timeout >= 0) options.timeout = f.timeout;
  options.remove = true;
  options.remove_volumes = f.volumes;
  options.overlap_grace = true;
  Status st = run_stop_plan(s, std::move(plan), options, f.parallel);
  if (!st) return compose_fail(st.error());
  if (!f.services.empty()) return 0;
  forget_group_all(s.containers.store->root(), s.name());

  ProjectNetworks networking(s.project());
  networking.on_progress(print_network_progress);
  prune_networks(s, networking);
  if (auto net = networking.remove_networks(); !net) return compose_fail(net.error());
  if (f.volumes) {
    VolumeStore volumes(s.containers.store->volumes_dir());
    for (const auto& [key, v] : s.project().volumes) {
      if (v.external || !volumes.exists(v.name)) continue;
      std::fprintf(stderr, " Volume %s Removing\n", v.name.c_str());
      if (auto rm = volumes.remove(v.name); !rm) return compose_fail(rm.error());
      std::fprintf(stderr, " Volume %s Removed\n", v.name.c_str());
    }
  }
  if (!f.rmi.empty()) spdlog::warn("--rmi is not supported yet: images are kept");
  // Files racker generated for the project (secrets, configs) and its
  // runtime directory go with it.
  std::error_code ec;
  std::filesystem::remove_all(project_state_dir(s.containers.store->root(), s.name()), ec);
  SupervisorPaths paths = supervisor_paths(s.name());
  if (supervisor_pid(s.name()) == 0) std::filesystem::remove_all(paths.dir, ec);
  return 0;
}

CommandRegistration register_compose_down(Parent::kCompose, 21, [](CLI::App& parent, Context& ctx) {
  auto* cmd = parent.add_subcommand("down", "Stop and remove containers, networks");
  auto f = std::make_shared<DownFlags>();
  cmd->add_flag("-v,--volumes", f->volumes, "Remove named volumes declared in the \"volumes\" section and anonymous volumes");
  cmd->add_flag("--remove-orphans", f->remove_orphans, "Remove containers for services not defined in the Compose file");
  cmd->add_option("-t,--timeout", f->timeout, "Specify a shutdown timeout in seconds");
  cmd->add_option("--rmi", f->rmi, "Remove images used by services: \"local\" or \"all\"");
  cmd->add_option("--parallel", f->parallel, "Control max parallelism, -1 for unlimited")->default_val(-1);
  cmd->add_option("SERVICE", f->services, "Services to stop and remove");
  cmd->callback([&ctx, f] { ctx.exit_code = run_down(*f); });
});

}  // namespace
}  // namespace racker::cli
