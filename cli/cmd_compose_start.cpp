// racker compose start [SERVICE...]: start the project's existing
// containers in dependency order, waiting on depends_on conditions.
#include <memory>

#include "cmd_compose_common.h"
#include "command.h"

namespace racker::cli {
namespace {

using namespace racker::runtime;

struct StartFlags {
  bool wait = false;
  int wait_timeout = 0;
  std::vector<std::string> services;
};

int run_start(const StartFlags& f) {
  auto session = open_compose();
  if (!session) return 1;
  auto& s = *session;
  if (auto st = check_services(s, f.services); !st) return compose_fail(st.error());
  auto observed = observe(s);
  if (!observed) return compose_fail(observed.error());
  auto plan = start_plan(s, *observed, f.services, WithDependencies::kYes);
  if (!plan) return compose_fail(plan.error());
  UpSessionOptions options;
  options.attach_phase = false;
  options.executor.wait = f.wait;
  options.executor.wait_timeout = std::chrono::seconds(f.wait_timeout);
  NoCreateBackend backend;
  return run_session_detached(s, backend, std::move(*plan), std::move(options));
}

CommandRegistration register_compose_start(Parent::kCompose, 30, [](CLI::App& parent, Context& ctx) {
  auto* cmd = parent.add_subcommand("start", "Start services");
  auto f = std::make_shared<StartFlags>();
  cmd->add_flag("--wait", f->wait, "Wait for services to be running|healthy");
  cmd->add_option("--wait-timeout", f->wait_timeout, "Maximum duration in seconds to wait for the project to be running|healthy");
  cmd->add_option("SERVICE", f->services, "Services to start");
  cmd->callback([&ctx, f] { ctx.exit_code = run_start(*f); });
});

}  // namespace
}  // namespace racker::cli
