#pragma once
// Process facts that stay true on hosts whose PID 1 does not reap orphans:
// a dead process may linger as a zombie, so "alive" means /proc/<pid>/stat
// exists, its state is not Z or X, and its start time matches the one
// recorded when it started (a recycled pid has another start time).

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "racker/util/error.h"

namespace racker::runtime {

struct ProcStat {
  int pid = 0;
  int ppid = 0;
  char state = '?';      // R S D Z T X ...
  uint64_t start_time = 0;  // clock ticks since boot (field 22)
  std::string comm;
};

// Parses /proc/<pid>/stat. kNotFound when the process is gone.
Result<ProcStat> read_proc_stat(int pid);
// Parses one stat line (exposed for tests; comm may hold spaces and parens).
Result<ProcStat> parse_proc_stat(const std::string& line);

// True while `pid` runs and is the process that started at `start_time`
// (0 skips the start-time check).
bool process_alive(int pid, uint64_t start_time);

// Waits until `pid` (started at `start_time`) is gone or a zombie, through a
// pidfd (works for processes that are not our children). Returns true when
// it is gone, false on timeout.
bool wait_process_gone(int pid, uint64_t start_time, std::chrono::milliseconds timeout);

// pidfd_open(2); -1 with errno on failure.
int open_pidfd(int pid);

// Direct children of `pid` (from /proc/<pid>/task/*/children).
std::vector<int> child_pids(int pid);

// The first direct child of `pid` whose cgroup, in some hierarchy, is
// named `leaf` (a systemd unit under a booted machine's PID 1:
// "racker-web.service"), or 0.
int child_in_cgroup(int pid, const std::string& leaf);

// Every pid whose PID namespace is the one of `pid` (includes `pid`).
std::vector<int> pids_in_namespace_of(int pid);

// This binary's path, for re-executing racker (readlink /proc/self/exe).
std::string self_executable();

}  // namespace racker::runtime
