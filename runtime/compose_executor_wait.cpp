// depends_on conditions and `up --wait`, judged on the ProjectWatch's
// snapshot, in docker compose's words.
#include "compose_executor_internal.h"
#include "racker/runtime/health_monitor.h"

namespace racker::runtime {

namespace {

enum class Verdict { kWait, kOk, kFail };
struct Check {
  Verdict verdict = Verdict::kWait;
  std::string error;  // kFail
  int exit_code = 0;
};

bool up(const ContainerState& s) {
  return s.status == ContainerStatus::kRunning || s.status == ContainerStatus::kRestarting;
}
bool has_exited(const ContainerState& s) { return s.status == ContainerStatus::kExited || s.status == ContainerStatus::kDead; }

// service_healthy (fallback_running false) and running_or_healthy (true):
// every container must pass.
Check check_healthy(const std::map<std::string, ContainerInfo>& snapshot, const std::vector<std::string>& ids,
                    bool fallback_running) {
  for (const auto& id : ids) {
    auto it = snapshot.find(id);
    if (it == snapshot.end()) return {};
    const auto& info = it->second;
    if (has_exited(info.state))
      return {Verdict::kFail, "container " + info.spec.name + " exited (" + std::to_string(info.state.exit_code) + ")", 0};
    if (!info.spec.healthcheck) {
      if (fallback_running) {
        if (info.state.status != ContainerStatus::kRunning) return {};
        continue;
      }
      return {Verdict::kFail, "container " + info.spec.name + " has no healthcheck configured", 0};
    }
    const std::string& h = info.state.health.status;
    if (h == kHealthHealthy) continue;
    if (h == kHealthUnhealthy) return {Verdict::kFail, "container " + info.spec.name + " is unhealthy", 0};
    return {};
  }
  return {Verdict::kOk, "", 0};
}

// service_completed_successfully: the first container found exited decides.
Check check_completed(const std::map<std::string, ContainerInfo>& snapshot, const std::vector<std::string>& ids) {
  for (const auto& id : ids) {
    auto it = snapshot.find(id);
    if (it == snapshot.end()) continue;
    if (has_exited(it->second.state)) {
      Check c;
      c.exit_code = it->second.state.exit_code;
      c.verdict = c.exit_code == 0 ? Verdict::kOk : Verdict::kFail;
      return c;
    }
    if (!up(it->second.state) && it->second.state.status != ContainerStatus::kCreated) return {};
  }
  return {};
}

}  // namespace

std::optional<Status> ComposeExecutor::dependency_state(ServiceRun& s, const compose::Edge& edge) {
  auto dep_it = services_.find(edge.to);
  if (dep_it == services_.end()) return ok_status();
  ServiceRun& dep = *dep_it->second;
  if (dep.step->replicas == 0) return ok_status();  // nothing to wait for
  if (dep.phase != ServiceRun::Phase::kStarted) return std::nullopt;
  if (edge.condition != "service_healthy" && edge.condition != "service_completed_successfully") return ok_status();

  const auto& snapshot = watch_.containers();
  const auto& ids = ids_[edge.to];
  auto name_of = [&](const std::string& id) {
    auto it = snapshot.find(id);
    return it == snapshot.end() ? id.substr(0, 12) : it->second.spec.name;
  };
  if (!s.announced.count(edge.to)) {
    s.announced.insert(edge.to);
    for (const auto& id : ids)
      if (!announced_.count(id + "/wait")) {
        announced_.insert(id + "/wait");
        progress_.on_progress("Container", name_of(id), "Waiting");
      }
  }
  bool healthy = edge.condition == "service_healthy";
  Check c = healthy ? check_healthy(snapshot, ids, false) : check_completed(snapshot, ids);
  if (c.verdict == Verdict::kWait) return std::nullopt;
  // Like docker's first look half a second in: a dependency without a
  // healthcheck that is about to exit is reported by its exit.
  auto settle = std::chrono::milliseconds(500);
  if (c.verdict == Verdict::kFail && healthy && c.error.find("has no healthcheck configured") != std::string::npos &&
      std::chrono::steady_clock::now() - dep.started_at < settle) {
    recheck_after(settle);
    return std::nullopt;
  }
  if (c.verdict == Verdict::kOk) {
    for (const auto& id : ids)
      if (!announced_.count(id + "/done")) {
        announced_.insert(id + "/done");
        progress_.on_progress("Container", name_of(id), healthy ? "Healthy" : "Exited");
      }
    return ok_status();
  }
  std::string suffix = "\"" + edge.to + "\" didn't complete successfully: exit " + std::to_string(c.exit_code);
  if (!edge.required) {
    if (!s.warned.count(edge.to)) {
      s.warned.insert(edge.to);
      progress_.on_warning(healthy ? "optional dependency \"" + edge.to + "\" failed to start: " + c.error
                                   : "optional dependency " + suffix);
    }
    return ok_status();
  }
  if (healthy) return Status(Error(Errc::kInternal, "dependency failed to start: " + c.error));
  return Status(Error(Errc::kInternal, "service " + suffix));
}

std::optional<Status> ComposeExecutor::wait_state() {
  // Services others wait on to complete are waited for to complete, not to
  // run (a one-shot container never "runs").
  std::set<std::string> completes;
  for (const auto& step : plan_.services)
    for (const auto& e : step.waits)
      if (e.condition == "service_completed_successfully") completes.insert(e.to);
  const auto& snapshot = watch_.containers();
  for (const auto& step : plan_.services) {
    if (step.replicas == 0 || !step.start) continue;
    const auto& ids = ids_[step.service];
    if (completes.count(step.service)) {
      Check c = check_completed(snapshot, ids);
      if (c.verdict == Verdict::kWait) return std::nullopt;
      if (c.verdict == Verdict::kFail)
        return Status(Error(Errc::kInternal, "service \"" + step.service + "\" didn't complete successfully: exit " +
                                                 std::to_string(c.exit_code)));
      continue;
    }
    Check c = check_healthy(snapshot, ids, true);
    if (c.verdict == Verdict::kWait) return std::nullopt;
    if (c.verdict == Verdict::kFail) return Status(Error(Errc::kInternal, c.error));
  }
  return ok_status();
}

}  // namespace racker::runtime
