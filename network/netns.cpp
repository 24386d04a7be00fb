#include "racker/network/netns.h"

#include <fcntl.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <thread>

#include "netlink_ops.h"

#ifndef NSFS_MAGIC
#define NSFS_MAGIC 0x6e736673
#endif

namespace racker::network {

namespace {

// Runs fn on a fresh thread and joins it: namespace changes die with it.
Status on_own_thread(const std::function<Status()>& fn) {
  Status result;
  std::thread t([&] { result = fn(); });
  t.join();
  return result;
}

}  // namespace

std::string default_netns_dir() {
  const char* run = std::getenv("RACKER_RUN");
  return std::string(run && *run ? run : "/run/racker") + "/netns";
}

bool netns_exists(const std::string& path) {
  struct statfs fs {};
  return ::statfs(path.c_str(), &fs) == 0 && static_cast<unsigned long>(fs.f_type) == NSFS_MAGIC;
}

Status create_netns(const std::string& path) {
  if (netns_exists(path)) return Error(Errc::kConflict, "network namespace " + path + " already exists");
  std::error_code ec;
  std::filesystem::create_directories(std::filesystem::path(path).parent_path(), ec);
  if (ec) return Error(Errc::kIo, "cannot create the directory of " + path + ": " + ec.message());
  int fd = ::open(path.c_str(), O_RDONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0444);
  if (fd < 0 && errno != EEXIST) return Error(Errc::kIo, "cannot create " + path + ": " + std::strerror(errno));
  if (fd >= 0) ::close(fd);

  Status made = on_own_thread([&]() -> Status {
    if (::unshare(CLONE_NEWNET) != 0)
      return Error(Errc::kPermission, std::string("unshare(CLONE_NEWNET): ") + std::strerror(errno));
    std::string self = "/proc/self/task/" + std::to_string(::syscall(SYS_gettid)) + "/ns/net";
    if (::mount(self.c_str(), path.c_str(), "none", MS_BIND, nullptr) != 0)
      return Error(Errc::kIo, "cannot bind-mount a network namespace on " + path + ": " + std::strerror(errno));
    auto sock = nl::Socket::open();
    if (!sock) return sock.error();
    return nl::set_up(*sock, "lo");
  });
  if (!made) {
    ::umount2(path.c_str(), MNT_DETACH);
    ::unlink(path.c_str());
    return made.error().with_context("while creating network namespace " + path);
  }
  return ok_status();
}

Status delete_netns(const std::string& path) {
  // Unmount every layer (a path mounted twice by a racing creator included).
  while (::umount2(path.c_str(), MNT_DETACH) == 0) {
  }
  if (::unlink(path.c_str()) != 0 && errno != ENOENT)
    return Error(Errc::kIo, "cannot remove " + path + ": " + std::strerror(errno));
  return ok_status();
}

Status run_in_netns(const std::string& path, const std::function<Status()>& fn) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Error(Errc::kNotFound, "cannot open network namespace " + path + ": " + std::strerror(errno));
  Status result = on_own_thread([&]() -> Status {
    if (::setns(fd, CLONE_NEWNET) != 0)
      return Error(Errc::kIo, "cannot enter network namespace " + path + ": " + std::strerror(errno));
    return fn();
  });
  ::close(fd);
  return result;
}

}  // namespace racker::network
