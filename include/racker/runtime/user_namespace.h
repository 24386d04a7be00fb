#pragma once
// Private user namespaces for containers (`run --userns=auto`, compose's
// `userns_mode: auto`): the container's ids 0..65535 are the host's
// base..base+65535, so root in the container is an unprivileged user on the
// host. Each container gets its own 64 Ki block from the range nspawn's own
// `--private-users=pick` uses, recorded in its spec so the files of its
// writable layer keep their owners across restarts.
//
// The image layers stay shared and untouched: each is mounted idmapped
// (mount_setattr(MOUNT_ATTR_IDMAP)) into the container's namespace before
// overlayfs stacks them, and the writable layer holds host ids in the
// container's block.

#include <cstdint>
#include <set>
#include <string>

#include "racker/util/error.h"

namespace racker::runtime {

inline constexpr uint32_t kUsernsSize = 65536;
// nspawn's range for picked blocks (systemd's UID_SHIFT_PICK_MIN/MAX).
inline constexpr uint32_t kUsernsPickFirst = 0x00080000;
inline constexpr uint32_t kUsernsPickLast = 0x6FFF0000;

// The block for container `id`: a slot chosen by the id's hash, moving on
// past blocks in `taken` (other containers' bases). kConflict when every
// block is taken.
Result<uint32_t> pick_userns_base(const std::string& id, const std::set<uint32_t>& taken);

// An owned fd of a user namespace mapping 0..kUsernsSize-1 to base.., made
// by a short-lived child (the namespace lives while the fd is open).
class UsernsFd {
 public:
  static Result<UsernsFd> create(uint32_t base);
  UsernsFd(UsernsFd&& o) noexcept : fd_(o.fd_) { o.fd_ = -1; }
  UsernsFd& operator=(UsernsFd&&) = delete;
  UsernsFd(const UsernsFd&) = delete;
  ~UsernsFd();
  int get() const { return fd_; }

 private:
  explicit UsernsFd(int fd) : fd_(fd) {}
  int fd_;
};

// A detached idmapped clone of the mount tree at `dir` (open_tree +
// mount_setattr): files owned by host id n appear as base+n. The returned
// fd's /proc/self/fd path can be handed to overlayfs as a lower layer.
Result<int> open_idmapped_tree(const std::string& dir, int userns_fd);

// Held while a container runs in block `base`: the lock file nspawn uses
// for picked blocks (/run/systemd/nspawn-uid/<base>), so neither nspawn nor
// another racker container takes the same ids meanwhile. kConflict when held.
class UsernsLease {
 public:
  static Result<UsernsLease> take(uint32_t base, const std::string& lock_dir = "/run/systemd/nspawn-uid");
  UsernsLease(UsernsLease&& o) noexcept : fd_(o.fd_), path_(std::move(o.path_)) { o.fd_ = -1; }
  UsernsLease& operator=(UsernsLease&&) = delete;
  UsernsLease(const UsernsLease&) = delete;
  ~UsernsLease();

 private:
  UsernsLease(int fd, std::string path) : fd_(fd), path_(std::move(path)) {}
  int fd_;
  std::string path_;
};

}  // namespace racker::runtime
