// racker compose pause|unpause [SERVICE...]: freeze or thaw the project's
// running containers, all at once (docker compose does them in parallel too).
#include <algorithm>
#include <future>
#include <memory>

#include "cmd_compose_common.h"
#include "command.h"

namespace racker::cli {
namespace {

using namespace racker::runtime;

int run_pause(const std::vector<std::string>& services, bool pause) {
  auto session = open_compose();
  if (!session) return 1;
  auto& s = *session;
  if (auto st = check_services(s, services); !st) return compose_fail(st.error());
  auto observed = observe(s);
  if (!observed) return compose_fail(observed.error());
  std::vector<ObservedContainer> targets;
  for (const auto& c : *observed) {
    if (c.oneoff || !c.running()) continue;
    if (!services.empty() && std::find(services.begin(), services.end(), c.service) == services.end()) continue;
    targets.push_back(c);
  }
  std::vector<std::future<Status>> results;
  for (const auto& c : targets)
    results.push_back(std::async(std::launch::async, [&s, &c, pause] {
      return pause ? s.driver().pause(c.id) : s.driver().unpause(c.id);
    }));
  StderrProgress progress;
  Status first;
  for (size_t i = 0; i < targets.size(); ++i) {
    Status st = results[i].get();
    if (st) progress.on_progress("Container", targets[i].name, pause ? "Paused" : "Unpaused");
    else if (first) first = st;
  }
  if (!first) return compose_fail(first.error());
  return 0;
}

void add_command(CLI::App& parent, Context& ctx, bool pause) {
  auto* cmd = parent.add_subcommand(pause ? "pause" : "unpause", pause ? "Pause services" : "Unpause services");
  auto services = std::make_shared<std::vector<std::string>>();
  cmd->add_option("SERVICE", *services, pause ? "Services to pause" : "Services to unpause");
  cmd->callback([&ctx, services, pause] { ctx.exit_code = run_pause(*services, pause); });
}

CommandRegistration pause_reg(Parent::kCompose, 36, [](CLI::App& parent, Context& ctx) { add_command(parent, ctx, true); });
CommandRegistration unpause_reg(Parent::kCompose, 37,
                                [](CLI::App& parent, Context& ctx) { add_command(parent, ctx, false); });

}  // namespace
}  // namespace racker::cli
