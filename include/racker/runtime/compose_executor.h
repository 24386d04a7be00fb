#pragma once
// Runs a compose Plan on one io_context. The executor carries no decision
// logic (the plan did that); it orders the work:
//   - pulls of distinct images run concurrently;
//   - a service's removals, recreations and creations run as soon as its
//     image is there (all services in parallel);
//   - a service starts as soon as it is created and each of its
//     dependencies meets its depends_on condition: service_started (the
//     dependency's start finished), service_healthy, or
//     service_completed_successfully; not in lock-step waves;
//   - with `wait`, it ends when every service runs (healthy when it has a
//     healthcheck) or completed, as `up --wait` does.
// Blocking driver and backend calls run on `pool` (its size bounds
// parallelism: `--parallel N`) and post their results back to the loop.
//
// Failure is data: the first error ends the run (nothing new starts; what
// is under way finishes) and is what `run` reports, in docker compose's
// words ("dependency failed to start: container x is unhealthy", `service
// "x" didn't complete successfully: exit 1`). Optional dependencies
// (`required: false`) that fail only warn.
//
// Loop thread only; the ProjectWatch supplies container states and health.

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/thread_pool.hpp>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "racker/compose/model.h"
#include "racker/runtime/compose_plan.h"
#include "racker/runtime/container_driver.h"
#include "racker/runtime/project_networking.h"
#include "racker/runtime/project_watch.h"

namespace racker::runtime {

// What the executor asks of the rest of racker; blocking, called on the pool.
class ProjectBackend {
 public:
  virtual ~ProjectBackend() = default;
  virtual Status pull_image(const std::string& reference) = 0;
  // A complete spec for replica `number` of `service` (image resolved,
  // files it needs written).
  virtual Result<ContainerSpec> container_spec(const std::string& service, int number) = 0;
};

// Progress, docker compose's words: ("Container", "p-web-1", "Started").
// Loop thread.
class ProgressSink {
 public:
  virtual ~ProgressSink() = default;
  virtual void on_progress(const std::string& kind, const std::string& name, const std::string& status) = 0;
  virtual void on_warning(const std::string& text) = 0;
};

struct ExecutorOptions {
  bool wait = false;                               // up --wait
  std::chrono::milliseconds wait_timeout{0};       // 0: no limit
  std::optional<int> stop_timeout;                 // -t for containers replaced or removed
  // Called right before a container is started (the log printer follows it from here).
  std::function<void(const std::string& id, const std::string& service, const std::string& name)> before_start;
};

class ComposeExecutor {
 public:
  // Everything must outlive the executor. `project` is the one `plan` was made from.
  ComposeExecutor(boost::asio::io_context& io, boost::asio::thread_pool& pool, ContainerDriver& driver,
                  ProjectBackend& backend, ProjectNetworking& networking, ProjectWatch& watch,
                  ProgressSink& progress, const compose::model::Project& project, Plan plan,
                  ExecutorOptions options);
  ~ComposeExecutor();

  // Starts the run; `done` is called once (on the loop) with its outcome.
  void run(std::function<void(Status)> done);
  // Stops starting anything new (Ctrl-C during `up`): `done` comes once the
  // work under way finished.
  void cancel();

  // Containers of each service after the run (kept, created, recreated).
  const std::map<std::string, std::vector<std::string>>& service_containers() const { return ids_; }

 private:
  struct ServiceRun;
  void begin();
  void pull(const std::string& image);
  void image_ready(const std::string& image, const Status& status);
  void create_service(ServiceRun& s);
  void run_op(ServiceRun& s, const PlanOp& op);
  void op_done(const std::string& service, const Status& status, const std::string& new_id);
  void evaluate();
  std::optional<Status> dependency_state(ServiceRun& s, const compose::Edge& edge);
  void start_service(ServiceRun& s);
  void start_done(const std::string& service, const Status& status);
  std::optional<Status> wait_state();
  void fail(Error error);
  void maybe_finish();
  void recheck_after(std::chrono::milliseconds delay);
  template <class Work, class Then>
  void blocking(Work work, Then then);

  boost::asio::io_context& io_;
  boost::asio::thread_pool& pool_;
  ContainerDriver& driver_;
  ProjectBackend& backend_;
  ProjectNetworking& networking_;
  ProjectWatch& watch_;
  ProgressSink& progress_;
  const compose::model::Project& project_;
  Plan plan_;
  ExecutorOptions options_;
  std::function<void(Status)> done_;
  std::map<std::string, std::unique_ptr<ServiceRun>> services_;
  std::map<std::string, std::vector<std::string>> ids_;
  std::map<std::string, int> pending_pulls_;  // image -> 0 when ready
  std::set<std::string> announced_;  // "<id>/wait", "<id>/done": progress said once
  int in_flight_ = 0;
  bool started_ = false, networks_ready_ = false, cancelled_ = false, finished_ = false, waiting_ = false;
  std::optional<Error> error_;
  boost::asio::steady_timer wait_deadline_, recheck_;
  bool wait_expired_ = false, recheck_armed_ = false;
  std::shared_ptr<bool> alive_;
};

// `down`, `stop`, `rm -s`, Ctrl-C: stops containers (each after the
// containers it must outlast, independent ones in parallel), then removes
// them when asked. Same loop/pool rules as ComposeExecutor.
struct StopOptions {
  std::optional<int> timeout;  // -t; the container's stop_grace_period when unset
  bool remove = false;
  bool remove_volumes = false;  // anonymous volumes of removed containers
  int kill_signal = 0;          // non-zero: kill with this signal instead of stopping
  // Grace periods run from the start of the whole stop, not from each
  // container's turn: dependents still stop first, but a chain of services
  // that ignore their stop signal takes one grace period, not one per link.
  bool overlap_grace = false;
};

class StopExecutor {
 public:
  StopExecutor(boost::asio::io_context& io, boost::asio::thread_pool& pool, ContainerDriver& driver,
               ProjectNetworking& networking, ProgressSink& progress, StopPlan plan, StopOptions options);
  ~StopExecutor();
  // `done` gets the first error, after every container was handled.
  void run(std::function<void(Status)> done);

 private:
  void evaluate();
  void step_done(size_t index, const Status& status);

  boost::asio::io_context& io_;
  boost::asio::thread_pool& pool_;
  ContainerDriver& driver_;
  ProjectNetworking& networking_;
  ProgressSink& progress_;
  StopPlan plan_;
  StopOptions options_;
  std::function<void(Status)> done_;
  std::vector<int> state_;  // 0 waiting, 1 running, 2 done
  std::chrono::steady_clock::time_point began_;
  std::optional<Error> error_;
  std::shared_ptr<bool> alive_;
};

}  // namespace racker::runtime
