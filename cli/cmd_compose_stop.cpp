// racker compose stop [-t N] [SERVICE...]: stop running containers without
// removing them, dependents first.
#include <memory>

#include "cmd_compose_common.h"
#include "command.h"

namespace racker::cli {
namespace {

using namespace racker::runtime;

struct StopFlags {
  int timeout = -1;
  std::vector<std::string> services;
};

int run_stop(const StopFlags& f) {
  auto session = open_compose();
  if (!session) return 1;
  auto& s = *session;
  if (auto st = check_services(s, f.services); !st) return compose_fail(st.error());
  auto observed = observe(s);
  if (!observed) return compose_fail(observed.error());
  std::vector<ObservedContainer> running;
  for (const auto& c : *observed)
    if (c.running()) running.push_back(c);
  StopPlan plan = plan_stop(s.project(), *s.graph, running, f.services, false, false);
  StopOptions options;
  if (f.timeout >= 0) options.timeout = f.timeout;
  if (auto st = run_stop_plan(s, std::move(plan), options); !st) return compose_fail(st.error());
  return 0;
}

CommandRegistration register_compose_stop(Parent::kCompose, 31, [](CLI::App& parent, Context& ctx) {
  auto* cmd = parent.add_subcommand("stop", "Stop services");
  auto f = std::make_shared<StopFlags>();
  cmd->add_option("-t,--timeout", f->timeout, "Specify a shutdown timeout in seconds");
  cmd->add_option("SERVICE", f->services, "Services to stop");
  cmd->callback([&ctx, f] { ctx.exit_code = run_stop(*f); });
});

}  // namespace
}  // namespace racker::cli
