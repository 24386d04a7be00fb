#pragma once
// `racker compose up` as a whole, on the supervisor's loop: the executor
// brings the project up, then (in the foreground) the session prints the
// attached services' logs and follows their containers until they all
// ended, as docker compose does:
//   - "web-1 exited with code N" for every exit of an attached container;
//   - --abort-on-container-exit / --abort-on-container-failure: the first
//     (failing) exit stops the project, the exit code is that container's;
//     --exit-code-from SVC: the code of SVC's container;
//   - the first interrupt() stops gracefully (dependents first, each
//     within its grace period), the second kills; the exit code is then 130.
// Detached sessions (`up -d`) end once the executor did (with --wait, once
// everything runs or is healthy).
//
// Loop thread only.

#include <boost/asio/io_context.hpp>
#include <boost/asio/thread_pool.hpp>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "racker/compose/graph.h"
#include "racker/compose/model.h"
#include "racker/runtime/compose_executor.h"
#include "racker/runtime/project_logs.h"
#include "racker/runtime/project_watch.h"

namespace racker::runtime {

// Where a session's output goes (progress through ProgressSink).
class UpOutput : public ProgressSink {
 public:
  virtual void on_log(const std::string& name, const LogRecord& record) = 0;
  // "web-1", "exited with code 0"
  virtual void on_status(const std::string& name, const std::string& text) = 0;
  // "Attaching to web-1, db-1", "Gracefully Stopping... press Ctrl+C again to force"
  virtual void on_message(const std::string& text) = 0;
};

struct UpSessionOptions {
  ExecutorOptions executor;
  bool attach_phase = true;      // false: `up -d`
  std::set<std::string> attach;  // services whose logs are printed and whose exits end the session
  bool abort_on_exit = false, abort_on_failure = false;
  std::string exit_code_from;
  std::vector<std::string> stop_services;  // what an interrupt or abort stops; empty: every service
  std::optional<int> stop_timeout;
  std::function<std::string(const std::string& id)> log_path;  // a container's json-file log
};

class UpSession {
 public:
  // (exit code, error to print) once the session is over.
  using Done = std::function<void(int exit_code, std::optional<Error> error)>;

  UpSession(boost::asio::io_context& io, boost::asio::thread_pool& pool, ProjectWatch& watch, ContainerDriver& driver,
            ProjectBackend& backend, ProjectNetworking& networking, const compose::model::Project& project,
            const compose::DependencyGraph& graph, Plan plan, UpSessionOptions options, UpOutput& output);
  ~UpSession();

  void run(Done done);
  // Ctrl-C: the first stops gracefully, the next kills.
  void interrupt();

 private:
  void on_events(const std::vector<ContainerEvent>& events);
  void executor_done(const Status& status);
  void begin_stop(bool kill);
  void check_finished();
  void finish(int code, std::optional<Error> error = std::nullopt);
  bool attached(const std::string& service) const;
  std::string name_of(const std::string& container_name) const;

  boost::asio::io_context& io_;
  boost::asio::thread_pool& pool_;
  ProjectWatch& watch_;
  ContainerDriver& driver_;
  ProjectNetworking& networking_;
  const compose::model::Project& project_;
  const compose::DependencyGraph& graph_;
  UpSessionOptions options_;
  UpOutput& output_;
  std::unique_ptr<ComposeExecutor> executor_;
  std::unique_ptr<StopExecutor> stopper_, killer_;
  LogFollower follower_;
  Done done_;
  std::set<std::string> followed_;
  bool executing_ = false, stopping_ = false, killing_ = false, finished_ = false, aborted_ = false;
  bool interrupted_ = false, exit_code_set_ = false, stopped_done_ = false, killed_done_ = false;
  bool final_poll_ = false;
  int exit_code_ = 0;
  std::shared_ptr<bool> alive_;
};

}  // namespace racker::runtime
