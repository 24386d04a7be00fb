#include "racker/runtime/cgroup_limits.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cmath>
#include <fstream>
#include <sstream>
#include <thread>

#include "container_files.h"

namespace racker::runtime {

namespace {

bool unified(const std::string& root) { return cfiles::exists(root + "/cgroup.controllers"); }

Status write_value(const std::string& path, const std::string& value) {
  // cgroup files take one write(2); no temp file, no rename.
  return cfiles::write_plain(path, value);
}

Status make_group(const std::string& dir, CgroupSetup& setup) {
  if (::mkdir(dir.c_str(), 0755) != 0 && errno != EEXIST) return cfiles::errno_error("mkdir " + dir, errno);
  setup.dirs.push_back(dir);
  setup.procs_files.push_back(dir + "/cgroup.procs");
  return ok_status();
}

Status setup_v1(const std::string& root, const std::string& id, const ResourceLimits& l, CgroupSetup& setup) {
  auto group = [&](const char* controller) -> Result<std::string> {
    std::string parent = root + "/" + controller + "/racker";
    if (::mkdir(parent.c_str(), 0755) != 0 && errno != EEXIST) return cfiles::errno_error("mkdir " + parent, errno);
    std::string dir = parent + "/" + id;
    if (auto st = make_group(dir, setup); !st) return st.error();
    return dir;
  };
  if (l.memory_bytes > 0) {
    auto dir = group("memory");
    if (!dir) return dir.error();
    if (auto st = write_value(*dir + "/memory.limit_in_bytes", std::to_string(l.memory_bytes)); !st) return st;
    if (l.memory_swap_bytes != 0 && cfiles::exists(*dir + "/memory.memsw.limit_in_bytes"))
      if (auto st = write_value(*dir + "/memory.memsw.limit_in_bytes", std::to_string(l.memory_swap_bytes)); !st)
        return st;
  }
  if (l.cpus > 0 || l.cpu_shares > 0) {
    auto dir = group("cpu");
    if (!dir) return dir.error();
    if (l.cpus > 0) {
      if (auto st = write_value(*dir + "/cpu.cfs_period_us", "100000"); !st) return st;
      if (auto st = write_value(*dir + "/cpu.cfs_quota_us", std::to_string(std::llround(l.cpus * 100000))); !st)
        return st;
    }
    if (l.cpu_shares > 0)
      if (auto st = write_value(*dir + "/cpu.shares", std::to_string(l.cpu_shares)); !st) return st;
  }
  if (l.pids_limit > 0) {
    auto dir = group("pids");
    if (!dir) return dir.error();
    if (auto st = write_value(*dir + "/pids.max", std::to_string(l.pids_limit)); !st) return st;
  }
  // Always: `pause` freezes this group.
  if (cfiles::is_dir(root + "/freezer"))
    if (auto dir = group("freezer"); !dir) return dir.error();
  return ok_status();
}

Status setup_v2(const std::string& root, const std::string& id, const ResourceLimits& l, CgroupSetup& setup) {
  std::string parent = root + "/racker";
  if (::mkdir(parent.c_str(), 0755) != 0 && errno != EEXIST) return cfiles::errno_error("mkdir " + parent, errno);
  // Controllers must be enabled on the way down; failures show up below.
  (void)write_value(root + "/cgroup.subtree_control", "+memory +cpu +pids");
  (void)write_value(parent + "/cgroup.subtree_control", "+memory +cpu +pids");
  std::string dir = parent + "/" + id;
  if (auto st = make_group(dir, setup); !st) return st;
  if (l.memory_bytes > 0) {
    if (auto st = write_value(dir + "/memory.max", std::to_string(l.memory_bytes)); !st) return st;
    if (l.memory_swap_bytes != 0) {
      std::string swap = l.memory_swap_bytes < 0 ? "max" : std::to_string(l.memory_swap_bytes - l.memory_bytes);
      (void)write_value(dir + "/memory.swap.max", swap);
    }
  }
  if (l.cpus > 0)
    if (auto st = write_value(dir + "/cpu.max", std::to_string(std::llround(l.cpus * 100000)) + " 100000"); !st)
      return st;
  if (l.cpu_shares > 0)
    if (auto st = write_value(dir + "/cpu.weight", std::to_string(std::max<int64_t>(1, l.cpu_shares * 100 / 1024))); !st)
      return st;
  if (l.pids_limit > 0)
    if (auto st = write_value(dir + "/pids.max", std::to_string(l.pids_limit)); !st) return st;
  return ok_status();
}

std::vector<std::string> group_dirs(const std::string& root, const std::string& id) {
  if (unified(root)) return {root + "/racker/" + id};
  return {root + "/memory/racker/" + id, root + "/cpu/racker/" + id, root + "/pids/racker/" + id,
          root + "/freezer/racker/" + id};
}

}  // namespace

Result<CgroupSetup> create_cgroup(const std::string& root, const std::string& id, const ResourceLimits& limits) {
  CgroupSetup setup;
  Status st = unified(root) ? setup_v2(root, id, limits, setup) : setup_v1(root, id, limits, setup);
  if (!st) {
    (void)remove_cgroup(root, id, 0);
    return st.error().with_context("while setting resource limits");
  }
  return setup;
}

Status remove_cgroup(const std::string& root, const std::string& id, int wait_ms) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(wait_ms);
  for (const auto& dir : group_dirs(root, id)) {
    for (;;) {
      if (::rmdir(dir.c_str()) == 0 || errno == ENOENT) break;
      if (errno != EBUSY || std::chrono::steady_clock::now() >= deadline)
        return cfiles::errno_error("remove cgroup " + dir, errno);
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
  }
  return ok_status();
}

bool cgroup_oom_killed(const std::string& root, const std::string& id) {
  std::string file = unified(root) ? root + "/racker/" + id + "/memory.events"
                                   : root + "/memory/racker/" + id + "/memory.oom_control";
  std::ifstream in(file);
  std::string key;
  long long value = 0;
  while (in >> key >> value)
    if (key == "oom_kill" && value > 0) return true;
  return false;
}

}  // namespace racker::runtime
