#pragma once
// Docker's `--user` inside an image: "name", "uid", "name:group", "uid:gid"
// (any mix), resolved against the image's own /etc/passwd and /etc/group as
// runc does: by reading the files, never through NSS (the host's NSS modules
// must not be loaded into a container). Numeric ids missing from the files
// are used as they are. Pure: the caller reads the files.

#include <sys/types.h>

#include <string>
#include <vector>

#include "racker/util/error.h"

namespace racker::runtime {

struct ExecUser {
  uid_t uid = 0;
  gid_t gid = 0;
  std::vector<gid_t> groups;  // supplementary groups (membership in /etc/group)
  std::string home = "/";     // from passwd; "/" when unknown (docker's default)
  bool operator==(const ExecUser&) const = default;
};

// `spec` empty means root. Errors (kNotFound), runc's words:
//   "unable to find user NAME: no matching entries in passwd file"
//   "unable to find group NAME: no matching entries in group file"
Result<ExecUser> resolve_exec_user(const std::string& spec, const std::string& passwd_text,
                                   const std::string& group_text);

// Reads /etc/passwd and /etc/group under the current root (missing files are
// empty) and resolves `spec`.
Result<ExecUser> resolve_exec_user_in_root(const std::string& spec);

}  // namespace racker::runtime
