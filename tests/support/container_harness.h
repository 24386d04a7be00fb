#pragma once
// Running the racker binary against a throwaway RACKER_ROOT, for container
// integration tests. The root's destructor force-removes every container,
// checks nothing is mounted below it any more, reaps detached monitors
// (the test process is a child subreaper, so they are reparented to it on
// hosts whose PID 1 does not reap) and deletes the directory.

#include <chrono>
#include <string>
#include <vector>

namespace racker::test {

struct CommandResult {
  int exit_code = -1;
  std::string out, err;
  bool timed_out = false;
};

// Runs `argv` (argv[0] a path) with `env_overrides` ("K=V") added to the
// environment, feeding `input` to stdin (closed after). Kills it at `timeout`.
CommandResult run_command(const std::vector<std::string>& argv, const std::vector<std::string>& env_overrides,
                          const std::string& input = "",
                          std::chrono::milliseconds timeout = std::chrono::seconds(60));

class RackerRoot {
 public:
  RackerRoot();
  ~RackerRoot();
  RackerRoot(const RackerRoot&) = delete;
  RackerRoot& operator=(const RackerRoot&) = delete;

  const std::string& path() const { return path_; }
  // `racker ARGS...` with RACKER_ROOT set.
  CommandResult racker(const std::vector<std::string>& args, const std::string& input = "",
                       std::chrono::milliseconds timeout = std::chrono::seconds(60)) const;

 private:
  std::string path_;
};

// A RackerRoot whose store holds the host's busybox as "rk-busybox:latest"
// (container_images.h); calling it runs `racker ARGS...` there.
struct BusyboxRoot {
  RackerRoot root;
  BusyboxRoot();
  CommandResult operator()(const std::vector<std::string>& args,
                           std::chrono::milliseconds timeout = std::chrono::seconds(60)) const {
    return root.racker(args, "", timeout);
  }
};

// `s` without trailing newlines and spaces.
inline std::string trimmed(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

// True while the host has a network link called `ifname`.
bool link_exists(const std::string& ifname);

// Reaps exited children (detached monitors reparented to this process).
void reap_orphans();

// Runs `command` under /bin/sh; the stdout and stderr of all of it go to
// `output`. Returns its exit status (-1 when it could not run or was killed).
int shell(const std::string& command, std::string* output = nullptr);
// The output (stdout and stderr) of `command`, for checks and diagnostics.
std::string shell_output(const std::string& command);

// True while `pid` is a live process (zombies count as dead: PID 1 here
// does not reap them).
bool process_alive(long pid);

// Mount points whose path starts with `prefix` (from /proc/self/mountinfo).
std::vector<std::string> mounts_with_prefix(const std::string& prefix);
// Processes whose command line contains `needle` (zombies included, shown
// with state Z), other than this process.
std::vector<std::string> processes_matching(const std::string& needle);

}  // namespace racker::test
