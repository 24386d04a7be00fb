#include "racker/runtime/cgroup_freezer.h"

#include <sstream>
#include <thread>

#include "container_files.h"
#include "racker/runtime/cgroup_limits.h"

namespace racker::runtime {

namespace {

bool has_controller(const std::string& list, const std::string& name) {
  std::stringstream in(list);
  std::string item;
  while (std::getline(in, item, ','))
    if (item == name) return true;
  return false;
}

Result<bool> frozen_now(const FreezerControl& f) {
  if (f.v2) {
    auto events = cfiles::read(f.dir + "/cgroup.events");
    if (!events) return events.error();
    return events->find("frozen 1") != std::string::npos;
  }
  auto state = cfiles::read(f.dir + "/freezer.state");
  if (!state) return state.error();
  return state->rfind("FROZEN", 0) == 0;
}

}  // namespace

Result<FreezerControl> freezer_from_proc(const std::string& root, const std::string& proc_cgroup) {
  std::stringstream in(proc_cgroup);
  std::string line;
  std::string unified_path;
  while (std::getline(in, line)) {
    // "hierarchy-id:controller-list:path"
    auto first = line.find(':');
    auto second = first == std::string::npos ? first : line.find(':', first + 1);
    if (second == std::string::npos) continue;
    std::string controllers = line.substr(first + 1, second - first - 1);
    std::string path = line.substr(second + 1);
    if (has_controller(controllers, "freezer")) {
      if (path == "/") return Error(Errc::kNotFound, "the container is in the root freezer group");
      return FreezerControl{root + "/freezer" + path, false};
    }
    if (line.rfind("0::", 0) == 0) unified_path = path;
  }
  if (unified_path.empty() || unified_path == "/")
    return Error(Errc::kNotFound, "the container has no freezer group of its own");
  // Pure v2 mounts the tree at the root; hybrid hosts at <root>/unified.
  std::string base = cfiles::exists(root + "/cgroup.controllers") ? root : root + "/unified";
  return FreezerControl{base + unified_path, true};
}

Status set_frozen(const FreezerControl& f, bool frozen, std::chrono::milliseconds timeout) {
  std::string file = f.v2 ? f.dir + "/cgroup.freeze" : f.dir + "/freezer.state";
  std::string value = f.v2 ? (frozen ? "1" : "0") : (frozen ? "FROZEN" : "THAWED");
  if (auto st = cfiles::write_plain(file, value); !st) return st.error().with_context("freezer");
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    auto now = frozen_now(f);
    if (!now) return now.error().with_context("freezer");
    if (*now == frozen) return ok_status();
    if (std::chrono::steady_clock::now() >= deadline) {
      // A freeze that does not complete must not leave the group half frozen.
      if (frozen) (void)cfiles::write_plain(file, f.v2 ? "0" : "THAWED");
      return Error(Errc::kTimeout, std::string("timed out waiting for the cgroup to ") + (frozen ? "freeze" : "thaw"));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
}

Status set_process_frozen(int pid, bool frozen) {
  auto text = cfiles::read("/proc/" + std::to_string(pid) + "/cgroup");
  if (!text) return text.error();
  auto freezer = freezer_from_proc(kCgroupRoot, *text);
  if (!freezer) return freezer.error();
  return set_frozen(*freezer, frozen);
}

}  // namespace racker::runtime
