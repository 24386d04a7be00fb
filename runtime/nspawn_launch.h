#pragma once
// Spawning systemd-nspawn for a NspawnPlan (internal to the driver): the
// init's config in a memfd, its status pipe and the payload's stdio passed
// through nspawn's LISTEN_FDS (container_init.h), nspawn's own stderr on a
// separate pipe, the process in its own session and in the container's
// cgroups before exec.

#include <sys/types.h>

#include <string>
#include <vector>

#include "racker/runtime/nspawn_command.h"
#include "racker/util/error.h"

namespace racker::runtime {

struct LaunchIo {
  int stdin_fd = -1, stdout_fd = -1, stderr_fd = -1;  // -1: /dev/null
};

struct LaunchedNspawn {
  pid_t pid = -1;
  int pidfd = -1;      // readable once nspawn exited
  int diag_fd = -1;    // nspawn's own stdout+stderr (read end)
  int status_fd = -1;  // the init's status pipe (read end)
};

struct GroupEntry;

// The caller owns the returned fds and must reap `pid`. With `group`, the
// child enters that group's machine instead of running nspawn
// (group_launch.h); `plan` then only supplies the init's config.
Result<LaunchedNspawn> launch_nspawn(const NspawnPlan& plan, const LaunchIo& io,
                                     const std::vector<std::string>& cgroup_procs_files,
                                     const GroupEntry* group = nullptr);

// Async-signal-safe decimal formatting (for forked children): `out` needs
// room for 21 characters.
void format_decimal(char* out, long value);

// In a forked child: reports "error 125 <what>: <errno text>" on the status
// pipe, as the init reports its own failures, and exits 125.
[[noreturn]] void launch_child_fail(int status_fd, const char* what);

// Path of systemd-nspawn found in PATH (or the usual places).
Result<std::string> find_nspawn_binary();

}  // namespace racker::runtime
