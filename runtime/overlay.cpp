#include "racker/runtime/overlay.h"

#include <sys/mount.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <fstream>
#include <sstream>
#include <thread>

#include "beneath.h"
#include "container_files.h"
#include "racker/runtime/user_namespace.h"

namespace racker::runtime {

std::string overlay_options(const OverlayDirs& dirs) {
  std::string lower;
  // overlayfs lists the top layer first.
  for (auto it = dirs.lower.rbegin(); it != dirs.lower.rend(); ++it) {
    if (!lower.empty()) lower += ':';
    lower += *it;
  }
  if (lower.empty()) lower = dirs.empty_lower;
  return "lowerdir=" + lower + ",upperdir=" + dirs.upper + ",workdir=" + dirs.work;
}

Status mount_overlay(const OverlayDirs& dirs) {
  // The work dir is overlay's scratch space; a "volatile" mount leaves a
  // marker in it that refuses the next mount, so it starts empty each time.
  if (auto st = cfiles::remove_tree(dirs.work); !st) return st;
  for (const auto* d : {&dirs.upper, &dirs.work, &dirs.target})
    if (auto st = cfiles::make_dirs(*d); !st) return st;
  if (dirs.lower.empty())
    if (auto st = cfiles::make_dirs(dirs.empty_lower); !st) return st;
  // Idmapped layers are detached mounts, named to overlayfs by their fds;
  // it keeps its own references, so the fds close once it is mounted.
  std::vector<UniqueFd> idmapped;
  OverlayDirs mapped = dirs;
  if (dirs.idmap) {
    if (::chown(dirs.upper.c_str(), dirs.idmap->root_uid, dirs.idmap->root_uid) != 0)
      return cfiles::errno_error("chown " + dirs.upper, errno);
    auto map = [&](std::string& dir) -> Status {
      auto fd = open_idmapped_tree(dir, dirs.idmap->userns_fd);
      if (!fd) return fd.error();
      idmapped.emplace_back(*fd);
      dir = "/proc/self/fd/" + std::to_string(*fd);
      return ok_status();
    };
    for (auto& layer : mapped.lower)
      if (auto st = map(layer); !st) return st;
    if (mapped.lower.empty())
      if (auto st = map(mapped.empty_lower); !st) return st;
  }
  std::string options = overlay_options(mapped);
  if (options.size() >= static_cast<size_t>(::getpagesize()))
    return Error(Errc::kUnsupported, "too many image layers for one overlay mount (" +
                                         std::to_string(dirs.lower.size()) + " layers)");
  // "volatile" skips overlay's syncs of the upper layer: without it every
  // unmount syncs the whole host filesystem, which costs hundreds of
  // milliseconds on a busy host. A container's writable layer is scratch
  // (volumes are bind mounts and unaffected); kernels before 5.10 lack it.
  std::string fast = options + ",volatile";
  if (::mount("overlay", dirs.target.c_str(), "overlay", 0, fast.c_str()) == 0) return ok_status();
  if (::mount("overlay", dirs.target.c_str(), "overlay", 0, options.c_str()) != 0)
    return cfiles::errno_error("mount overlay on " + dirs.target, errno);
  return ok_status();
}

std::string unescape_mount_path(const std::string& field) {
  std::string out;
  for (size_t i = 0; i < field.size(); ++i) {
    if (field[i] == '\\' && i + 3 < field.size() &&
        std::all_of(field.begin() + static_cast<long>(i) + 1, field.begin() + static_cast<long>(i) + 4,
                    [](char c) { return c >= '0' && c <= '7'; })) {
      out += static_cast<char>((field[i + 1] - '0') * 64 + (field[i + 2] - '0') * 8 + (field[i + 3] - '0'));
      i += 3;
    } else {
      out += field[i];
    }
  }
  return out;
}

std::vector<std::string> mounts_under(const std::string& path) {
  std::vector<std::string> out;
  std::ifstream in("/proc/self/mountinfo");
  std::string line;
  std::string prefix = path.size() > 1 && path.back() == '/' ? path.substr(0, path.size() - 1) : path;
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    std::string id, parent, devno, root, mount_point;
    if (!(fields >> id >> parent >> devno >> root >> mount_point)) continue;
    std::string mp = unescape_mount_path(mount_point);
    if (mp == prefix || (mp.size() > prefix.size() && mp.compare(0, prefix.size(), prefix) == 0 &&
                         mp[prefix.size()] == '/'))
      out.push_back(mp);
  }
  // Deepest first; a path mounted twice appears twice and is unmounted twice.
  std::stable_sort(out.begin(), out.end(), [](const std::string& a, const std::string& b) { return a.size() > b.size(); });
  return out;
}

Status unmount_tree(const std::string& path, int busy_wait_ms) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(busy_wait_ms);
  for (;;) {
    auto mounts = mounts_under(path);
    if (mounts.empty()) return ok_status();
    bool busy = false;
    for (const auto& mp : mounts) {
      if (::umount2(mp.c_str(), UMOUNT_NOFOLLOW) == 0 || errno == EINVAL || errno == ENOENT) continue;
      if (errno != EBUSY) return cfiles::errno_error("unmount " + mp, errno);
      busy = true;
    }
    if (!busy) continue;
    if (std::chrono::steady_clock::now() >= deadline) {
      for (const auto& mp : mounts_under(path))
        if (::umount2(mp.c_str(), MNT_DETACH | UMOUNT_NOFOLLOW) != 0 && errno != EINVAL && errno != ENOENT)
          return cfiles::errno_error("unmount " + mp, errno);
      return ok_status();
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

}  // namespace racker::runtime
