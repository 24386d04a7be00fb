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

// The caller owns the returned fds and must reap `pid`.
Result<LaunchedNspawn> launch_nspawn(const NspawnPlan& plan, const LaunchIo& io,
                                     const std::vector<std::string>& cgroup_procs_files);

// Path of systemd-nspawn found in PATH (or the usual places).
Result<std::string> find_nspawn_binary();

}  // namespace racker::runtime
