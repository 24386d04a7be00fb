#pragma once
// Plan, then execute (docker compose v2's reconcile): the desired project
// against the containers that exist (found by their compose labels) gives,
// per service, what to pull, create, recreate, start, stop or remove.
// Pure: no I/O, no clock; warnings are returned in the plan, not logged.
// Plan::to_string() prints one line per operation, for golden tests.
//
// Recreation compares the config hash label with the service's hash
// (compose::service_config_hash leaves out build, pull_policy, scale,
// deploy.replicas, depends_on and profiles, as docker does) and the image
// label with the image the service resolves to now.

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "racker/compose/graph.h"
#include "racker/compose/model.h"
#include "racker/runtime/container_driver.h"
#include "racker/util/error.h"

namespace racker::runtime {

// One container of the project, as its labels and state describe it.
struct ObservedContainer {
  std::string id, name, service;
  int number = 0;
  bool oneoff = false;
  std::string config_hash, image_id, image;
  ContainerStatus status = ContainerStatus::kCreated;
  int exit_code = 0;
  bool paused = false;
  std::string health;   // "", starting, healthy, unhealthy
  std::string created;  // RFC 3339
  int stop_timeout = 10;  // its stop_grace_period, seconds
  bool running() const { return status == ContainerStatus::kRunning || status == ContainerStatus::kRestarting; }
};

ObservedContainer observe_container(const ContainerInfo& info);
// The containers labelled com.docker.compose.project=`project`, by service
// then number.
std::vector<ObservedContainer> observe_project(const std::string& project, const std::vector<ContainerInfo>& all);

enum class RecreatePolicy { kDiverged, kForce, kNever };

struct PlanOptions {
  std::vector<std::string> services;  // selected on the command line; empty: all
  RecreatePolicy recreate = RecreatePolicy::kDiverged;       // --force-recreate / --no-recreate
  RecreatePolicy recreate_deps = RecreatePolicy::kDiverged;  // --always-recreate-deps / --no-recreate
  bool no_deps = false;          // only the selected services
  bool remove_orphans = false;
  bool no_start = false;
  std::map<std::string, int> scale;  // --scale svc=n
  std::string pull;                  // --pull always|missing|never; empty: each service's pull_policy
};

// What the planner knows about the project besides the model.
struct DesiredState {
  std::map<std::string, std::string> config_hashes;  // service -> hash
  std::map<std::string, std::string> local_images;   // image reference -> local id, for present images
  // The volumes that exist; when known, an `external: true` volume a service
  // mounts must be among them (docker refuses: external volume "x" not found).
  std::optional<std::set<std::string>> volumes;
};

// kRestart: a running container stopped so the start phase starts it again
// (depends_on `restart: true` on a dependency that is recreated).
enum class OpKind { kPull, kCreate, kRecreate, kStart, kRemove, kRestart };
const char* op_kind_name(OpKind kind);

struct PlanOp {
  OpKind kind = OpKind::kCreate;
  std::string service;
  int number = 0;
  std::string container;     // its name: the new one (create), else the existing one
  std::string container_id;  // the existing container (recreate, start, remove)
  std::string image;         // kPull: the reference
  std::string cause;
};

// What happens to one service. `ops` (removals, recreations, creations) run
// before its containers start; starting waits for `waits` to be met.
struct ServiceStep {
  std::string service;
  int replicas = 1;
  std::string image;
  std::vector<PlanOp> ops;
  std::vector<std::string> kept;  // ids of existing containers it keeps (running or to start)
  std::vector<std::string> kept_names;
  bool start = true;
  std::vector<compose::Edge> waits;  // depends_on edges to services of the plan
  std::vector<std::string> missing_required;  // required dependencies outside the project
};

struct Plan {
  std::vector<PlanOp> pulls;
  std::vector<ServiceStep> services;  // in start order
  std::vector<PlanOp> orphans;        // removed with --remove-orphans
  std::vector<std::string> warnings;

  const ServiceStep* step(const std::string& service) const;
  std::string to_string() const;
};

// Errors: kNotFound "no such service: x" for a selected or scaled service
// the project lacks; kInvalidArgument for a scaled service with a
// container_name; kUnsupported for a service that must be built.
Result<Plan> reconcile(const compose::model::Project& project, const compose::DependencyGraph& graph,
                       const DesiredState& desired, const std::vector<ObservedContainer>& observed,
                       const PlanOptions& options);

// `down` / `stop`: the containers to stop, each after the containers of the
// services that depend on it (dependents stop first; independent ones in
// parallel). Orphans (services the project lacks) are included with
// `remove_orphans`, else left alone with a warning. One-off containers of
// the project's services are included and wait for nothing.
struct StopStep {
  ObservedContainer container;
  std::vector<std::string> after;  // services whose containers must be stopped first
};
struct StopPlan {
  std::vector<StopStep> steps;
  std::vector<std::string> warnings;
};
// `services` empty: every service of the project.
StopPlan plan_stop(const compose::model::Project& project, const compose::DependencyGraph& graph,
                   const std::vector<ObservedContainer>& observed, const std::vector<std::string>& services,
                   bool include_orphans, bool warn_orphans);

// docker's warning about containers of services the project does not define.
std::string orphan_warning(const std::vector<std::string>& names);

}  // namespace racker::runtime
