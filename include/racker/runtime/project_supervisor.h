#pragma once
// One supervisor per project: the process that watches the project's
// containers (ProjectWatch), runs their healthchecks (HealthMonitor),
// reaps the container monitors it started, and answers the control socket
// in $RACKER_RUN/<project>/ (RACKER_RUN defaults to /run/racker).
//
// `racker compose up` in the foreground is the supervisor; `up -d` forks a
// detached one (spawn_detached_supervisor) that outlives the CLI and exits
// once none of the project's containers runs any more. Containers do not
// depend on it: each has its own monitor process (restart policies live
// there), so a killed supervisor loses nothing but healthchecks until the
// next `racker compose` command starts a new one, which adopts the running
// containers without restarting them.
//
// At most one supervisor runs per project: it holds a POSIX record lock on
// $RACKER_RUN/<project>/supervisor.lock (not inherited by forked children,
// released by the kernel when it dies). A new one asks the old one to
// retire over the socket, then takes the lock.
//
// ProjectSupervisor is loop-thread only.

#include <sys/types.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/thread_pool.hpp>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>

#include "racker/runtime/container_driver.h"
#include "racker/runtime/container_state.h"
#include "racker/runtime/health_monitor.h"
#include "racker/runtime/project_watch.h"
#include "racker/runtime/supervisor_socket.h"

namespace racker::runtime {

// $RACKER_RUN, else /run/racker.
std::string racker_run_dir();
struct SupervisorPaths {
  std::string dir;     // $RACKER_RUN/<project>, mode 0700
  std::string socket;  // supervisor.sock
  std::string lock;    // supervisor.lock
  std::string log;     // supervisor.log (a detached supervisor's stderr)
};
SupervisorPaths supervisor_paths(const std::string& project);
// Where racker keeps files it generates for a project (secrets, configs):
// $RACKER_ROOT/compose/<project>.
std::string project_state_dir(const std::string& racker_root, const std::string& project);

// The pid holding the project's supervisor lock, 0 when none.
pid_t supervisor_pid(const std::string& project);
// Asks the running supervisor (if any) to exit without touching the
// containers and waits until its lock is free. kTimeout if it stays.
Status retire_supervisor(const std::string& project, std::chrono::milliseconds timeout = std::chrono::seconds(10));

// Health results into the containers' state.json.
class StoreHealthRecorder : public HealthRecorder {
 public:
  explicit StoreHealthRecorder(ContainerStore& store) : store_(store) {}
  Status record_health(const std::string& id, const HealthState& state) override;

 private:
  ContainerStore& store_;
};

struct SupervisorOptions {
  int parallel = 8;                  // ops pool size (--parallel)
  bool detached = false;             // exits when idle; answers "mode":"detached"
  std::chrono::milliseconds poll_interval{200};
};

class ProjectSupervisor {
 public:
  ProjectSupervisor(boost::asio::io_context& io, ContainerDriver& driver, HealthRecorder& recorder, std::string project,
                    SupervisorOptions options);
  ~ProjectSupervisor();

  // Takes the lock (retiring an older supervisor), opens the socket,
  // starts watching. kConflict when the lock cannot be had.
  Status start();
  // Stops everything it runs (not the containers); idempotent.
  void stop();

  ProjectWatch& watch() { return *watch_; }
  HealthMonitor& health() { return *health_; }
  boost::asio::thread_pool& ops_pool() { return *ops_pool_; }
  boost::asio::thread_pool& background_pool() { return *bg_pool_; }
  // While busy (an executor runs), the supervisor is never idle.
  void set_busy(bool busy) { busy_ = busy; }
  // Detached mode: called once when no container of the project has been
  // up for a while.
  void on_idle(std::function<void()> cb) { on_idle_ = std::move(cb); }
  // Called when a client asked it to retire.
  void on_retire(std::function<void()> cb) { on_retire_ = std::move(cb); }
  // Joins the pools: call after the loop stopped, before destroying the driver.
  void join();

 private:
  void on_events(const std::vector<ContainerEvent>& events);
  void tick();
  void reap();
  void reap_strays();
  std::string handle(const std::string& request);

  boost::asio::io_context& io_;
  ContainerDriver& driver_;
  HealthRecorder& recorder_;
  std::string project_;
  SupervisorOptions options_;
  SupervisorPaths paths_;
  std::unique_ptr<boost::asio::thread_pool> ops_pool_, bg_pool_;
  std::unique_ptr<ProjectWatch> watch_;
  std::unique_ptr<HealthMonitor> health_;
  std::unique_ptr<SupervisorServer> server_;
  boost::asio::steady_timer ticker_;
  int lock_fd_ = -1;
  bool busy_ = false, stopped_ = false;
  int idle_ticks_ = 0;
  std::set<pid_t> monitors_;                    // monitor pids seen, reaped when they exit
  std::map<pid_t, int> zombies_;                // other zombie children: ticks seen
  std::function<void()> on_idle_, on_retire_;
  std::shared_ptr<bool> alive_;
};

// Forks a detached process (double fork, its own session, a child
// subreaper, stdio on supervisor.log) that runs `body(report_fd)` and exits
// with its result. Returns the read end of the report pipe: the body writes
// progress lines there for the CLI. Call before any thread is started.
Result<int> spawn_detached_supervisor(const std::string& project, const std::function<int(int report_fd)>& body);

// The whole life of a detached supervisor without an `up` to run: adopts
// the project's containers under $RACKER_ROOT and returns (0) once idle or
// retired. What ensure_supervisor() runs in the new process.
int run_supervisor(const std::string& project);

// Makes sure a supervisor runs for a project that has running containers
// (adoption after a crash or a kill -9): spawns one when no process holds
// the project's lock. Returns at once.
Status ensure_supervisor(const std::string& project);

}  // namespace racker::runtime
