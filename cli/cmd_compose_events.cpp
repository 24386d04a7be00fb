// racker compose events [--json] [SERVICE...]: stream the project's
// container events until interrupted. Each container's state lives in its
// own record (written by its monitor and the supervisor), so the stream is
// the difference between successive snapshots of the store, taken often
// enough that every start, die, pause and health change shows up.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <map>
#include <memory>
#include <thread>

#include "cmd_compose_common.h"
#include "command.h"
#include "racker/runtime/compose_events.h"
#include "racker/runtime/service_container.h"

namespace racker::cli {
namespace {

using namespace racker::runtime;

constexpr auto kPollInterval = std::chrono::milliseconds(100);

struct EventsFlags {
  bool json = false;
  std::vector<std::string> services;
};

Result<std::map<std::string, ContainerInfo>> snapshot(ComposeSession& s) {
  auto all = s.driver().list(true);
  if (!all) return all.error();
  std::map<std::string, ContainerInfo> out;
  for (auto& info : *all) {
    auto it = info.spec.labels.find(kLabelProject);
    if (it != info.spec.labels.end() && it->second == s.name()) out.emplace(info.spec.id, std::move(info));
  }
  return out;
}

int run_events(const EventsFlags& f) {
  auto session = open_compose();
  if (!session) return 1;
  auto& s = *session;
  if (auto st = check_services(s, f.services); !st) return compose_fail(st.error());
  auto before = snapshot(s);
  if (!before) return compose_fail(before.error());
  for (;;) {
    std::this_thread::sleep_for(kPollInterval);
    auto after = snapshot(s);
    if (!after) return compose_fail(after.error());
    auto now = std::chrono::system_clock::now();
    for (const auto& e : diff_snapshots(*before, *after)) {
      if (!f.services.empty() && std::find(f.services.begin(), f.services.end(), e.service) == f.services.end())
        continue;
      std::printf("%s\n", format_compose_event(e, now, f.json).c_str());
    }
    std::fflush(stdout);
    before = std::move(after);
  }
}

CommandRegistration register_compose_events(Parent::kCompose, 46, [](CLI::App& parent, Context& ctx) {
  auto* cmd = parent.add_subcommand("events", "Receive real time events from containers");
  auto f = std::make_shared<EventsFlags>();
  cmd->add_flag("--json", f->json, "Output events as a stream of json objects");
  cmd->add_option("SERVICE", f->services, "Services to watch");
  cmd->callback([&ctx, f] { ctx.exit_code = run_events(*f); });
});

}  // namespace
}  // namespace racker::cli
