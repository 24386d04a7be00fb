// Detached containers on real systemd-nspawn: logs, stop and its grace
// period, kill, exec, restart, inspect, wait, top. Root only.
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <fstream>
#include <thread>

#include "support/container_harness.h"
#include "support/container_images.h"

using namespace racker::test;
using Clock = std::chrono::steady_clock;

namespace {

#define REQUIRE_CONTAINER_HOST()                \
  do {                                          \
    std::string why;                            \
    if (!container_tests_possible(&why)) {      \
      WARN("skipping container test: " << why); \
      return;                                   \
    }                                           \
  } while (0)

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

}  // namespace

TEST_CASE("a detached container logs, follows and stops within its grace period", "[container][lifecycle]") {
  REQUIRE_CONTAINER_HOST();
  BusyboxRoot racker;
  auto run = racker({"run", "-d", "--name", "ticker", "rk-busybox", "sh", "-c",
                     "trap 'echo stopping; exit 0' TERM; i=0; while true; do echo tick $i; i=$((i+1)); sleep 0.1; done"});
  REQUIRE(run.exit_code == 0);
  REQUIRE(trimmed(run.out).size() == 64);
  CHECK(run.err.empty());

  auto ps = racker({"ps", "--format", "json"});
  CHECK(ps.out.find("\"Names\":\"ticker\"") != std::string::npos);
  CHECK(ps.out.find("\"State\":\"running\"") != std::string::npos);

  // logs -f runs until the container stops; stop it from another thread.
  std::thread stopper([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(600));
    auto start = Clock::now();
    auto stop = racker({"stop", "ticker"});
    CHECK(stop.exit_code == 0);
    CHECK(stop.out == "ticker\n");
    CHECK(seconds_since(start) < 3.0);  // the payload handles SIGTERM at once
  });
  auto follow = racker({"logs", "-f", "ticker"}, std::chrono::seconds(20));
  stopper.join();
  CHECK_FALSE(follow.timed_out);
  CHECK(follow.out.rfind("tick 0\ntick 1\n", 0) == 0);
  CHECK(follow.out.find("stopping\n") != std::string::npos);

  CHECK(trimmed(racker({"inspect", "-f", "{{.State.Status}} {{.State.ExitCode}}", "ticker"}).out) == "exited 0");
  auto tail = racker({"logs", "--tail", "1", "ticker"});
  CHECK(tail.out == "stopping\n");
  auto stamped = racker({"logs", "-t", "--tail", "1", "ticker"});
  CHECK(stamped.out.find("Z stopping\n") != std::string::npos);
  CHECK(racker({"rm", "ticker"}).exit_code == 0);
  CHECK(mounts_with_prefix(racker.root.path()).empty());
}

TEST_CASE("a payload that ignores SIGTERM is killed after the stop timeout", "[container][lifecycle]") {
  REQUIRE_CONTAINER_HOST();
  BusyboxRoot racker;
  REQUIRE(racker({"run", "-d", "--name", "stubborn", "rk-busybox", "sh", "-c", "trap '' TERM; while true; do sleep 0.1; done"}).exit_code == 0);
  auto start = Clock::now();
  auto stop = racker({"stop", "-t", "1", "stubborn"});
  double took = seconds_since(start);
  CHECK(stop.exit_code == 0);
  CHECK(took >= 1.0);
  CHECK(took < 4.0);
  CHECK(trimmed(racker({"inspect", "-f", "{{.State.ExitCode}}", "stubborn"}).out) == "137");
  CHECK(racker({"ps", "-q"}).out.empty());
  CHECK(racker({"rm", "stubborn"}).exit_code == 0);
}

TEST_CASE("exec runs commands inside a running container", "[container][exec]") {
  REQUIRE_CONTAINER_HOST();
  BusyboxRoot racker;
  REQUIRE(racker({"run", "-d", "--name", "box", "-e", "FROM_RUN=1", "-w", "/tmp", "rk-busybox", "sleep", "1000"}).exit_code == 0);

  auto env = racker({"exec", "-e", "EXTRA=2", "box", "sh", "-c", "echo $FROM_RUN $EXTRA; pwd; hostname; cat /proc/1/cmdline"});
  CHECK(env.exit_code == 0);
  CHECK(env.out.rfind("1 2\n/tmp\n", 0) == 0);
  CHECK(env.out.find("sleep") != std::string::npos);  // same PID namespace: PID 1 is the payload

  auto user = racker({"exec", "-u", "app", "-w", "/home/app", "box", "sh", "-c", "id -u; pwd"});
  CHECK(user.out == "1000\n/home/app\n");

  CHECK(racker({"exec", "box", "sh", "-c", "exit 7"}).exit_code == 7);
  auto missing = racker({"exec", "box", "nosuchcommand"});
  CHECK(missing.exit_code == 127);
  CHECK(missing.err.find("exec: \"nosuchcommand\": executable file not found in $PATH") != std::string::npos);

  auto input = racker.root.racker({"exec", "-i", "box", "cat"}, "piped input\n");
  CHECK(input.out == "piped input\n");

  // A file written by exec is seen by the container and survives until rm.
  CHECK(racker({"exec", "box", "sh", "-c", "echo hi > /tmp/from-exec"}).exit_code == 0);
  CHECK(racker({"exec", "box", "cat", "/tmp/from-exec"}).out == "hi\n");

  auto top = racker({"top", "box"});
  CHECK(top.exit_code == 0);
  CHECK(top.out.find("sleep 1000") != std::string::npos);

  CHECK(racker({"kill", "box"}).exit_code == 0);
  CHECK(trimmed(racker({"wait", "box"}).out) == "137");
  auto not_running = racker({"exec", "box", "true"});
  CHECK(not_running.exit_code != 0);
  CHECK(not_running.err.find("is not running") != std::string::npos);
}

TEST_CASE("start, restart and rm follow docker's rules", "[container][lifecycle]") {
  REQUIRE_CONTAINER_HOST();
  BusyboxRoot racker;
  REQUIRE(racker({"run", "-d", "--name", "again", "rk-busybox", "sh", "-c", "echo run; sleep 1000"}).exit_code == 0);
  auto rm_running = racker({"rm", "again"});
  CHECK(rm_running.exit_code == 1);
  CHECK(rm_running.err ==
        "Error response from daemon: cannot remove container \"/again\": container is running: stop the container "
        "before removing or force remove\n");
  auto conflict = racker({"run", "--name", "again", "rk-busybox", "true"});
  CHECK(conflict.exit_code == 125);
  CHECK(conflict.err.find("Conflict. The container name \"/again\" is already in use by container") != std::string::npos);

  CHECK(racker({"restart", "-t", "0", "again"}).exit_code == 0);
  CHECK(trimmed(racker({"inspect", "-f", "{{.State.Running}}", "again"}).out) == "true");
  CHECK(racker({"stop", "-t", "0", "again"}).exit_code == 0);
  CHECK(racker({"start", "again"}).out == "again\n");
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  CHECK(racker({"logs", "again"}).out == "run\nrun\nrun\n");  // one line per start
  CHECK(racker({"rm", "-f", "again"}).exit_code == 0);

  auto missing = racker({"stop", "nosuch"});
  CHECK(missing.exit_code == 1);
  CHECK(missing.err == "Error response from daemon: No such container: nosuch\n");
  CHECK(racker({"rm", "-f", "nosuch"}).exit_code == 0);
  CHECK(mounts_with_prefix(racker.root.path()).empty());
}

TEST_CASE("a restart policy restarts a failing payload until it is stopped", "[container][lifecycle]") {
  REQUIRE_CONTAINER_HOST();
  BusyboxRoot racker;
  REQUIRE(racker({"run", "-d", "--name", "flaky", "--restart", "on-failure:2", "rk-busybox", "sh", "-c", "echo try; exit 3"}).exit_code == 0);
  CHECK(trimmed(racker({"wait", "flaky"}).out) == "3");
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  CHECK(trimmed(racker({"inspect", "-f", "{{.RestartCount}} {{.State.Status}}", "flaky"}).out) == "2 exited");
  CHECK(racker({"logs", "flaky"}).out == "try\ntry\ntry\n");
}
