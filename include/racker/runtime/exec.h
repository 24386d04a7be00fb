#pragma once
// `racker exec`: a new process in a running container, made by joining the
// namespaces of its PID 1 (cgroup, ipc, uts, net, pid, mnt: setns(2)) and its
// cgroups, then the same last steps as the container's init
// (exec_process.h): docker's env (the container's plus ExecSpec::env), user
// and working directory (ExecSpec's, else the container's), capabilities.
// With a tty, a pty is made and pumped to the client's terminal in raw mode;
// without, the child uses the client's fds directly. Also what healthchecks
// run.

#include <sys/types.h>

#include "racker/runtime/container_driver.h"
#include "racker/runtime/container_spec.h"
#include "racker/util/error.h"

namespace racker::runtime {

// REQUIRES: `container_pid` is the running container's PID 1 on the host.
// Returns the process's exit code (128+N when killed by signal N); 126/127
// with docker's message as an error when it could not be started.
Result<int> exec_in_container(const ContainerSpec& spec, pid_t container_pid, const ExecSpec& exec,
                              const AttachIo& io);

}  // namespace racker::runtime
