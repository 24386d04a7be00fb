#pragma once
// Container records on disk, one directory per container:
//   $RACKER_ROOT/containers/<id>/config.json    the ContainerSpec (+ "Image", "ImageID")
//   $RACKER_ROOT/containers/<id>/state.json     ContainerState
//   $RACKER_ROOT/containers/<id>/lock           flock(2) taken by writers of state.json
//   $RACKER_ROOT/containers/<id>/<id>-json.log  the json-file log (log_writer.h)
//   $RACKER_ROOT/containers/<id>/{upper,work,rootfs}   overlay parts
//   $RACKER_ROOT/names/<name>                    symlink -> <id>: names are claimed
//                                                atomically by symlink(2)
// Files are replaced by rename, so a reader never sees a torn file and needs
// no lock. Read-modify-write of state.json happens under the container's lock,
// so concurrent racker processes (a monitor, `stop`, `rm`) do not lose updates.

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "racker/runtime/container_spec.h"
#include "racker/util/error.h"

namespace racker::runtime {

enum class ContainerStatus { kCreated, kRunning, kRestarting, kRemoving, kExited, kDead };
const char* container_status_name(ContainerStatus status);  // docker's: "created", "running", ...

// Docker's State.Health: written by the project supervisor's health
// monitor (health_monitor.h), reset to "starting" at every start.
struct HealthResult {
  std::string start, end;  // RFC 3339
  int exit_code = 0;
  std::string output;      // at most 4 KiB
  bool operator==(const HealthResult&) const = default;
};
struct HealthState {
  std::string status;  // "", "starting", "healthy", "unhealthy"
  int failing_streak = 0;
  std::vector<HealthResult> log;  // the last 5 probes, oldest first
  bool operator==(const HealthState&) const = default;
};

struct ContainerState {
  ContainerStatus status = ContainerStatus::kCreated;
  int pid = 0;              // the container's PID 1, as the host sees it
  uint64_t pid_start = 0;   // its start time (/proc/<pid>/stat field 22), against pid reuse
  int monitor_pid = 0;      // the racker process that waits for it and tears it down
  uint64_t monitor_start = 0;
  int exit_code = 0;
  std::string error;        // why the start failed, docker's "Error" field
  std::string started_at, finished_at;  // RFC 3339 with nanoseconds; empty: never
  int restart_count = 0;
  bool stop_requested = false;  // a manual stop: no restart policy applies
  bool oom_killed = false;      // the memory cgroup killed a process of the last run
  bool paused = false;          // running, with its cgroup frozen (`pause`)
  HealthState health;           // empty status: the container has no healthcheck
  // It has a process, or will again soon (restarting).
  bool up() const { return status == ContainerStatus::kRunning || status == ContainerStatus::kRestarting; }
  bool operator==(const ContainerState&) const = default;
};

// Docker's State.Status: "paused" for a paused running container, else the status name.
const char* state_status_name(const ContainerState& state);

// The records under one racker root. Safe to use from several processes.
class ContainerStore {
 public:
  // `racker_root` is $RACKER_ROOT; the directories are made on first write.
  explicit ContainerStore(std::string racker_root);
  // $RACKER_ROOT, else /var/lib/racker.
  static std::string default_root();

  const std::string& root() const { return root_; }
  std::string dir(const std::string& id) const;       // containers/<id>
  std::string log_path(const std::string& id) const;  // containers/<id>/<id>-json.log
  std::string volumes_dir() const;                    // $RACKER_ROOT/volumes

  // Claims spec.name and writes config.json and a "created" state.json.
  // kConflict with docker's words when the name is taken.
  Status create(const ContainerSpec& spec);
  // Full id for a full id, a name or a unique id prefix. kNotFound:
  // "No such container: NAME"; kInvalidArgument for an ambiguous prefix.
  Result<std::string> resolve(const std::string& name_or_id) const;
  Result<ContainerSpec> read_spec(const std::string& id) const;
  Result<ContainerState> read_state(const std::string& id) const;
  // Read-modify-write of state.json under the container's lock.
  Result<ContainerState> update_state(const std::string& id, const std::function<void(ContainerState&)>& change);
  // Every container id (unordered).
  Result<std::vector<std::string>> list_ids() const;
  // Deletes the directory and frees the name. Idempotent.
  Status remove(const std::string& id);

 private:
  std::string root_;
};

// Serialization, exposed for tests.
std::string spec_to_json(const ContainerSpec& spec);
Result<ContainerSpec> spec_from_json(const std::string& text);
std::string state_to_json(const ContainerState& state);
Result<ContainerState> state_from_json(const std::string& text);

// Now as RFC 3339 with nanoseconds in UTC ("2024-01-02T03:04:05.123456789Z").
std::string now_rfc3339();

}  // namespace racker::runtime
