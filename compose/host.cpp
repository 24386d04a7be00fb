#include "racker/compose/host.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

extern char** environ;

namespace racker::compose {
namespace {

// Compose files, .env and env_file files are small; this only keeps a
// mistaken path (a disk image, /dev/zero) from filling memory.
constexpr off_t kMaxFileBytes = 64 << 20;

}  // namespace

Result<std::string> DiskFileReader::read(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    int err = errno;
    if (err == ENOENT) return Error(Errc::kNotFound, "open " + path + ": no such file or directory");
    return Error(Errc::kIo, "open " + path + ": " + std::strerror(err));
  }
  struct Closer {
    int fd;
    ~Closer() { ::close(fd); }
  } closer{fd};
  struct stat st;
  if (::fstat(fd, &st) != 0) return Error(Errc::kIo, "stat " + path + ": " + std::strerror(errno));
  if (S_ISDIR(st.st_mode)) return Error(Errc::kIo, "read " + path + ": is a directory");
  // Nothing the loader reads is this big; refuse before allocating for it.
  if (S_ISREG(st.st_mode) && st.st_size > kMaxFileBytes)
    return Error(Errc::kIo, "read " + path + ": file too large (" + std::to_string(st.st_size) + " bytes)");
  std::string out;
  if (S_ISREG(st.st_mode)) out.reserve(static_cast<size_t>(st.st_size) + 1);
  char buf[64 * 1024];
  while (true) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Error(Errc::kIo, "read " + path + ": " + std::strerror(errno));
    if (n == 0) break;
    out.append(buf, static_cast<size_t>(n));
    if (out.size() > static_cast<size_t>(kMaxFileBytes))
      return Error(Errc::kIo, "read " + path + ": file too large (more than " + std::to_string(kMaxFileBytes) + " bytes)");
  }
  return out;
}

bool DiskFileReader::is_file(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

bool DiskFileReader::is_dir(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

Lookup lookup_in(const EnvMap& env) {
  return [&env](std::string_view name) -> std::optional<std::string> {
    auto it = env.find(name);
    if (it == env.end()) return std::nullopt;
    return it->second;
  };
}

EnvMap process_environment() {
  EnvMap env;
  for (char** e = environ; e && *e; ++e) {
    std::string_view kv(*e);
    auto eq = kv.find('=');
    if (eq == std::string_view::npos) continue;
    env.emplace(std::string(kv.substr(0, eq)), std::string(kv.substr(eq + 1)));
  }
  return env;
}

std::string absolute_path(std::string_view base, std::string_view p) {
  std::filesystem::path path(p);
  if (path.is_relative()) path = std::filesystem::path(base) / path;
  std::string out = path.lexically_normal().string();
  while (out.size() > 1 && out.back() == '/') out.pop_back();
  return out;
}

std::string parent_dir(std::string_view path) {
  std::string p = std::filesystem::path(path).parent_path().string();
  return p.empty() ? "." : p;
}

std::string base_name(std::string_view path) {
  std::string s(path);
  while (s.size() > 1 && s.back() == '/') s.pop_back();
  return std::filesystem::path(s).filename().string();
}

}  // namespace racker::compose
