// Container events from two snapshots, and the log presenter's lines.
#include <catch2/catch.hpp>

#include "racker/runtime/compose_events.h"
#include "racker/runtime/project_logs.h"
#include "racker/runtime/project_watch.h"

using namespace racker::runtime;

namespace {

ContainerInfo info(const std::string& id, ContainerStatus status, const std::string& started = "",
                   const std::string& finished = "") {
  ContainerInfo i;
  i.spec.id = id;
  i.spec.name = "p-" + id + "-1";
  i.spec.labels["com.docker.compose.service"] = id;
  i.state.status = status;
  i.state.started_at = started;
  i.state.finished_at = finished;
  return i;
}

std::string events(const std::map<std::string, ContainerInfo>& a, const std::map<std::string, ContainerInfo>& b) {
  std::string out;
  for (const auto& e : diff_snapshots(a, b)) {
    out += std::string(container_event_name(e.kind)) + " " + e.service;
    if (e.kind == ContainerEventKind::kExited) out += " " + std::to_string(e.exit_code);
    if (e.restarting) out += " restarting";
    out += "\n";
  }
  return out;
}

}  // namespace

TEST_CASE("watch: creation, start, exit and removal become events", "[compose][watch]") {
  std::map<std::string, ContainerInfo> none, created, running, exited;
  created["a"] = info("a", ContainerStatus::kCreated);
  running["a"] = info("a", ContainerStatus::kRunning, "t1");
  exited["a"] = info("a", ContainerStatus::kExited, "t1", "t2");
  exited["a"].state.exit_code = 3;
  CHECK(events(none, created) == "create a\n");
  CHECK(events(none, running) == "create a\nstart a\n");
  CHECK(events(created, running) == "start a\n");
  CHECK(events(created, exited) == "start a\ndie a 3\n");  // ran and ended between two polls
  CHECK(events(running, exited) == "die a 3\n");
  CHECK(events(exited, none) == "destroy a\n");
}

TEST_CASE("watch: restarts between two polls show as an exit then a start", "[compose][watch]") {
  std::map<std::string, ContainerInfo> before, restarting, again;
  before["a"] = info("a", ContainerStatus::kRunning, "t1");
  restarting["a"] = info("a", ContainerStatus::kRestarting, "t1", "t2");
  restarting["a"].state.exit_code = 1;
  again["a"] = info("a", ContainerStatus::kRunning, "t3");
  CHECK(events(before, restarting) == "die a 1 restarting\n");
  CHECK(events(restarting, again) == "start a restarting\n");
  CHECK(events(before, again) == "die a 0 restarting\nstart a restarting\n");
}

TEST_CASE("watch: a health change is an event", "[compose][watch]") {
  std::map<std::string, ContainerInfo> a, b;
  a["a"] = info("a", ContainerStatus::kRunning, "t1");
  b["a"] = a["a"];
  b["a"].state.health.status = "healthy";
  CHECK(events(a, b) == "health_status a\n");
}

TEST_CASE("logs: docker compose's prefixes, padded to the longest name", "[compose][logs]") {
  LogPresenter p(false, true, false);
  p.add("web-1");
  p.add("database-1");
  LogRecord r;
  r.message = "hello\n";
  CHECK(p.format("web-1", r) == "web-1       | hello\n");
  CHECK(p.format("database-1", r) == "database-1  | hello\n");
  r.message = "two\nlines\n";
  CHECK(p.format("web-1", r) == "web-1       | two\nweb-1       | lines\n");
  CHECK(p.status("web-1", "exited with code 0") == "web-1 exited with code 0\n");
  CHECK(log_name("p", "p-web-1") == "web-1");
  CHECK(log_name("p", "custom") == "custom");

  LogPresenter bare(false, false, true);
  r.message = "x\n";
  r.time = "2024-01-01T00:00:00Z";
  CHECK(bare.format("web-1", r) == "2024-01-01T00:00:00Z x\n");

  LogPresenter color(true, true, false);
  r.message = "x\n";
  CHECK(color.format("web-1", r) == "\033[36mweb-1  | \033[0mx\n");
  CHECK(color.format("db-1", r).rfind("\033[33m", 0) == 0);  // the next colour of the rainbow
}

TEST_CASE("watch: pausing and unpausing a running container are events", "[compose][watch]") {
  std::map<std::string, ContainerInfo> running, paused;
  running["a"] = info("a", ContainerStatus::kRunning, "t1");
  paused["a"] = running["a"];
  paused["a"].state.paused = true;
  CHECK(events(running, paused) == "pause a\n");
  CHECK(events(paused, running) == "unpause a\n");
  // A paused container killed between two polls only dies.
  std::map<std::string, ContainerInfo> exited;
  exited["a"] = info("a", ContainerStatus::kExited, "t1", "t2");
  CHECK(events(paused, exited) == "die a 0\n");
}

TEST_CASE("compose events: docker compose's text and JSON lines", "[compose][events]") {
  ::setenv("TZ", "UTC", 1);
  ::tzset();
  ContainerInfo c = info("web", ContainerStatus::kExited, "t1", "t2");
  c.spec.id = "0123abcd";
  c.spec.image = "busybox:latest";
  c.spec.labels["com.docker.compose.project"] = "p";
  c.spec.labels["org.example.team"] = "core";
  c.state.exit_code = 137;
  std::map<std::string, ContainerInfo> before, after;
  before["web"] = info("web", ContainerStatus::kRunning, "t1");
  before["web"].spec = c.spec;
  after["web"] = c;
  auto evs = diff_snapshots(before, after);
  REQUIRE(evs.size() == 1);
  auto when = std::chrono::system_clock::time_point(std::chrono::seconds(1704164645)) + std::chrono::microseconds(123400);
  CHECK(format_compose_event(evs[0], when, false) ==
        "2024-01-02 03:04:05.123400 container die 0123abcd "
        "(exitCode=137, image=busybox:latest, name=p-web-1, org.example.team=core)");
  CHECK(format_compose_event(evs[0], when, true) ==
        R"({"action":"die","attributes":{"exitCode":"137","image":"busybox:latest","name":"p-web-1",)"
        R"("org.example.team":"core"},"id":"0123abcd","service":"web","time":"2024-01-02T03:04:05.1234Z",)"
        R"("type":"container"})");
  ContainerEvent health = evs[0];
  health.kind = ContainerEventKind::kHealth;
  health.health = "healthy";
  CHECK(compose_event_action(health) == "health_status: healthy");
}
