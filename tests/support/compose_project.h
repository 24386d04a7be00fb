#pragma once
// A compose project for end-to-end tests: its own RACKER_ROOT and RACKER_RUN,
// the host's busybox as image "rk-busybox", `racker compose` run as a child,
// and everything torn down (down -v, supervisor gone) whatever the test did.
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "racker/runtime/project_supervisor.h"
#include "support/container_harness.h"
#include "support/container_images.h"

namespace racker::test {

using Clock = std::chrono::steady_clock;

#define REQUIRE_CONTAINER_HOST()                \
  do {                                          \
    std::string why;                            \
    if (!container_tests_possible(&why)) {      \
      WARN("skipping compose test: " << why);   \
      return;                                   \
    }                                           \
  } while (0)

// Waits (10 s at most) for project `name`'s supervisor to go, then kills
// what is left of it and reaps this process's orphans.
inline void finish_supervisor(const std::string& name) {
  auto deadline = Clock::now() + std::chrono::seconds(10);
  while (racker::runtime::supervisor_pid(name) != 0 && Clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  if (pid_t pid = racker::runtime::supervisor_pid(name)) ::kill(pid, SIGKILL);
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  reap_orphans();
}

// Stops the host DNS daemon that serves `run_dir` (its pid is in
// dns.lock), if one runs: it would otherwise linger for its idle time after
// the test removed the run directory.
inline void finish_dns_daemon(const std::string& run_dir) {
  std::ifstream lock(run_dir + "/dns.lock");
  pid_t pid = 0;
  if (!(lock >> pid) || pid <= 1) return;
  std::ifstream cmdline("/proc/" + std::to_string(pid) + "/cmdline");
  std::string argv((std::istreambuf_iterator<char>(cmdline)), std::istreambuf_iterator<char>());
  if (argv.find("dns-daemon") == std::string::npos) return;
  ::kill(pid, SIGTERM);
  auto deadline = Clock::now() + std::chrono::seconds(5);
  while (process_alive(pid) && Clock::now() < deadline) {
    reap_orphans();
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  if (process_alive(pid)) ::kill(pid, SIGKILL);
}

// One compose project under a throwaway RACKER_ROOT / RACKER_RUN, torn down
// (down -v, supervisor gone) whatever the test did.
class Project {
 public:
  Project(const std::string& name, const std::string& yaml) : name_(name) {
    run_dir_ = root_.path() + "/run";
    ::mkdir(run_dir_.c_str(), 0700);
    ::setenv("RACKER_RUN", run_dir_.c_str(), 1);  // for supervisor_pid() in this process
    dir_ = root_.path() + "/" + name;
    ::mkdir(dir_.c_str(), 0755);
    write(yaml);
    TestImage image;
    image.tag = "rk-busybox:latest";
    auto id = add_busybox_image(root_.path(), image);
    if (!id) FAIL(id.error().to_string());
  }
  ~Project() {
    (void)compose({"down", "-v", "-t", "1", "--remove-orphans"}, std::chrono::seconds(60));
    finish_supervisor(name_);
    finish_dns_daemon(run_dir_);
  }

  void write(const std::string& yaml) { write_file("compose.yaml", yaml); }
  // A file in the project directory (.env, env files, other compose files).
  void write_file(const std::string& name, const std::string& text) { std::ofstream(dir_ + "/" + name) << text; }
  CommandResult compose(std::vector<std::string> args,
                        std::chrono::milliseconds timeout = std::chrono::seconds(90)) const {
    return compose_with("compose.yaml", std::move(args), {}, timeout);
  }
  // `racker compose -f <file> -p <name> args...` with extra environment.
  CommandResult compose_with(const std::string& file, std::vector<std::string> args, std::vector<std::string> env,
                             std::chrono::milliseconds timeout = std::chrono::seconds(90)) const {
    std::vector<std::string> argv = {RACKER_BINARY, "compose", "-f", dir_ + "/" + file, "-p", name_};
    argv.insert(argv.end(), args.begin(), args.end());
    env.push_back("RACKER_ROOT=" + root_.path());
    env.push_back("RACKER_RUN=" + run_dir_);
    auto r = run_command(argv, env, "", timeout);
    reap_orphans();
    return r;
  }
  CommandResult racker(std::vector<std::string> args) const {
    std::vector<std::string> argv = {RACKER_BINARY};
    argv.insert(argv.end(), args.begin(), args.end());
    return run_command(argv, {"RACKER_ROOT=" + root_.path(), "RACKER_RUN=" + run_dir_});
  }
  // "{{.State.Status}}" of a container.
  std::string inspect(const std::string& container, const std::string& format) const {
    auto r = racker({"inspect", "-f", format, container});
    std::string out = r.out;
    while (!out.empty() && out.back() == '\n') out.pop_back();
    return out;
  }
  const std::string& root() const { return root_.path(); }
  const std::string& run_dir() const { return run_dir_; }
  const std::string& name() const { return name_; }
  const std::string& dir() const { return dir_; }

 private:
  RackerRoot root_;
  std::string name_, dir_, run_dir_;
};

// `up -d`, required to succeed, its output shown when it does not.
inline CommandResult bring_up(const Project& p) {
  auto r = p.compose({"up", "-d"});
  INFO(r.out << r.err);
  REQUIRE(r.exit_code == 0);
  return r;
}

inline size_t pos(const std::string& text, const std::string& needle) {
  auto p = text.find(needle);
  INFO(needle);
  CHECK(p != std::string::npos);
  return p;
}

// busybox wget from the host to a published port; empty on failure.
inline std::string fetch(const std::string& address, int seconds) {
  auto r = run_command({"/usr/bin/timeout", std::to_string(seconds), "busybox", "wget", "-qO-", "http://" + address + "/"},
                       {});
  return r.exit_code == 0 ? trimmed(r.out) : "";
}

// Polls until `done` or 30 s.
template <class F>
bool eventually(F done) {
  auto deadline = Clock::now() + std::chrono::seconds(30);
  while (Clock::now() < deadline) {
    if (done()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return done();
}


}  // namespace racker::test
