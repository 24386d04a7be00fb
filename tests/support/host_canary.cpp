#include "support/host_canary.h"

#include <sys/xattr.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <system_error>

#include "racker/runtime/digest.h"
#include "support/image_tar_builder.h"

namespace racker::test {

namespace fs = std::filesystem;

HostCanary::HostCanary() {
  char tmpl[] = "/var/tmp/rk-canary-XXXXXX";
  if (!::mkdtemp(tmpl)) std::abort();
  dir_ = tmpl;
  ::chmod(dir_.c_str(), 0755);
  write_file(victim(), "original\n");
  ::chmod(victim().c_str(), 0644);
  write_file(secret(), "{\"auths\":{\"x\":{\"auth\":\"" + secret_marker() + "\"}}}\n");
  ::chmod(secret().c_str(), 0600);
  fs::create_directories(subdir());
  write_file(subdir() + "/kept", "kept\n");
  before_ = snapshot();
  ::stat("/etc/shadow", &shadow_);
}

HostCanary::~HostCanary() {
  std::error_code ec;
  fs::remove_all(dir_, ec);
}

std::map<std::string, HostCanary::Seen> HostCanary::snapshot() const {
  std::map<std::string, Seen> out;
  auto note = [&](const fs::path& path) {
    struct stat st {};
    if (::lstat(path.c_str(), &st) != 0) return;
    Seen s{st.st_mode, st.st_uid, st.st_gid, "", false};
    if (S_ISREG(st.st_mode)) s.digest = runtime::sha256_of(read_file(path)).str();
    char value[8];
    s.opaque = ::lgetxattr(path.c_str(), "trusted.overlay.opaque", value, sizeof value) >= 0;
    out[path.string()] = s;
  };
  note(dir_);
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(dir_, ec); !ec && it != fs::recursive_directory_iterator(); it.increment(ec))
    note(it->path());
  return out;
}

std::string HostCanary::changes() const {
  std::string out;
  auto now = snapshot();
  for (const auto& [path, was] : before_) {
    auto it = now.find(path);
    if (it == now.end()) {
      out += path + " is gone\n";
      continue;
    }
    const Seen& is = it->second;
    if (is.mode != was.mode) out += path + ": mode changed\n";
    if (is.uid != was.uid || is.gid != was.gid) out += path + ": owner changed\n";
    if (is.digest != was.digest) out += path + ": content changed\n";
    if (is.opaque != was.opaque) out += path + ": got trusted.overlay.opaque\n";
  }
  for (const auto& [path, is] : now)
    if (!before_.count(path)) out += path + " appeared\n";
  struct stat shadow {};
  ::stat("/etc/shadow", &shadow);
  if (shadow.st_ino != shadow_.st_ino || shadow.st_nlink != shadow_.st_nlink || shadow.st_mode != shadow_.st_mode ||
      shadow.st_mtim.tv_sec != shadow_.st_mtim.tv_sec || shadow.st_mtim.tv_nsec != shadow_.st_mtim.tv_nsec ||
      shadow.st_ctim.tv_sec != shadow_.st_ctim.tv_sec || shadow.st_ctim.tv_nsec != shadow_.st_ctim.tv_nsec)
    out += "/etc/shadow changed (inode, links, mode or times)\n";
  return out;
}

std::string files_containing(const std::string& dir, const std::string& needle) {
  std::string out;
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(dir, ec); !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (!it->is_regular_file(ec) || it->is_symlink(ec)) continue;
    if (read_file(it->path()).find(needle) != std::string::npos) out += it->path().string() + "\n";
  }
  return out;
}

}  // namespace racker::test
