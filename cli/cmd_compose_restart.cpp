// racker compose restart [-t N] [--no-deps] [SERVICE...]: stop then start
// the services' containers; services depending on them with
// `restart: true` are restarted too, as docker compose does.
#include <algorithm>
#include <memory>

#include "cmd_compose_common.h"
#include "command.h"

namespace racker::cli {
namespace {

using namespace racker::runtime;

struct RestartFlags {
  int timeout = -1;
  bool no_deps = false;
  std::vector<std::string> services;
};

int run_restart(const RestartFlags& f) {
  auto session = open_compose();
  if (!session) return 1;
  auto& s = *session;
  if (auto st = check_services(s, f.services); !st) return compose_fail(st.error());
  std::vector<std::string> services = f.services;
  if (!services.empty() && !f.no_deps) {
    // Dependents with depends_on.restart: true follow their dependency.
    for (size_t i = 0; i < services.size(); ++i)
      for (const auto& name : s.graph->start_order())
        for (const auto& edge : s.graph->dependencies_of(name))
          if (edge.to == services[i] && edge.restart &&
              std::find(services.begin(), services.end(), name) == services.end())
            services.push_back(name);
  }
  auto observed = observe(s);
  if (!observed) return compose_fail(observed.error());
  std::vector<ObservedContainer> mine;
  for (const auto& c : *observed)
    if (!c.oneoff) mine.push_back(c);
  StopPlan stop = plan_stop(s.project(), *s.graph, mine, services, false, false);
  StopOptions options;
  if (f.timeout >= 0) options.timeout = f.timeout;
  if (auto st = run_stop_plan(s, std::move(stop), options); !st) return compose_fail(st.error());
  auto now = observe(s);
  if (!now) return compose_fail(now.error());
  auto plan = start_plan(s, *now, services, WithDependencies::kNo);
  if (!plan) return compose_fail(plan.error());
  UpSessionOptions session_options;
  session_options.attach_phase = false;
  NoCreateBackend backend;
  return run_session_detached(s, backend, std::move(*plan), std::move(session_options));
}

CommandRegistration register_compose_restart(Parent::kCompose, 32, [](CLI::App& parent, Context& ctx) {
  auto* cmd = parent.add_subcommand("restart", "Restart service containers");
  auto f = std::make_shared<RestartFlags>();
  cmd->add_option("-t,--timeout", f->timeout, "Specify a shutdown timeout in seconds");
  cmd->add_flag("--no-deps", f->no_deps, "Don't restart dependent services");
  cmd->add_option("SERVICE", f->services, "Services to restart");
  cmd->callback([&ctx, f] { ctx.exit_code = run_restart(*f); });
});

}  // namespace
}  // namespace racker::cli
