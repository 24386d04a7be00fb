#pragma once
// The supervisor's view of a project's containers: a snapshot refreshed by
// polling the ContainerDriver (each container has its own monitor process,
// so its exits reach racker only through its recorded state), diffed into
// events. Health comes in directly from the HealthMonitor (set_health) so
// waiting on `service_healthy` does not wait for the next poll.
//
// Loop thread only. The driver's list() runs on a thread pool; at most one
// refresh is in flight, a refresh() asked meanwhile runs right after it.

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/thread_pool.hpp>
#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "racker/runtime/container_driver.h"

namespace racker::runtime {

enum class ContainerEventKind { kCreated, kStarted, kExited, kRemoved, kHealth, kPaused, kUnpaused };
const char* container_event_name(ContainerEventKind kind);

struct ContainerEvent {
  ContainerEventKind kind = ContainerEventKind::kCreated;
  std::string id, name, service;
  int exit_code = 0;        // kExited
  bool restarting = false;  // kExited: the restart policy brings it back; kStarted: it came back
  std::string health;       // kHealth
  std::string image;        // as the container was created with it
  std::map<std::string, std::string> labels;
};

// Pure: what changed between two snapshots (by id).
std::vector<ContainerEvent> diff_snapshots(const std::map<std::string, ContainerInfo>& before,
                                           const std::map<std::string, ContainerInfo>& after);

class ProjectWatch {
 public:
  using Listener = std::function<void(const std::vector<ContainerEvent>&)>;

  ProjectWatch(boost::asio::io_context& io, boost::asio::thread_pool& pool, ContainerDriver& driver,
               std::string project, std::chrono::milliseconds interval);
  ~ProjectWatch();

  // Polls every `interval` until stop(). The first snapshot is reported as
  // events too (kCreated, kStarted for running ones).
  void start();
  void stop();
  // Polls now (or right after the poll in flight).
  void refresh();
  void set_interval(std::chrono::milliseconds interval) { interval_ = interval; }
  // Calls `done` once the next full poll (started after this call) is in.
  void after_next_poll(std::function<void()> done);

  void add_listener(Listener listener) { listeners_.push_back(std::move(listener)); }
  const std::map<std::string, ContainerInfo>& containers() const { return containers_; }
  bool has_snapshot() const { return polls_ > 0; }
  // The health monitor's latest word on a container, applied to the
  // snapshot at once (a kHealth event when the status changed).
  void set_health(const std::string& id, const HealthState& health);

 private:
  void poll();
  void on_polled(Result<std::vector<ContainerInfo>> list);
  void arm_timer();

  boost::asio::io_context& io_;
  boost::asio::thread_pool& pool_;
  ContainerDriver& driver_;
  std::string project_;
  std::chrono::milliseconds interval_;
  boost::asio::steady_timer timer_;
  std::map<std::string, ContainerInfo> containers_;
  std::map<std::string, HealthState> local_health_;  // from set_health
  std::vector<Listener> listeners_;
  std::vector<std::function<void()>> waiting_, waiting_next_;
  bool in_flight_ = false, again_ = false, stopped_ = false;
  uint64_t polls_ = 0;
  std::shared_ptr<std::atomic<bool>> alive_;
};

}  // namespace racker::runtime
