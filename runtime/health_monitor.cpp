#include "racker/runtime/health_monitor.h"

#include <sys/mman.h>
#include <unistd.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/post.hpp>

namespace racker::runtime {

namespace {

constexpr size_t kMaxLogEntries = 5;   // docker keeps the last 5 probes

std::string format_seconds(std::chrono::nanoseconds d) {
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(d).count();
  if (ms % 1000 == 0) return std::to_string(ms / 1000) + "s";
  return std::to_string(ms) + "ms";
}

}  // namespace

// --- HealthTracker ---

void HealthTracker::reset(Clock::time_point started) {
  started_ = started;
  state_.status = kHealthStarting;
  state_.failing_streak = 0;
}

void HealthTracker::resume(const HealthState& state, Clock::time_point started) {
  started_ = started;
  state_ = state;
  if (state_.status.empty()) state_.status = kHealthStarting;
}

std::chrono::nanoseconds HealthTracker::next_delay(Clock::time_point now) const {
  bool in_start_period = now - started_ < spec_.start_period;
  if (in_start_period && state_.status == kHealthStarting) return spec_.start_interval;
  return spec_.interval;
}

bool HealthTracker::on_result(const HealthResult& result, Clock::time_point probe_start) {
  std::string before = state_.status;
  state_.log.push_back(result);
  if (state_.log.size() > kMaxLogEntries) state_.log.erase(state_.log.begin());
  if (result.exit_code == 0) {
    state_.failing_streak = 0;
    state_.status = kHealthHealthy;
  } else {
    // While starting, failures inside the start period do not count.
    bool counts = !(state_.status == kHealthStarting && probe_start - started_ < spec_.start_period);
    if (counts) {
      state_.failing_streak++;
      if (state_.failing_streak >= std::max(1, spec_.retries)) state_.status = kHealthUnhealthy;
    }
  }
  return state_.status != before;
}

std::string health_timeout_output(const HealthcheckSpec& spec) {
  return "Health check exceeded timeout (" + format_seconds(spec.timeout) + ")";
}

std::vector<std::string> health_probe_argv(const HealthcheckSpec& spec) {
  if (spec.test.empty()) return {};
  if (spec.test[0] == "CMD-SHELL") {
    std::string command;
    for (size_t i = 1; i < spec.test.size(); ++i) command += (i > 1 ? " " : "") + spec.test[i];
    return {"/bin/sh", "-c", command};
  }
  if (spec.test[0] == "CMD") return std::vector<std::string>(spec.test.begin() + 1, spec.test.end());
  return spec.test;
}

// --- HealthMonitor ---

struct HealthMonitor::Probe {
  Probe(boost::asio::io_context& io, std::string id, HealthcheckSpec spec)
      : id(std::move(id)), tracker(std::move(spec)), timer(io) {}
  std::string id;
  HealthTracker tracker;
  boost::asio::steady_timer timer;
  bool running = false;   // a probe is executing
  bool stopped = false;
  uint64_t generation = 0;  // bumped at every (re)start: stale results are dropped
};

HealthMonitor::HealthMonitor(boost::asio::io_context& io, boost::asio::thread_pool& pool, ContainerDriver& driver,
                             HealthRecorder& recorder, Callback callback)
    : io_(io), pool_(pool), driver_(driver), recorder_(recorder), callback_(std::move(callback)),
      records_(boost::asio::make_strand(pool)), alive_(std::make_shared<std::atomic<bool>>(true)) {}

HealthMonitor::~HealthMonitor() { stop(); }

void HealthMonitor::stop() {
  *alive_ = false;
  for (auto& [id, p] : probes_) {
    p->stopped = true;
    p->timer.cancel();
  }
  probes_.clear();
}

void HealthMonitor::container_started(const std::string& id, const HealthcheckSpec& spec,
                                      HealthTracker::Clock::time_point started) {
  auto& slot = probes_[id];
  uint64_t generation = 0;
  if (slot) {
    generation = slot->generation + 1;
    slot->stopped = true;
    slot->timer.cancel();
  }
  slot = std::make_shared<Probe>(io_, id, spec);
  slot->generation = generation;
  slot->tracker.reset(started);
  record(slot, true);
  schedule(slot);
}

void HealthMonitor::adopt(const std::string& id, const HealthcheckSpec& spec, const HealthState& state,
                          HealthTracker::Clock::time_point started) {
  if (probes_.count(id)) return;
  auto probe = std::make_shared<Probe>(io_, id, spec);
  probe->tracker.resume(state, started);
  probes_[id] = probe;
  if (state.status.empty()) record(probe, true);
  schedule(probe);
}

void HealthMonitor::container_stopped(const std::string& id) {
  auto it = probes_.find(id);
  if (it == probes_.end()) return;
  it->second->stopped = true;
  it->second->timer.cancel();
  probes_.erase(it);
}

void HealthMonitor::schedule(const std::shared_ptr<Probe>& probe) {
  auto delay = probe->tracker.next_delay(HealthTracker::Clock::now());
  probe->timer.expires_after(std::chrono::duration_cast<std::chrono::steady_clock::duration>(delay));
  auto alive = alive_;
  probe->timer.async_wait([this, alive, probe](const boost::system::error_code& ec) {
    if (ec || !*alive || probe->stopped) return;
    run_probe(probe);
  });
}

void HealthMonitor::run_probe(const std::shared_ptr<Probe>& probe) {
  probe->running = true;
  ExecSpec exec;
  exec.args = health_probe_argv(probe->tracker.spec());
  exec.timeout = std::chrono::duration_cast<std::chrono::milliseconds>(probe->tracker.spec().timeout);
  std::string timed_out = health_timeout_output(probe->tracker.spec());
  auto began = HealthTracker::Clock::now();
  std::string id = probe->id;
  auto alive = alive_;
  // The pool task touches only the driver (which outlives the pool) until
  // it is back on the loop and has checked `alive`.
  ContainerDriver* driver = &driver_;
  boost::asio::io_context* io = &io_;
  auto guard = boost::asio::make_work_guard(io_);
  boost::asio::post(pool_, [this, driver, io, guard, alive, probe, exec, timed_out, began, id] {
    HealthResult r;
    r.start = now_rfc3339();
    // Output goes to an anonymous file: a pipe could fill up and block the probe.
    int out = ::memfd_create("racker-health", MFD_CLOEXEC);
    AttachIo attach;
    attach.out = out;
    attach.err = out;
    auto code = driver->exec(id, exec, attach);
    r.end = now_rfc3339();
    if (code) {
      r.exit_code = *code;
    } else if (code.error().code == Errc::kTimeout) {
      r.exit_code = -1;
      r.output = timed_out;
    } else {
      r.exit_code = -1;
      r.output = code.error().message;
    }
    if (out >= 0) {
      if (r.output.empty()) {
        char buf[kMaxHealthOutput];
        ssize_t n = ::pread(out, buf, sizeof buf, 0);
        if (n > 0) r.output.assign(buf, static_cast<size_t>(n));
      }
      ::close(out);
    }
    boost::asio::post(*io, [this, alive, guard, probe, r, began] {
      if (!*alive || probe->stopped) return;
      probe->running = false;
      bool changed = probe->tracker.on_result(r, began);
      record(probe, changed);
      schedule(probe);
    });
  });
}

void HealthMonitor::record(const std::shared_ptr<Probe>& probe, bool changed) {
  HealthState state = probe->tracker.state();
  std::string id = probe->id;
  if (callback_) callback_(id, state, changed);
  HealthRecorder* recorder = &recorder_;
  // Recorded even after stop(): the last word reaches the state file (the
  // owner joins the pool before the recorder goes).
  boost::asio::post(records_, [recorder, id, state] { (void)recorder->record_health(id, state); });
}

}  // namespace racker::runtime
