#pragma once
// Shared by the `racker compose` lifecycle commands (up, down, ps, logs,
// start, stop, ...): loading the project with its dependency graph, the
// container store and driver, the project's containers, progress lines on
// stderr in docker compose's plain form (" Container p-web-1 Started"),
// and running a StopExecutor to completion.

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "container_cli.h"
#include "racker/compose/graph.h"
#include "racker/compose/load.h"
#include "racker/runtime/compose_executor.h"
#include "racker/runtime/compose_plan.h"
#include "racker/runtime/project_session.h"

namespace racker::cli {

struct ComposeSession {
  compose::LoadedProject loaded;
  std::unique_ptr<compose::DependencyGraph> graph;
  ContainerCli containers;

  const compose::model::Project& project() const { return loaded.project; }
  const std::string& name() const { return loaded.project.name; }
  runtime::ContainerDriver& driver() { return *containers.driver; }
};

// Loads the project (services named on the command line enable their
// profiles), builds the graph, opens the store. Prints errors; nullopt then.
std::optional<ComposeSession> open_compose(const std::vector<std::string>& services = {});

// Expands x-racker groups (and `up --group-all`, remembered for the
// project) into the orchestrator's view (runtime/compose_groups.h).
Status apply_groups(compose::model::Project& project, const std::string& racker_root);
// `down` forgets a remembered --group-all.
void forget_group_all(const std::string& racker_root, const std::string& project);

// kNotFound "no such service: x" for a name the project lacks.
Status check_services(const ComposeSession& s, const std::vector<std::string>& services);

// The project's containers as labels describe them.
Result<std::vector<runtime::ObservedContainer>> observe(ComposeSession& s);

// Prints the error as docker compose does (its message on stderr); returns 1.
int compose_fail(const Error& error);

// Progress lines on stderr; warnings through spdlog.
class StderrProgress : public runtime::UpOutput {
 public:
  explicit StderrProgress(bool color_logs = false, bool prefix = true, bool timestamps = false)
      : presenter_(color_logs, prefix, timestamps) {}
  void on_progress(const std::string& kind, const std::string& name, const std::string& status) override;
  void on_warning(const std::string& text) override;
  void on_log(const std::string& name, const runtime::LogRecord& record) override;
  void on_status(const std::string& name, const std::string& text) override;
  void on_message(const std::string& text) override;

 private:
  runtime::LogPresenter presenter_;
};

class ProjectNetworks;
// Detaches namespaces of containers that no longer exist (see ProjectNetworks::prune).
void prune_networks(ComposeSession& s, ProjectNetworks& networks);

// " Network p_default Created" on stderr.
void print_network_progress(const std::string& network, const std::string& what);

// Runs `plan` on a fresh loop; returns the first error. parallel <= 0: one
// thread per container.
Status run_stop_plan(ComposeSession& s, runtime::StopPlan plan, const runtime::StopOptions& options,
                     int parallel = -1);

// Runs an UpSession (attach_phase off) in a detached supervisor forked
// from this process, which stays behind to supervise (and reap) what it
// started; relays its progress to stderr. Returns the session's exit code;
// errors are printed. Call before this process starts any thread.
int run_session_detached(ComposeSession& s, runtime::ProjectBackend& backend, runtime::Plan plan,
                         runtime::UpSessionOptions options, int parallel = 8);

// A backend for commands that only start existing containers.
class NoCreateBackend : public runtime::ProjectBackend {
 public:
  Status pull_image(const std::string& ref) override { return Error(Errc::kInternal, "unexpected pull of " + ref); }
  Result<runtime::ContainerSpec> container_spec(const std::string& service, int) override {
    return Error(Errc::kInternal, "unexpected create for " + service);
  }
};

// A plan that starts the existing containers of `services` (empty: all) in
// dependency order, waiting on depends_on conditions; creates nothing.
// kNotFound `service "x" has no container to start`.
// Whether naming services takes their dependencies along (`start` does, as
// docker compose's; `restart` does not).
enum class WithDependencies { kYes, kNo };
Result<runtime::Plan> start_plan(const ComposeSession& s, const std::vector<runtime::ObservedContainer>& observed,
                                 const std::vector<std::string>& services, WithDependencies dependencies);

// After a command that started or stopped containers: a supervisor adopts
// the project's running containers when none does (healthchecks go on).
void ensure_project_supervisor(ComposeSession& s);

}  // namespace racker::cli
