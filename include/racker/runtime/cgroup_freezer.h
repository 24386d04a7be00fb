#pragma once
// Pausing a container: the cgroup freezer on the group its PID 1 is in (the
// monitor puts every container in a group of its own, see cgroup_limits.h;
// exec'd processes join the same groups). v1 hosts freeze through
// freezer.state in the freezer hierarchy, v2 hosts through cgroup.freeze.

#include <chrono>
#include <string>

#include "racker/util/error.h"

namespace racker::runtime {

struct FreezerControl {
  std::string dir;  // the group directory
  bool v2 = false;  // cgroup.freeze + cgroup.events, else freezer.state
};

// The freezer of the group described by `proc_cgroup` (the text of
// /proc/<pid>/cgroup) under `cgroup_root`. kNotFound when the process sits
// in a root group, which must never be frozen.
Result<FreezerControl> freezer_from_proc(const std::string& cgroup_root, const std::string& proc_cgroup);

// Freezes or thaws the group and waits (up to `timeout`) until the kernel
// reports it done: a freeze of a busy group takes a moment.
Status set_frozen(const FreezerControl& freezer, bool frozen,
                  std::chrono::milliseconds timeout = std::chrono::seconds(10));

// Freezes or thaws the groups of process `pid` under /sys/fs/cgroup.
Status set_process_frozen(int pid, bool frozen);

}  // namespace racker::runtime
