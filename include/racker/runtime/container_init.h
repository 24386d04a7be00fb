#pragma once
// racker's own in-container init. systemd-nspawn starts it as the
// container's PID 1 (racker-init, a static executable of its own,
// bind-mounted read-only under /run/.racker, see nspawn_command.h); it
// applies what nspawn cannot express the way docker does, then execs the
// payload so the payload becomes PID 1 (or, with `init`, stays PID 1 to reap
// zombies and forward signals, like docker's --init):
//   - a clean docker environment (nspawn adds container_uuid, NOTIFY_SOCKET, ...);
//   - the user from the image's /etc/passwd, uid:gid without an entry;
//   - docker's capability set, domainname, sysctls, tty as controlling terminal;
//   - exit codes 126/127 with docker's messages.
//
// File descriptors, passed by nspawn's LISTEN_FDS mechanism (fd 3 onwards):
//   3 config (InitConfig as JSON)   4 status pipe to the monitor
//   5 stdin  6 stdout  7 stderr     (nspawn's own 0-2 carry its diagnostics)
//   With a tty, 5 is instead a unix socket: the init opens a pty in the
//   container's devpts and sends the master back (runc's console socket).
// Status protocol: the init writes "started\n" when it runs, then either
// nothing (the pipe closes on a successful execve) or
// "error <exit code> <message>\n" before exiting with that code.

#include <map>
#include <string>
#include <vector>

#include "racker/util/error.h"

namespace racker::runtime {

inline constexpr int kInitConfigFd = 3;
inline constexpr int kInitStatusFd = 4;
inline constexpr int kInitStdinFd = 5;
inline constexpr int kInitStdoutFd = 6;
inline constexpr int kInitStderrFd = 7;
inline constexpr int kInitFdCount = 5;

struct InitConfig {
  std::vector<std::string> args;
  std::vector<std::string> env;
  std::string user, working_dir, domainname;
  bool tty = false;
  bool init = false;  // stay PID 1, reap, forward signals
  bool group = false;  // a group's machine: run the group init (group_init.h), exec nothing
  std::vector<int> capabilities;
  std::map<std::string, std::string> sysctls;
  std::vector<std::string> unmount;  // racker's own bind mounts to drop before exec
  bool operator==(const InitConfig&) const = default;
};

std::string init_config_to_json(const InitConfig& config);
Result<InitConfig> init_config_from_json(const std::string& text);

// What the monitor read from the status pipe.
struct InitReport {
  bool started = false;
  int exit_code = 0;      // non-zero when the init failed to start the payload
  std::string message;    // docker's words for that failure
};
InitReport parse_init_report(const std::string& text);

// The init's main. Returns the exit code only on failure (or, with `init`,
// the payload's exit code); on success the payload replaces this process.
int run_container_init();

}  // namespace racker::runtime
