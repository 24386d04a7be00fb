// racker compose kill [-s SIGNAL] [--remove-orphans] [SERVICE...]: signal
// the running containers (SIGKILL by default), all at once.
#include <memory>

#include "cmd_compose_common.h"
#include "command.h"

namespace racker::cli {
namespace {

using namespace racker::runtime;

struct KillFlags {
  std::string signal = "SIGKILL";
  bool remove_orphans = false;
  std::vector<std::string> services;
};

int run_kill(const KillFlags& f) {
  auto signo = parse_signal(f.signal);
  if (!signo) return compose_fail(signo.error());
  auto session = open_compose();
  if (!session) return 1;
  auto& s = *session;
  if (auto st = check_services(s, f.services); !st) return compose_fail(st.error());
  auto observed = observe(s);
  if (!observed) return compose_fail(observed.error());
  std::vector<ObservedContainer> running;
  for (const auto& c : *observed)
    if (c.running()) running.push_back(c);
  StopPlan plan = plan_stop(s.project(), *s.graph, running, f.services, f.remove_orphans, false);
  for (auto& step : plan.steps) step.after.clear();
  if (plan.steps.empty()) return compose_fail(Error(Errc::kNotFound, "no container to kill"));
  StopOptions options;
  options.kill_signal = *signo;
  if (auto st = run_stop_plan(s, std::move(plan), options); !st) return compose_fail(st.error());
  return 0;
}

CommandRegistration register_compose_kill(Parent::kCompose, 33, [](CLI::App& parent, Context& ctx) {
  auto* cmd = parent.add_subcommand("kill", "Force stop service containers");
  auto f = std::make_shared<KillFlags>();
  cmd->add_option("-s,--signal", f->signal, "SIGNAL to send to the container")->capture_default_str();
  cmd->add_flag("--remove-orphans", f->remove_orphans, "Remove containers for services not defined in the Compose file");
  cmd->add_option("SERVICE", f->services, "Services to kill");
  cmd->callback([&ctx, f] { ctx.exit_code = run_kill(*f); });
});

}  // namespace
}  // namespace racker::cli
