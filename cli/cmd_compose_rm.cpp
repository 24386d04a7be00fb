// racker compose rm [-f] [-s] [-v] [SERVICE...]: remove stopped service
// containers (-s stops them first), asking first unless -f.
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <iostream>
#include <memory>

#include "cmd_compose_common.h"
#include "command.h"

namespace racker::cli {
namespace {

using namespace racker::runtime;

struct RmFlags {
  bool force = false, stop = false, volumes = false;
  std::vector<std::string> services;
};

int run_rm(const RmFlags& f) {
  auto session = open_compose();
  if (!session) return 1;
  auto& s = *session;
  if (auto st = check_services(s, f.services); !st) return compose_fail(st.error());
  auto observed = observe(s);
  if (!observed) return compose_fail(observed.error());
  if (f.stop) {
    std::vector<ObservedContainer> running;
    for (const auto& c : *observed)
      if (c.running() && !c.oneoff) running.push_back(c);
    StopPlan plan = plan_stop(s.project(), *s.graph, running, f.services, false, false);
    if (auto st = run_stop_plan(s, std::move(plan), StopOptions{}); !st) return compose_fail(st.error());
    observed = observe(s);
    if (!observed) return compose_fail(observed.error());
  }
  std::vector<ObservedContainer> stopped;
  for (const auto& c : *observed)
    if (!c.running() && !c.oneoff && s.project().service(c.service) &&
        (f.services.empty() || std::find(f.services.begin(), f.services.end(), c.service) != f.services.end()))
      stopped.push_back(c);
  if (stopped.empty()) {
    std::fprintf(stderr, "No stopped containers\n");
    return 0;
  }
  if (!f.force) {
    std::string names;
    for (const auto& c : stopped) names += (names.empty() ? "" : ", ") + c.name;
    std::fprintf(stdout, "Going to remove %s\nAre you sure? [yN] ", names.c_str());
    std::fflush(stdout);
    std::string answer;
    std::getline(std::cin, answer);
    if (answer != "y" && answer != "Y" && answer != "yes") return 0;
  }
  StopPlan plan;
  for (const auto& c : stopped) plan.steps.push_back({c, {}});
  StopOptions options;
  options.remove = true;
  options.remove_volumes = f.volumes;
  if (auto st = run_stop_plan(s, std::move(plan), options); !st) return compose_fail(st.error());
  return 0;
}

CommandRegistration register_compose_rm(Parent::kCompose, 34, [](CLI::App& parent, Context& ctx) {
  auto* cmd = parent.add_subcommand("rm", "Removes stopped service containers");
  auto f = std::make_shared<RmFlags>();
  cmd->add_flag("-f,--force", f->force, "Don't ask to confirm removal");
  cmd->add_flag("-s,--stop", f->stop, "Stop the containers, if required, before removing");
  cmd->add_flag("-v,--volumes", f->volumes, "Remove any anonymous volumes attached to containers");
  cmd->add_option("SERVICE", f->services, "Services");
  cmd->callback([&ctx, f] { ctx.exit_code = run_rm(*f); });
});

}  // namespace
}  // namespace racker::cli
