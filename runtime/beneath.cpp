#include "beneath.h"

#include <dirent.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace racker::runtime {

UniqueFd& UniqueFd::operator=(UniqueFd&& o) noexcept {
  if (this != &o) reset(o.release());
  return *this;
}

void UniqueFd::reset(int fd) {
  if (fd_ >= 0) ::close(fd_);
  fd_ = fd;
}

int open_beneath(int dir, const std::string& rel, int flags, Symlinks symlinks) {
  open_how how{};
  how.flags = static_cast<uint64_t>(flags | O_CLOEXEC);
  how.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS;
  if (symlinks == Symlinks::kRefuse) how.resolve |= RESOLVE_NO_SYMLINKS;
  const char* path = rel.empty() ? "." : rel.c_str();
  for (;;) {
    long fd = ::syscall(SYS_openat2, dir, path, &how, sizeof how);
    // EAGAIN: a concurrent rename anywhere on the system; the kernel asks for a retry.
    if (fd < 0 && (errno == EAGAIN || errno == EINTR)) continue;
    return static_cast<int>(fd);
  }
}

namespace {

const char* kind_of(mode_t mode) {
  if (S_ISDIR(mode)) return "a directory";
  if (S_ISLNK(mode)) return "a symlink";
  if (S_ISFIFO(mode)) return "a FIFO";
  if (S_ISCHR(mode)) return "a character device";
  if (S_ISBLK(mode)) return "a block device";
  if (S_ISSOCK(mode)) return "a socket";
  return "not a regular file";
}

Error open_error(const std::string& shown, int err) {
  if (err == EXDEV || err == ELOOP)
    return Error(Errc::kPermission, shown + ": resolves outside its directory; refusing to follow it");
  if (err == ENOENT) return Error(Errc::kNotFound, shown + ": no such file");
  return Error(Errc::kIo, shown + ": " + std::strerror(err));
}

}  // namespace

Result<UniqueFd> open_regular_beneath(int dir, const std::string& rel, Symlinks symlinks, const std::string& shown) {
  UniqueFd path_fd(open_beneath(dir, rel, O_PATH, symlinks));
  if (!path_fd.valid()) return open_error(shown, errno);
  struct stat st {};
  if (::fstat(path_fd.get(), &st) != 0) return open_error(shown, errno);
  if (!S_ISREG(st.st_mode)) return Error(Errc::kPermission, shown + ": is " + kind_of(st.st_mode) + ", not a regular file");
  // Reopening through /proc/self/fd reaches exactly the inode checked above.
  std::string self = "/proc/self/fd/" + std::to_string(path_fd.get());
  UniqueFd fd(::open(self.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY));
  if (!fd.valid()) return open_error(shown, errno);
  return fd;
}

Result<std::string> read_regular_beneath(int dir, const std::string& rel, Symlinks symlinks, size_t max_bytes,
                                         const std::string& shown) {
  auto fd = open_regular_beneath(dir, rel, symlinks, shown);
  if (!fd) return fd.error();
  std::string out;
  char buf[65536];
  for (;;) {
    ssize_t n = ::read(fd->get(), buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Error(Errc::kIo, shown + ": " + std::strerror(errno));
    if (n == 0) break;
    if (out.size() + static_cast<size_t>(n) > max_bytes)
      return Error(Errc::kIo, shown + ": larger than the limit of " + std::to_string(max_bytes) + " bytes");
    out.append(buf, static_cast<size_t>(n));
  }
  return out;
}

int remove_at(int dir, const char* name) {
  struct stat st {};
  if (::fstatat(dir, name, &st, AT_SYMLINK_NOFOLLOW) != 0) return errno;
  if (!S_ISDIR(st.st_mode)) return ::unlinkat(dir, name, 0) == 0 ? 0 : errno;
  int sub = ::openat(dir, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (sub < 0) return errno;
  DIR* listing = ::fdopendir(sub);  // owns sub from here
  if (!listing) {
    int err = errno;
    ::close(sub);
    return err;
  }
  int err = 0;
  while (dirent* e = ::readdir(listing)) {
    if (std::strcmp(e->d_name, ".") == 0 || std::strcmp(e->d_name, "..") == 0) continue;
    if ((err = remove_at(::dirfd(listing), e->d_name)) != 0) break;
  }
  ::closedir(listing);
  if (err != 0) return err;
  return ::unlinkat(dir, name, AT_REMOVEDIR) == 0 ? 0 : errno;
}

}  // namespace racker::runtime
