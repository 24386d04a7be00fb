#pragma once
// Resource limits (memory, cpus, pids) through the cgroup filesystem, for
// hosts where systemd is not PID 1 (where it is, they are scope properties
// on the nspawn command line). Each container gets racker/<id> in every
// hierarchy it needs: the v1 controllers memory, cpu, pids (with limits) and
// freezer (always, for `pause`), or the one v2 tree (always). The monitor
// puts nspawn (and so the whole container) in it before exec; removal waits
// for the group to empty.

#include <string>
#include <vector>

#include "racker/runtime/container_spec.h"
#include "racker/util/error.h"

namespace racker::runtime {

struct CgroupSetup {
  std::vector<std::string> dirs;        // created group directories
  std::vector<std::string> procs_files; // <dir>/cgroup.procs: write a pid to move it in
};

// `cgroup_root` is normally /sys/fs/cgroup (tests pass a fake tree).
Result<CgroupSetup> create_cgroup(const std::string& cgroup_root, const std::string& id, const ResourceLimits& limits);

// Removes racker/<id> from every hierarchy, retrying while it still has
// exiting members (EBUSY) for up to `wait_ms`. Absent groups are fine.
Status remove_cgroup(const std::string& cgroup_root, const std::string& id, int wait_ms = 2000);

// True when the memory controller recorded an OOM kill in racker/<id>.
bool cgroup_oom_killed(const std::string& cgroup_root, const std::string& id);

inline constexpr const char* kCgroupRoot = "/sys/fs/cgroup";

}  // namespace racker::runtime
