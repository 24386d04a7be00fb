#pragma once
// Services of a boot group (compose x-racker groups with `boot: true`) as
// systemd units inside the group's booted machine. Pure: text in, text out.
//
// A member's container record carries what the unit needs in labels that
// expand_groups writes (kLabelBootUnit and friends, service_container.h);
// its ContainerSpec (image defaults merged) gives the command, environment,
// user and working directory. racker writes the unit into the machine's
// /run/systemd/system and a follower (boot_follower_script) inside the
// machine starts it, streams its journal to the member's log and stops it
// when the member is stopped.

#include <string>
#include <vector>

#include "racker/runtime/container_spec.h"

namespace racker::runtime {

struct BootUnitDependency {
  std::string service;
  bool required = true;  // Requires= (else Wants=); After= either way
  bool operator==(const BootUnitDependency&) const = default;
};

struct BootUnit {
  std::string service;
  std::string path;                // the executable, absolute (in the image)
  std::vector<std::string> argv;   // as the service gives it; argv[0] may be a bare name
  std::vector<std::string> env;    // "KEY=value"
  std::string user, working_dir;   // empty: root, "/"
  std::string root_directory;      // the service's image root, a path inside the machine
  std::vector<BootUnitDependency> dependencies;
  RestartPolicy restart;
  std::string stop_signal = "SIGTERM";
  int stop_timeout = 10;  // seconds
  bool read_only = false;
  // With read_only: what stays writable, as docker keeps volumes, binds
  // and tmpfs mounts writable on a read-only root (paths in the image).
  std::vector<std::string> writable_paths;
};

// "racker-<service>.service"
std::string boot_unit_name(const std::string& service);

// Where a member's image root is mounted inside the machine.
std::string boot_unit_root(const std::string& service);

// The unit file's text.
std::string render_boot_unit(const BootUnit& unit);

// One word of an Exec*= line: double-quoted, with `\`, `"`, `$`, `%` and
// control characters escaped so systemd passes it through unchanged.
std::string quote_exec_word(const std::string& word);

// One Environment= value ("KEY=value"), quoted for the unit file.
std::string quote_environment(const std::string& assignment);

// The labels expand_groups writes, read back from a member's spec. `path`
// is the absolute path of argv[0] (resolved in the image by the caller).
// Errors: kInvalidArgument when the spec is not a boot unit's.
Result<BootUnit> boot_unit_from_spec(const ContainerSpec& spec, const std::string& path);

// Label values: dependencies as "a,b" (required) and "c" (optional).
std::string dependency_label(const std::vector<std::string>& services);
std::vector<std::string> split_dependency_label(const std::string& value);

// /bin/sh script run inside the machine as the member's payload, with $1 the
// unit name, $2 its root mount and $3 the realtime ("@seconds.micros") before
// which nothing of this start was logged: reloads systemd, starts the unit,
// copies its journal since $3 to stdout, stops it on SIGTERM/SIGINT and
// exits with the main process's status once the unit is inactive.
const char* boot_follower_script();

// $3 of boot_follower_script for a member started now.
std::string boot_follower_since();

}  // namespace racker::runtime
