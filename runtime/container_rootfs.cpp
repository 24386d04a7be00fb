#include "racker/runtime/container_rootfs.h"

#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <fstream>
#include <optional>
#include <sstream>

#include "container_files.h"
#include "racker/runtime/overlay.h"
#include "racker/runtime/user_namespace.h"
#include "racker/runtime/volume_store.h"

namespace racker::runtime {

namespace {

int open_in_root(int root_fd, const std::string& path, int flags) {
  open_how how{};
  how.flags = static_cast<uint64_t>(flags | O_CLOEXEC);
  how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS;
  std::string relative = path.empty() || path == "/" ? "." : path;
  return static_cast<int>(::syscall(SYS_openat2, root_fd, relative.c_str(), &how, sizeof how));
}

std::string read_host_file(const std::string& path) {
  std::ifstream in(path);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

Status write_etc_files(const ContainerSpec& spec, const RootfsPaths& paths) {
  std::string hostname = spec.hostname.empty() ? spec.id.substr(0, 12) : spec.hostname;
  if (auto st = cfiles::write_plain(paths.container_dir + "/hostname", hostname + "\n"); !st) return st;
  if (spec.network_mode == "bridge" && !spec.network.hosts.empty()) {
    // Rendered by the networking layer: addresses, aliases, embedded DNS.
    if (auto st = cfiles::write_plain(paths.container_dir + "/hosts", spec.network.hosts); !st) return st;
    return cfiles::write_plain(paths.container_dir + "/resolv.conf", spec.network.resolv_conf);
  }
  std::string hosts = "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n";
  // Sharing the host's network, docker copies the host's /etc/hosts.
  if (spec.network_mode == "host") {
    std::string host_hosts = read_host_file("/etc/hosts");
    if (!host_hosts.empty()) hosts = host_hosts;
  }
  if (hosts.find(hostname) == std::string::npos) hosts += "127.0.1.1\t" + hostname + "\n";
  if (auto st = cfiles::write_plain(paths.container_dir + "/hosts", hosts); !st) return st;
  std::string resolv = spec.network_mode == "none" ? "" : read_host_file("/etc/resolv.conf");
  return cfiles::write_plain(paths.container_dir + "/resolv.conf", resolv);
}

Status prepare_volumes(const ContainerSpec& spec, const RootfsPaths& paths, int root_fd) {
  // A private user namespace's root sees the image's ids raised by its base;
  // volumes are mounted idmapped, so they keep the image's own ids.
  uint32_t id_shift = spec.userns == UsernsMode::kAuto ? spec.userns_base : 0;
  VolumeStore volumes(paths.volumes_dir);
  for (const auto& m : spec.mounts) {
    if (m.type == MountSpec::Type::kBind) {
      // `-v /host:/ctr` makes a missing host directory, as docker does.
      if (!cfiles::exists(m.source))
        if (auto st = cfiles::make_dirs(m.source); !st) return st;
      continue;
    }
    if (m.type != MountSpec::Type::kVolume) continue;
    bool fresh = !volumes.exists(m.source);
    if (auto st = volumes.ensure(m.source); !st) return st;
    if (!fresh && !volumes.empty(m.source)) continue;
    int fd = open_in_root(root_fd, m.target, O_PATH | O_DIRECTORY);
    if (fd < 0) continue;  // nothing in the image there
    std::string from = "/proc/self/fd/" + std::to_string(fd);
    Status st = copy_tree(from, volumes.data_dir(m.source), id_shift);
    ::close(fd);
    if (!st) return st.error().with_context("while copying image content into volume " + m.source);
  }
  return ok_status();
}

Status fill_rootfs(const ContainerSpec& spec, const RootfsPaths& paths) {
  int root_fd = ::open(paths.rootfs().c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (root_fd < 0) return cfiles::errno_error("open " + paths.rootfs(), errno);
  Status st;
  uint32_t owner = spec.userns == UsernsMode::kAuto ? spec.userns_base : 0;  // the container's root
  // nspawn refuses a tree without /usr; the other directories are mount
  // points it needs, made here so a read-only root works too.
  for (const char* dir : {"/usr", "/dev", "/proc", "/sys", "/run", "/etc"}) {
    st = make_in_root(root_fd, dir, false, owner);
    if (!st) break;
  }
  if (st)
    for (const char* file : {"/etc/hostname", "/etc/hosts", "/etc/resolv.conf"}) {
      st = make_in_root(root_fd, file, true, owner);
      if (!st) break;
    }
  if (st)
    for (const auto& m : spec.mounts) {
      bool file_target = m.type == MountSpec::Type::kBind && !cfiles::is_dir(m.source) && cfiles::exists(m.source);
      st = make_in_root(root_fd, m.target, file_target, owner);
      if (!st) break;
    }
  if (st) st = prepare_volumes(spec, paths, root_fd);
  ::close(root_fd);
  return st;
}

}  // namespace

Status make_in_root(int root_fd, const std::string& path, bool file, uint32_t owner) {
  std::string current;
  size_t pos = 1;
  while (pos <= path.size()) {
    size_t end = path.find('/', pos);
    if (end == std::string::npos) end = path.size();
    std::string component = path.substr(pos, end - pos);
    pos = end + 1;
    if (component.empty() || component == ".") continue;
    std::string next = current + "/" + component;
    bool last = pos > path.size();
    int fd = open_in_root(root_fd, next, O_PATH);
    if (fd >= 0) {
      ::close(fd);
      current = next;
      continue;
    }
    if (errno != ENOENT) return cfiles::errno_error("resolve " + next + " in container root", errno);
    int parent = open_in_root(root_fd, current, O_PATH | O_DIRECTORY);
    if (parent < 0) return cfiles::errno_error("resolve " + current + " in container root", errno);
    int r;
    if (last && file) {
      r = ::openat(parent, component.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
      if (r >= 0) ::close(r);
    } else {
      r = ::mkdirat(parent, component.c_str(), 0755);
    }
    int err = errno;
    if (r >= 0 && owner != 0 && ::fchownat(parent, component.c_str(), owner, owner, AT_SYMLINK_NOFOLLOW) != 0) {
      err = errno;
      r = -1;
    }
    ::close(parent);
    if (r < 0 && err != EEXIST) return cfiles::errno_error("create " + next + " in container root", err);
    current = next;
  }
  return ok_status();
}

Status prepare_rootfs(const ContainerSpec& spec, const RootfsPaths& paths) {
  OverlayDirs dirs;
  dirs.lower = spec.layer_dirs;
  dirs.upper = paths.upper();
  dirs.work = paths.work();
  dirs.empty_lower = paths.empty_lower();
  dirs.target = paths.rootfs();
  std::optional<UsernsFd> userns;
  if (spec.userns == UsernsMode::kAuto) {
    auto made = UsernsFd::create(spec.userns_base);
    if (!made) return made.error();
    userns.emplace(std::move(*made));
    dirs.idmap = OverlayIdmap{userns->get(), spec.userns_base};
  }
  if (auto st = write_etc_files(spec, paths); !st) return st;
  if (auto st = mount_overlay(dirs); !st) return st;
  if (auto st = fill_rootfs(spec, paths); !st) {
    (void)teardown_rootfs(paths);
    return st;
  }
  return ok_status();
}

Status teardown_rootfs(const RootfsPaths& paths) { return unmount_tree(paths.rootfs()); }

}  // namespace racker::runtime
