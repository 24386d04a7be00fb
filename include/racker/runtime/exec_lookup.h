#pragma once
// Finding the payload's executable before execve(2), so a missing or
// unusable command gets docker's exit code and message:
//   127  exec: "foo": executable file not found in $PATH
//   127  exec: "/nope": stat /nope: no such file or directory
//   126  exec: "/etc": permission denied
// A name with a '/' is used as is; otherwise each PATH entry is tried in
// order and the first regular file with an execute bit wins (Go's LookPath,
// which runc uses). Checks happen in the caller's current root and user.

#include <string>

namespace racker::runtime {

struct ExecLookup {
  std::string path;   // what to execve; empty on failure
  int exit_code = 0;  // 126 or 127 on failure
  std::string error;  // docker's message on failure
};

ExecLookup find_executable(const std::string& name, const std::string& path_env);

// The message for an execve(2) failure with `err` after a successful lookup,
// and its exit code (ENOENT, e.g. a missing ELF interpreter: 127; else 126).
ExecLookup exec_failure(const std::string& name, int err);

}  // namespace racker::runtime
