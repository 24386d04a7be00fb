#include "racker/runtime/project_watch.h"

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/post.hpp>

#include "racker/runtime/service_container.h"

namespace racker::runtime {

namespace {

bool is_up(const ContainerState& s) {
  return s.status == ContainerStatus::kRunning || s.status == ContainerStatus::kRestarting;
}

std::string service_of(const ContainerInfo& info) {
  auto it = info.spec.labels.find(kLabelService);
  return it == info.spec.labels.end() ? "" : it->second;
}

ContainerEvent event(ContainerEventKind kind, const ContainerInfo& info) {
  ContainerEvent e;
  e.kind = kind;
  e.id = info.spec.id;
  e.name = info.spec.name;
  e.service = service_of(info);
  e.exit_code = info.state.exit_code;
  e.health = info.state.health.status;
  e.image = info.spec.image;
  e.labels = info.spec.labels;
  return e;
}

}  // namespace

const char* container_event_name(ContainerEventKind kind) {
  switch (kind) {
    case ContainerEventKind::kCreated: return "create";
    case ContainerEventKind::kStarted: return "start";
    case ContainerEventKind::kExited: return "die";
    case ContainerEventKind::kRemoved: return "destroy";
    case ContainerEventKind::kHealth: return "health_status";
    case ContainerEventKind::kPaused: return "pause";
    case ContainerEventKind::kUnpaused: return "unpause";
  }
  return "?";
}

std::vector<ContainerEvent> diff_snapshots(const std::map<std::string, ContainerInfo>& before,
                                           const std::map<std::string, ContainerInfo>& after) {
  std::vector<ContainerEvent> out;
  for (const auto& [id, now] : after) {
    auto it = before.find(id);
    if (it == before.end()) {
      out.push_back(event(ContainerEventKind::kCreated, now));
      if (is_up(now.state) && now.state.status == ContainerStatus::kRunning)
        out.push_back(event(ContainerEventKind::kStarted, now));
      continue;
    }
    const ContainerState& was = it->second.state;
    const ContainerState& is = now.state;
    bool started = !is.started_at.empty() && is.started_at != was.started_at;
    // A structured binding cannot be captured before C++20 compilers catch up (clang 14).
    auto exited = [&, &seen = now](bool restarting) {
      ContainerEvent e = event(ContainerEventKind::kExited, seen);
      e.restarting = restarting;
      out.push_back(e);
    };
    if (started) {
      // It ran before and was started again between two polls: that run ended.
      if (was.status == ContainerStatus::kRunning) {
        exited(true);
        out.back().exit_code = 0;  // the code of that run is not recorded any more
      }
      ContainerEvent e = event(ContainerEventKind::kStarted, now);
      e.restarting = !was.started_at.empty();
      out.push_back(e);
      // ...and the new run may be over already.
      if (!is_up(is) || (is.status == ContainerStatus::kRestarting && !is.finished_at.empty()))
        exited(is.status == ContainerStatus::kRestarting);
    } else if ((is_up(was) && !is_up(is)) ||
               (was.status == ContainerStatus::kRunning && is.status == ContainerStatus::kRestarting)) {
      exited(is_up(is));
    }
    if (is.paused != was.paused && is_up(is))
      out.push_back(event(is.paused ? ContainerEventKind::kPaused : ContainerEventKind::kUnpaused, now));
    if (is.health.status != was.health.status) out.push_back(event(ContainerEventKind::kHealth, now));
  }
  for (const auto& [id, was] : before)
    if (!after.count(id)) out.push_back(event(ContainerEventKind::kRemoved, was));
  return out;
}

ProjectWatch::ProjectWatch(boost::asio::io_context& io, boost::asio::thread_pool& pool, ContainerDriver& driver,
                           std::string project, std::chrono::milliseconds interval)
    : io_(io), pool_(pool), driver_(driver), project_(std::move(project)), interval_(interval), timer_(io),
      alive_(std::make_shared<std::atomic<bool>>(true)) {}

ProjectWatch::~ProjectWatch() { stop(); }

void ProjectWatch::start() {
  stopped_ = false;
  poll();
}

void ProjectWatch::stop() {
  stopped_ = true;
  *alive_ = false;
  timer_.cancel();
}

void ProjectWatch::refresh() {
  if (stopped_) return;
  if (in_flight_) {
    again_ = true;
    return;
  }
  timer_.cancel();
  poll();
}

void ProjectWatch::after_next_poll(std::function<void()> done) {
  // A poll in flight may have read the store before the caller's change.
  if (in_flight_) waiting_next_.push_back(std::move(done));
  else waiting_.push_back(std::move(done));
  refresh();
}

void ProjectWatch::arm_timer() {
  if (stopped_) return;
  timer_.expires_after(interval_);
  auto alive = alive_;
  timer_.async_wait([this, alive](const boost::system::error_code& ec) {
    if (ec || !*alive || stopped_) return;
    if (!in_flight_) poll();
  });
}

void ProjectWatch::poll() {
  in_flight_ = true;
  again_ = false;
  auto alive = alive_;
  ContainerDriver* driver = &driver_;
  boost::asio::io_context* io = &io_;
  auto guard = boost::asio::make_work_guard(io_);
  boost::asio::post(pool_, [this, alive, driver, io, guard] {
    auto list = driver->list(true);
    boost::asio::post(*io, [this, alive, guard, list = std::move(list)]() mutable {
      if (!*alive) return;
      on_polled(std::move(list));
    });
  });
}

void ProjectWatch::on_polled(Result<std::vector<ContainerInfo>> list) {
  in_flight_ = false;
  polls_++;
  if (list) {
    std::map<std::string, ContainerInfo> next;
    for (auto& info : *list) {
      auto it = info.spec.labels.find(kLabelProject);
      if (it == info.spec.labels.end() || it->second != project_) continue;
      // This process's health monitor is newer than a state file written a moment ago.
      if (auto local = local_health_.find(info.spec.id); local != local_health_.end())
        info.state.health = local->second;
      next.emplace(info.spec.id, std::move(info));
    }
    for (auto it = local_health_.begin(); it != local_health_.end();)
      it = next.count(it->first) ? std::next(it) : local_health_.erase(it);
    auto events = diff_snapshots(containers_, next);
    containers_ = std::move(next);
    if (!events.empty())
      for (auto& l : std::vector<Listener>(listeners_)) l(events);
  }
  auto done = std::move(waiting_);
  waiting_ = std::move(waiting_next_);
  waiting_next_.clear();
  for (auto& d : done) d();
  if (stopped_) return;
  if (again_ || !waiting_.empty()) poll();
  else arm_timer();
}

void ProjectWatch::set_health(const std::string& id, const HealthState& health) {
  local_health_[id] = health;
  auto it = containers_.find(id);
  if (it == containers_.end()) return;
  bool changed = it->second.state.health.status != health.status;
  it->second.state.health = health;
  if (!changed) return;
  ContainerEvent e = event(ContainerEventKind::kHealth, it->second);
  for (auto& l : std::vector<Listener>(listeners_)) l({e});
}

}  // namespace racker::runtime
