#pragma once
// Supervises one container from start to final stop (internal to the nspawn
// driver): mounts the rootfs, sets up cgroups, launches nspawn, pumps the
// payload's output into the json-file log (and journal, and an attached
// client), records state transitions, applies the restart policy, and tears
// everything down (waiting for nspawn, unmounting, removing cgroups) before
// recording the exit. Runs either in the CLI process (`racker run` in the
// foreground) or in a detached child (`-d`, `start`).

#include <functional>
#include <string>

#include "racker/runtime/container_driver.h"
#include "racker/runtime/container_state.h"
#include "racker/runtime/nspawn_command.h"
#include "racker/runtime/restart_policy.h"

namespace racker::runtime {

struct MonitorOptions {
  AttachIo attach;
  // Called once: after the payload started (ok) or when the first start
  // failed (the error). Lets a detached start report back to its parent.
  std::function<void(const Status&)> on_first_start;
};

class ContainerMonitor {
 public:
  ContainerMonitor(ContainerStore& store, HostFacts host, InitBinary init)
      : store_(store), host_(host), init_(std::move(init)) {}

  // Runs container `id` until it stops for good. Returns its last exit code;
  // an error when the first start failed (the container is then "exited"
  // with that error recorded, or removed with auto_remove).
  Result<int> run(const std::string& id, const MonitorOptions& options);

 private:
  struct Attempt;
  // How one run ended and what the restart policy made of it. Both are
  // written in one record update, so no reader sees "exited" before a
  // restart the policy implies.
  struct RunEnd {
    int exit_code = 0;
    RestartDecision next;
  };
  // Under nspawn (or a boot group's systemd): this process restarts it.
  Result<int> run_restarting(const ContainerSpec& spec, const MonitorOptions& options);
  // An error only when the first start failed; later failed starts are exits.
  Result<RunEnd> run_once(const ContainerSpec& spec, const MonitorOptions& options, bool first,
                          RestartTracker& restarts);
  // A grouped service: the group's init runs and restarts it
  // (group_member_monitor.cpp); this process keeps its record, log and cgroups.
  Result<int> run_grouped(const ContainerSpec& spec, const MonitorOptions& options);
  // A start that failed: leftovers undone, the error recorded (the record
  // stays "created" when it never ran), reported to the first start's caller.
  Result<int> fail_start(const ContainerSpec& spec, const MonitorOptions& options, Error e, int code, bool first);
  // A restart that failed to start: recorded as an exit with `code`, the
  // policy applied in the same update.
  RunEnd fail_restart(const ContainerSpec& spec, Error e, int code, RestartTracker& restarts,
                      std::chrono::steady_clock::duration ran);
  // Writes an exit and the status the policy implies, atomically.
  RunEnd record_exit(const std::string& id, int code, RestartTracker& restarts, std::chrono::steady_clock::duration ran,
                     const std::function<void(ContainerState&)>& details);

  ContainerStore& store_;
  HostFacts host_;
  InitBinary init_;
};

// A grouped service that its group's init supervises (not a boot group's).
bool supervised_by_group_init(const ContainerSpec& spec);

// Undoes what a start left behind when its monitor is gone: rootfs mounts
// and cgroups. Safe to call at any time the container is not running.
Status cleanup_container_leftovers(ContainerStore& store, const std::string& id);

}  // namespace racker::runtime
