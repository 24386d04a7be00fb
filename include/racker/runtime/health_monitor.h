#pragma once
// Healthchecks, run by racker (there is no daemon to run them): docker's
// rules, split in two.
//
// HealthTracker is the state machine alone, fed probe results and time
// points (no clock, no I/O): status "starting" at every start, "healthy"
// after a passing probe, "unhealthy" after `retries` failing probes in a
// row; failures inside start_period do not count while still starting. The
// next probe comes after start_interval while starting inside start_period,
// else after interval.
//
// HealthMonitor runs the trackers of a project's running containers on the
// supervisor's io_context: a timer per container, the probe (an exec in the
// container through the ContainerDriver, on a thread pool, killed at
// `timeout`), the result recorded in the container's state (so `ps` and
// `inspect` show it) through a HealthRecorder, and reported to a callback.
// Loop thread only; no callback after stop().

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/thread_pool.hpp>
#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "racker/runtime/container_driver.h"
#include "racker/runtime/container_spec.h"
#include "racker/runtime/container_state.h"

namespace racker::runtime {

inline constexpr const char* kHealthStarting = "starting";
inline constexpr const char* kHealthHealthy = "healthy";
inline constexpr const char* kHealthUnhealthy = "unhealthy";

class HealthTracker {
 public:
  using Clock = std::chrono::steady_clock;
  explicit HealthTracker(HealthcheckSpec spec) : spec_(std::move(spec)) {}

  // The container (re)started at `started`: back to "starting".
  void reset(Clock::time_point started);
  // Continues from a recorded state (a supervisor adopting the container).
  void resume(const HealthState& state, Clock::time_point started);
  // How long to wait, at `now`, before the next probe.
  std::chrono::nanoseconds next_delay(Clock::time_point now) const;
  // A probe that began at `probe_start` ended: exit code 0 passes, anything
  // else (including a timeout, recorded as -1) fails. Returns true when the
  // status changed.
  bool on_result(const HealthResult& result, Clock::time_point probe_start);

  const HealthState& state() const { return state_; }
  const HealthcheckSpec& spec() const { return spec_; }

 private:
  HealthcheckSpec spec_;
  HealthState state_;
  Clock::time_point started_{};
};

// The argv a healthcheck test runs: CMD args as given, CMD-SHELL through /bin/sh -c.
std::vector<std::string> health_probe_argv(const HealthcheckSpec& spec);

// docker's output of a probe killed at its timeout.
std::string health_timeout_output(const HealthcheckSpec& spec);

// docker keeps this much of each probe's output.
inline constexpr size_t kMaxHealthOutput = 4096;

// Where health results go (the container's state.json in production).
class HealthRecorder {
 public:
  virtual ~HealthRecorder() = default;
  // Called on a pool thread.
  virtual Status record_health(const std::string& id, const HealthState& state) = 0;
};

class HealthMonitor {
 public:
  // (container id, new state, status changed)
  using Callback = std::function<void(const std::string& id, const HealthState& state, bool changed)>;

  // All references must outlive the monitor; `pool` runs the probes.
  HealthMonitor(boost::asio::io_context& io, boost::asio::thread_pool& pool, ContainerDriver& driver,
                HealthRecorder& recorder, Callback callback);
  ~HealthMonitor();

  // The container started (or restarted) at `started`: status "starting",
  // probes scheduled. Replaces any earlier probe of the container.
  void container_started(const std::string& id, const HealthcheckSpec& spec, HealthTracker::Clock::time_point started);
  // Adoption: probe a running container, continuing from its recorded state.
  void adopt(const std::string& id, const HealthcheckSpec& spec, const HealthState& state,
             HealthTracker::Clock::time_point started);
  // The container stopped or went away: no more probes.
  void container_stopped(const std::string& id);
  bool watching(const std::string& id) const { return probes_.count(id) > 0; }
  void stop();

 private:
  struct Probe;
  void schedule(const std::shared_ptr<Probe>& probe);
  void run_probe(const std::shared_ptr<Probe>& probe);
  void record(const std::shared_ptr<Probe>& probe, bool changed);

  boost::asio::io_context& io_;
  boost::asio::thread_pool& pool_;
  ContainerDriver& driver_;
  HealthRecorder& recorder_;
  Callback callback_;
  // Records are written in order: one at a time, on this strand.
  boost::asio::strand<boost::asio::thread_pool::executor_type> records_;
  std::map<std::string, std::shared_ptr<Probe>> probes_;
  std::shared_ptr<std::atomic<bool>> alive_;
};

}  // namespace racker::runtime
