#pragma once
// File helpers for container records (internal to the container runtime).
// Errors map errno to Errc: ENOENT -> kNotFound, EACCES/EPERM -> kPermission,
// anything else -> kIo.

#include <string>

#include "racker/util/error.h"

namespace racker::runtime::cfiles {

Error errno_error(const std::string& what, int err);
Result<std::string> read(const std::string& path);
// Writes to a temporary sibling and renames it over `path` (no fsync: state
// files are runtime facts, rebuilt from the process table after a crash).
Status write_atomic(const std::string& path, const std::string& content, int mode = 0644);
Status write_plain(const std::string& path, const std::string& content, int mode = 0644);
Status make_dirs(const std::string& path, int mode = 0755);
// Makes `path` (missing parents 0711) and gives it `mode` if it has another:
// racker's state directories stay private whatever an older racker made them.
Status make_private_dir(const std::string& path, int mode);
Status remove_tree(const std::string& path);  // rm -rf; absent is fine
bool exists(const std::string& path);
bool is_dir(const std::string& path);

// flock(2) on a file, released by the destructor. Blocks until taken.
class FileLock {
 public:
  static Result<FileLock> acquire(const std::string& path);
  FileLock(FileLock&& other) noexcept : fd_(other.fd_) { other.fd_ = -1; }
  FileLock& operator=(FileLock&&) = delete;
  FileLock(const FileLock&) = delete;
  ~FileLock();

 private:
  explicit FileLock(int fd) : fd_(fd) {}
  int fd_;
};

}  // namespace racker::runtime::cfiles
