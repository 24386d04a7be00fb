#pragma once
// Evidence that a hostile image touched nothing on the host, taken outside
// racker's state root rather than from racker's word: a canary directory in
// /var/tmp (a victim file, a root-only secret, a subdirectory) checksummed
// when made, and /etc/shadow's inode, link count, mode and times. changes()
// lists every difference since (new or missing names anywhere below the
// canary, other bytes, modes, owners, an overlay xattr), "" when none.

#include <sys/stat.h>

#include <map>
#include <string>

namespace racker::test {

class HostCanary {
 public:
  HostCanary();
  ~HostCanary();
  HostCanary(const HostCanary&) = delete;
  HostCanary& operator=(const HostCanary&) = delete;

  const std::string& dir() const { return dir_; }
  std::string victim() const { return dir_ + "/victim"; }        // 0644, "original\n"
  std::string secret() const { return dir_ + "/secret.json"; }   // 0600, holds secret_marker()
  std::string subdir() const { return dir_ + "/sub"; }
  static std::string secret_marker() { return "racker-canary-secret-7f3a"; }

  std::string changes() const;

 private:
  struct Seen {
    mode_t mode = 0;
    uid_t uid = 0;
    gid_t gid = 0;
    std::string digest;  // sha256 of a regular file's bytes
    bool opaque = false; // carries trusted.overlay.opaque
  };
  std::map<std::string, Seen> snapshot() const;

  std::string dir_;
  std::map<std::string, Seen> before_;
  struct stat shadow_ {};
};

// Every file below `dir` whose bytes contain `needle` (a leak of a host
// secret into the store), as paths; symlinks are not followed.
std::string files_containing(const std::string& dir, const std::string& needle);

}  // namespace racker::test
