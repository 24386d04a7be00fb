#include "container_files.h"
#include "image_files.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <system_error>
#include <vector>

namespace racker::runtime::cfiles {

Error errno_error(const std::string& what, int err) {
  Errc code = err == ENOENT ? Errc::kNotFound : err == EACCES || err == EPERM ? Errc::kPermission : Errc::kIo;
  return Error(code, what + ": " + std::strerror(err));
}

// One reader for the module's files (image_files.h).
Result<std::string> read(const std::string& path) { return files::read(path); }

namespace {
Status write_all(int fd, const std::string& content, const std::string& what) {
  size_t done = 0;
  while (done < content.size()) {
    ssize_t n = ::write(fd, content.data() + done, content.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return errno_error(what, errno);
    done += static_cast<size_t>(n);
  }
  return ok_status();
}
}  // namespace

Status write_plain(const std::string& path, const std::string& content, int mode) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
  if (fd < 0) return errno_error("create " + path, errno);
  Status st = write_all(fd, content, "write " + path);
  ::close(fd);
  return st;
}

Status write_atomic(const std::string& path, const std::string& content, int mode) {
  std::string tmp = path + ".tmp-XXXXXX";
  std::vector<char> name(tmp.begin(), tmp.end());
  name.push_back('\0');
  int fd = ::mkostemp(name.data(), O_CLOEXEC);
  if (fd < 0) return errno_error("create " + tmp, errno);
  Status st = write_all(fd, content, "write " + tmp);
  if (st && ::fchmod(fd, static_cast<mode_t>(mode)) != 0) st = errno_error("chmod " + tmp, errno);
  ::close(fd);
  if (st && ::rename(name.data(), path.c_str()) != 0) st = errno_error("rename " + path, errno);
  if (!st) ::unlink(name.data());
  return st;
}

Status make_dirs(const std::string& path, int mode) {
  // Component by component so `mode` applies to every directory made
  // (supervisor directories are root-only).
  size_t pos = 0;
  while (pos != std::string::npos) {
    pos = path.find('/', pos + 1);
    std::string cur = path.substr(0, pos);
    if (cur.empty()) continue;
    if (::mkdir(cur.c_str(), static_cast<mode_t>(mode)) != 0 && errno != EEXIST) return errno_error("mkdir " + cur, errno);
  }
  return ok_status();
}

Status make_private_dir(const std::string& path, int mode) {
  size_t slash = path.rfind('/');
  if (slash != std::string::npos && slash > 0)
    if (auto st = make_dirs(path.substr(0, slash), 0711); !st) return st;
  if (::mkdir(path.c_str(), static_cast<mode_t>(mode)) != 0 && errno != EEXIST) return errno_error("mkdir " + path, errno);
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0) return errno_error("stat " + path, errno);
  if (!S_ISDIR(st.st_mode)) return Error(Errc::kIo, path + ": not a directory");
  if ((st.st_mode & 07777) != static_cast<mode_t>(mode) && ::chmod(path.c_str(), static_cast<mode_t>(mode)) != 0)
    return errno_error("chmod " + path, errno);
  return ok_status();
}

Status remove_tree(const std::string& path) {
  std::error_code ec;
  std::filesystem::remove_all(path, ec);
  if (ec && ec.value() != ENOENT) return errno_error("remove " + path, ec.value());
  return ok_status();
}

bool exists(const std::string& path) {
  struct stat st {};
  return ::lstat(path.c_str(), &st) == 0;
}

bool is_dir(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

Result<FileLock> FileLock::acquire(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) return errno_error("open lock " + path, errno);
  while (::flock(fd, LOCK_EX) != 0) {
    if (errno == EINTR) continue;
    int err = errno;
    ::close(fd);
    return errno_error("lock " + path, err);
  }
  return FileLock(fd);
}

FileLock::~FileLock() {
  if (fd_ >= 0) ::close(fd_);
}

}  // namespace racker::runtime::cfiles
