#include "racker/runtime/user_namespace.h"

#include <fcntl.h>
#include <linux/mount.h>
#include <sched.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <functional>

#include "container_files.h"

namespace racker::runtime {

Result<uint32_t> pick_userns_base(const std::string& id, const std::set<uint32_t>& taken) {
  const uint32_t slots = (kUsernsPickLast - kUsernsPickFirst) / kUsernsSize + 1;
  uint32_t first = static_cast<uint32_t>(std::hash<std::string>{}(id) % slots);
  for (uint32_t i = 0; i < slots; ++i) {
    uint32_t base = kUsernsPickFirst + ((first + i) % slots) * kUsernsSize;
    if (!taken.count(base)) return base;
  }
  return Error(Errc::kConflict, "no free user namespace block: all " + std::to_string(slots) + " are in use");
}

Result<UsernsFd> UsernsFd::create(uint32_t base) {
  // The child unshares its user namespace and waits; the parent writes its
  // maps (a namespace's maps can only be written from outside it), keeps a
  // reference by opening it, and lets the child go.
  int ready[2], release[2];
  if (::pipe2(ready, O_CLOEXEC) != 0) return cfiles::errno_error("pipe", errno);
  if (::pipe2(release, O_CLOEXEC) != 0) {
    int err = errno;
    ::close(ready[0]);
    ::close(ready[1]);
    return cfiles::errno_error("pipe", err);
  }
  pid_t child = ::fork();
  if (child < 0) {
    int err = errno;
    for (int fd : {ready[0], ready[1], release[0], release[1]}) ::close(fd);
    return cfiles::errno_error("fork", err);
  }
  if (child == 0) {
    ::close(ready[0]);
    ::close(release[1]);
    char result = ::unshare(CLONE_NEWUSER) == 0 ? 'y' : 'n';
    (void)!::write(ready[1], &result, 1);
    char c;
    (void)!::read(release[0], &c, 1);
    ::_exit(0);
  }
  ::close(ready[1]);
  ::close(release[0]);
  auto finish = [&] {
    ::close(release[1]);
    ::close(ready[0]);
    while (::waitpid(child, nullptr, 0) < 0 && errno == EINTR) {
    }
  };
  char result = 'n';
  if (::read(ready[0], &result, 1) != 1 || result != 'y') {
    finish();
    return Error(Errc::kUnsupported, "cannot create a user namespace (unshare(CLONE_NEWUSER) failed)");
  }
  std::string proc = "/proc/" + std::to_string(child);
  std::string map = "0 " + std::to_string(base) + " " + std::to_string(kUsernsSize) + "\n";
  for (const char* file : {"/uid_map", "/gid_map"})
    if (auto st = cfiles::write_plain(proc + file, map); !st) {
      finish();
      return st.error().with_context("while mapping a user namespace");
    }
  int fd = ::open((proc + "/ns/user").c_str(), O_RDONLY | O_CLOEXEC);
  int err = errno;
  finish();
  if (fd < 0) return cfiles::errno_error("open user namespace", err);
  return UsernsFd(fd);
}

UsernsFd::~UsernsFd() {
  if (fd_ >= 0) ::close(fd_);
}

Result<int> open_idmapped_tree(const std::string& dir, int userns_fd) {
  int fd = static_cast<int>(::syscall(SYS_open_tree, AT_FDCWD, dir.c_str(), OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC));
  if (fd < 0) return cfiles::errno_error("open_tree " + dir, errno);
  mount_attr attr{};
  attr.attr_set = MOUNT_ATTR_IDMAP;
  attr.userns_fd = static_cast<uint64_t>(userns_fd);
  if (::syscall(SYS_mount_setattr, fd, "", AT_EMPTY_PATH, &attr, sizeof attr) != 0) {
    int err = errno;
    ::close(fd);
    return Error(err == EINVAL || err == ENOSYS ? Errc::kUnsupported : Errc::kIo,
                 "cannot make an idmapped mount of " + dir + " (needs Linux 5.12 or later and a filesystem that " +
                     "supports idmapped mounts): " + std::strerror(err));
  }
  return fd;
}

Result<UsernsLease> UsernsLease::take(uint32_t base, const std::string& lock_dir) {
  if (auto st = cfiles::make_dirs(lock_dir); !st) return st.error();
  std::string path = lock_dir + "/" + std::to_string(base);
  for (;;) {
    int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) return cfiles::errno_error("open " + path, errno);
    int locked;
    while ((locked = ::flock(fd, LOCK_EX | LOCK_NB)) != 0 && errno == EINTR) {
    }
    if (locked != 0) {
      int err = errno;
      ::close(fd);
      if (err == EWOULDBLOCK)
        return Error(Errc::kConflict, "user namespace block " + std::to_string(base) + " is in use by another container");
      return cfiles::errno_error("lock " + path, err);
    }
    // The holder before us unlinks the file as it lets go: a lock on an
    // inode no longer at `path` is worth nothing, so take the new file.
    struct stat held {}, named {};
    if (::fstat(fd, &held) == 0 && ::stat(path.c_str(), &named) == 0 && held.st_ino == named.st_ino &&
        held.st_dev == named.st_dev)
      return UsernsLease(fd, path);
    ::close(fd);
  }
}

UsernsLease::~UsernsLease() {
  if (fd_ < 0) return;
  ::unlink(path_.c_str());  // while still locked, as nspawn does
  ::close(fd_);
}

}  // namespace racker::runtime
