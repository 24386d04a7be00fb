#pragma once
// The last steps before a container process runs, shared by the container's
// init (PID 1) and `racker exec`: resolve the user in the image, set HOME,
// make and enter the working directory, keep only the container's
// capabilities, switch ids, find the executable and execve(2) it.
// REQUIRES: called in a child process already inside the container's root
// (and namespaces). Never throws; returns only when the exec failed.

#include <string>
#include <vector>

#include "racker/runtime/exec_lookup.h"

namespace racker::runtime {

struct ProcessSetup {
  std::vector<std::string> args;  // argv; args[0] is looked up in PATH
  std::vector<std::string> env;   // "KEY=value"; HOME is added when missing
  std::string user;               // docker's --user; empty: root
  std::string working_dir;        // empty: "/"
  std::vector<int> capabilities;  // to keep (container_capabilities())
};

// Returns the failure (exit code 126/127 or 125 with the message) when the
// process could not be started.
ExecLookup exec_process(const ProcessSetup& setup);

// Drops every capability not in `keep` from the bounding set and clears the
// ambient set (needs CAP_SETPCAP). 0 or -errno.
int drop_bounding_capabilities(const std::vector<int>& keep);
// Keeps only `keep` in the effective and permitted sets; clears inheritable.
int restrict_process_capabilities(const std::vector<int>& keep);

}  // namespace racker::runtime
