// racker compose wait [--down-project] SERVICE...: block until the
// services' containers stop; exits with the first one's exit code.
#include <algorithm>
#include <cstdio>
#include <memory>

#include "cmd_compose_common.h"
#include "command.h"

namespace racker::cli {
namespace {

using namespace racker::runtime;

struct WaitFlags {
  bool down_project = false;
  std::vector<std::string> services;
};

int run_wait(const WaitFlags& f) {
  auto session = open_compose();
  if (!session) return 1;
  auto& s = *session;
  if (auto st = check_services(s, f.services); !st) return compose_fail(st.error());
  auto observed = observe(s);
  if (!observed) return compose_fail(observed.error());
  int code = 0;
  bool first = true;
  for (const auto& c : *observed) {
    if (c.oneoff || std::find(f.services.begin(), f.services.end(), c.service) == f.services.end()) continue;
    auto exit = s.driver().wait(c.id);
    if (!exit) return compose_fail(exit.error());
    if (first) code = *exit;
    first = false;
  }
  if (f.down_project) {
    auto now = observe(s);
    if (!now) return compose_fail(now.error());
    StopOptions options;
    options.remove = true;
    options.overlap_grace = true;
    if (auto st = run_stop_plan(s, plan_stop(s.project(), *s.graph, *now, {}, false, false), options); !st)
      return compose_fail(st.error());
  }
  return code;
}

CommandRegistration register_compose_wait(Parent::kCompose, 43, [](CLI::App& parent, Context& ctx) {
  auto* cmd = parent.add_subcommand("wait", "Block until containers of all (or specified) services stop.");
  auto f = std::make_shared<WaitFlags>();
  cmd->add_flag("--down-project", f->down_project, "Drops project when the first container stops");
  cmd->add_option("SERVICE", f->services, "Services")->required();
  cmd->callback([&ctx, f] { ctx.exit_code = run_wait(*f); });
});

}  // namespace
}  // namespace racker::cli
