#pragma once
// Paths below a directory that cannot lead out of it. Everything racker
// writes or reads on behalf of an image (layer entries, the members of an
// archive given to `load`) goes through these: the kernel resolves the path
// relative to a directory fd with RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS, so
// "..", absolute symlinks, /proc magic links and over-long paths fail instead
// of landing on the host. Nothing here chdir()s or follows a path from "/".
//
// All functions are thread-safe; failures come back as -1/errno or as Errors.

#include <string>

#include "racker/util/error.h"

namespace racker::runtime {

// An owned file descriptor, closed on destruction. Move-only.
class UniqueFd {
 public:
  UniqueFd() = default;
  explicit UniqueFd(int fd) : fd_(fd) {}
  UniqueFd(UniqueFd&& o) noexcept : fd_(o.release()) {}
  UniqueFd& operator=(UniqueFd&& o) noexcept;
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;
  ~UniqueFd() { reset(); }

  int get() const { return fd_; }
  bool valid() const { return fd_ >= 0; }
  int release() {
    int fd = fd_;
    fd_ = -1;
    return fd;
  }
  void reset(int fd = -1);

 private:
  int fd_ = -1;
};

// Whether symlinks met on the way are followed (only while they stay below
// the directory) or make the open fail with ELOOP.
enum class Symlinks { kRefuse, kFollowBeneath };

// openat2(dir, rel, flags | O_CLOEXEC) with RESOLVE_BENEATH and
// RESOLVE_NO_MAGICLINKS (plus RESOLVE_NO_SYMLINKS for kRefuse). Returns the fd
// or -1 with errno set, as openat does. rel "" or "." opens dir itself.
int open_beneath(int dir, const std::string& rel, int flags, Symlinks symlinks);

// Opens a regular file below dir for reading. Anything else (a FIFO, a
// device, a directory, a path that leaves dir) is refused without ever being
// opened for I/O: the path is first opened with O_PATH, checked, then
// reopened. `shown` names the file in errors.
Result<UniqueFd> open_regular_beneath(int dir, const std::string& rel, Symlinks symlinks, const std::string& shown);

// Reads a whole regular file below dir, refusing more than max_bytes.
Result<std::string> read_regular_beneath(int dir, const std::string& rel, Symlinks symlinks, size_t max_bytes,
                                         const std::string& shown);

// Removes `name` in dir: a file, a symlink (never its target) or a whole
// directory tree, walking it by fds without following any symlink.
// Returns 0 or an errno value; a missing name is ENOENT.
int remove_at(int dir, const char* name);

}  // namespace racker::runtime
