// The executor and the up session on a fake driver: ordering by depends_on
// conditions, docker compose's error texts, --wait, aborts, and stops.
#include "racker/runtime/compose_executor.h"

#include <catch2/catch.hpp>
#include <csignal>
#include <filesystem>

#include "compose_fakes.h"
#include "racker/runtime/project_session.h"
#include "racker/runtime/project_supervisor.h"

using namespace racker;
using namespace racker::runtime;
using racker::test::FakeBackend;
using racker::test::FakeDriver;
using racker::test::load_yaml;
using racker::test::RecordingProgress;

namespace {

// A throwaway RACKER_RUN for the supervisor's socket and lock.
struct TempRun {
  std::string dir;
  TempRun() {
    char tmpl[] = "/tmp/racker-compose-test-XXXXXX";
    dir = ::mkdtemp(tmpl);
    ::setenv("RACKER_RUN", dir.c_str(), 1);
  }
  ~TempRun() {
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
  }
};

class RecordingOutput : public UpOutput {
 public:
  void on_progress(const std::string& kind, const std::string& name, const std::string& status) override {
    progress.on_progress(kind, name, status);
  }
  void on_warning(const std::string& text) override { progress.on_warning(text); }
  void on_log(const std::string& name, const LogRecord& r) override { logs.push_back(name + " " + r.message); }
  void on_status(const std::string& name, const std::string& text) override { statuses.push_back(name + " " + text); }
  void on_message(const std::string& text) override { messages.push_back(text); }
  RecordingProgress progress;
  std::vector<std::string> logs, statuses, messages;
};

struct Run {
  int code = -1;
  std::optional<Error> error;
  bool done = false;
};

// Runs `up` (plan + session) of `yaml` on the fake driver until the session ends.
struct Harness {
  TempRun run_dir;
  compose::LoadedProject loaded;
  compose::DependencyGraph graph;
  FakeDriver driver;
  FakeBackend backend;
  RecordingOutput out;
  HostNetworking networking;
  std::map<std::string, std::string> hash_override;  // a service whose configuration "changed"

  explicit Harness(const std::string& yaml, std::vector<std::string> profiles = {})
      : loaded(load_yaml(yaml, std::move(profiles))), graph(*compose::DependencyGraph::build(loaded.project)),
        backend(loaded.project) {}

  Plan plan(PlanOptions o = {}) {
    DesiredState desired;
    for (const auto& [name, s] : loaded.project.services) {
      desired.config_hashes[name] = hash_override.count(name) ? hash_override[name] : "hash-" + name;
      desired.local_images[service_image("p", s)] = "sha256:x";
    }
    std::vector<ContainerInfo> all = *driver.list(true);
    auto p = reconcile(loaded.project, graph, desired, observe_project("p", all), o);
    if (!p) FAIL(p.error().to_string());
    return *p;
  }

  // `interrupt_when`: called on every container event; returning true interrupts the session.
  Run up(UpSessionOptions options, PlanOptions po = {},
         std::function<bool(const ContainerEvent&)> interrupt_when = nullptr) {
    boost::asio::io_context io;
    SupervisorOptions so;
    so.poll_interval = std::chrono::milliseconds(10);
    so.parallel = 4;
    Run result;
    {
      ProjectSupervisor supervisor(io, driver, driver, "p", so);
      REQUIRE(supervisor.start());
      UpSession session(io, supervisor.ops_pool(), supervisor.watch(), driver, backend, networking, loaded.project,
                        graph, plan(po), options, out);
      if (interrupt_when)
        supervisor.watch().add_listener([&](const std::vector<ContainerEvent>& events) {
          for (const auto& e : events)
            if (interrupt_when(e)) session.interrupt();
        });
      session.run([&](int code, std::optional<Error> error) {
        result = {code, std::move(error), true};
        io.stop();
      });
      boost::asio::steady_timer guard(io);
      guard.expires_after(std::chrono::seconds(20));
      guard.async_wait([&](const boost::system::error_code& ec) {
        if (!ec) io.stop();
      });
      io.run();
      supervisor.stop();
      supervisor.join();
    }
    REQUIRE(result.done);
    return result;
  }
};

UpSessionOptions detached() {
  UpSessionOptions o;
  o.attach_phase = false;
  return o;
}

const char* kChain = R"(services:
  a:
    image: busybox
    healthcheck:
      test: ["CMD", "check"]
      interval: 10ms
  b:
    image: busybox
    healthcheck:
      test: ["CMD", "check"]
      interval: 10ms
    depends_on:
      a:
        condition: service_healthy
  c:
    image: busybox
    depends_on:
      b:
        condition: service_healthy
)";

}  // namespace

TEST_CASE("executor: a healthy chain a <- b <- c starts in order, each after its dependency is healthy",
          "[compose][executor]") {
  Harness h(kChain);
  h.driver.behave("p-a-1", {std::nullopt, {}, {1, 1, 0}, "", false});  // healthy on the third probe
  h.driver.behave("p-b-1", {std::nullopt, {}, {0}, "", false});
  auto r = h.up(detached());
  CHECK(r.code == 0);
  CHECK_FALSE(r.error);
  int start_a = h.driver.index_of("start p-a-1"), start_b = h.driver.index_of("start p-b-1"),
      start_c = h.driver.index_of("start p-c-1");
  REQUIRE(start_a >= 0);
  REQUIRE(start_b >= 0);
  REQUIRE(start_c >= 0);
  CHECK(start_a < start_b);
  CHECK(start_b < start_c);
  // b started only after a's probes passed: three probes of a come before it.
  auto calls = h.driver.calls();
  int probes_before_b = 0;
  for (int i = 0; i < start_b; ++i) probes_before_b += calls[i] == "exec p-a-1 check";
  CHECK(probes_before_b >= 3);
  CHECK(h.driver.index_of("create p-c-1") < start_c);
  CHECK(h.out.progress.has("Container p-a-1 Healthy"));
  CHECK(h.out.progress.index_of("Container p-a-1 Waiting") < h.out.progress.index_of("Container p-a-1 Healthy"));
}

TEST_CASE("executor: an init container that exits 0 unblocks its dependent (TestInitContainer)", "[compose][executor]") {
  Harness h(R"(services:
  foo:
    image: busybox
    command: echo hello
  bar:
    image: busybox
    command: echo world
    depends_on:
      foo:
        condition: service_completed_successfully
)");
  h.driver.behave("p-foo-1", {0, std::chrono::milliseconds(30), {}, "", false});
  h.driver.behave("p-bar-1", {0, {}, {}, "", false});
  auto r = h.up(UpSessionOptions{});
  CHECK(r.code == 0);
  CHECK(h.driver.index_of("start p-foo-1") < h.driver.index_of("start p-bar-1"));
  CHECK(h.out.progress.has("Container p-foo-1 Exited"));
  CHECK(h.out.messages.at(0) == "Attaching to foo-1, bar-1");
  CHECK(std::find(h.out.statuses.begin(), h.out.statuses.end(), "foo-1 exited with code 0") != h.out.statuses.end());
  CHECK(std::find(h.out.statuses.begin(), h.out.statuses.end(), "bar-1 exited with code 0") != h.out.statuses.end());
}

TEST_CASE("executor: services start as soon as their own dependencies are ready, not in waves", "[compose][executor]") {
  Harness h(R"(services:
  slow:
    image: busybox
    healthcheck:
      test: ["CMD", "check"]
      interval: 10ms
      retries: 10
  fast:
    image: busybox
  after_slow:
    image: busybox
    depends_on:
      slow:
        condition: service_healthy
  after_fast:
    image: busybox
    depends_on: [fast]
)");
  h.driver.behave("p-slow-1", {std::nullopt, {}, {1, 1, 1, 1, 0}, "", false});
  auto r = h.up(detached());
  CHECK(r.code == 0);
  // after_fast did not wait for slow to turn healthy.
  CHECK(h.driver.index_of("start p-after_fast-1") < h.driver.index_of("start p-after_slow-1"));
}

TEST_CASE("executor: a dependency that exits fails its dependent with docker's words (TestUpWithDependencyExit)",
          "[compose][executor]") {
  Harness h(R"(services:
  web:
    image: busybox
    depends_on:
      db:
        condition: service_healthy
  db:
    image: busybox
    command: sh -c "exit 1"
)");
  h.driver.behave("p-db-1", {1, {}, {}, "", false});
  auto r = h.up(detached());
  CHECK(r.code == 1);
  REQUIRE(r.error);
  CHECK(r.error->message == "dependency failed to start: container p-db-1 exited (1)");
  CHECK(h.driver.index_of("start p-web-1") == -1);
  CHECK(h.driver.by_name("p-web-1")->state.status == ContainerStatus::kCreated);
}

TEST_CASE("executor: an unhealthy dependency fails with docker's words (TestUpServiceUnhealthy)", "[compose][executor]") {
  Harness h(R"(services:
  fail:
    image: busybox
    healthcheck:
      test: "false"
      interval: 10ms
      retries: 3
  depends:
    image: busybox
    depends_on:
      fail:
        condition: service_healthy
)");
  h.driver.behave("p-fail-1", {std::nullopt, {}, {1}, "", false});
  auto r = h.up(detached());
  REQUIRE(r.error);
  CHECK(r.error->message == "dependency failed to start: container p-fail-1 is unhealthy");
  CHECK(h.driver.by_name("p-depends-1")->state.status == ContainerStatus::kCreated);
}

TEST_CASE("executor: a dependency that did not complete successfully fails with its exit code", "[compose][executor]") {
  Harness h(R"(services:
  init:
    image: busybox
  app:
    image: busybox
    depends_on:
      init:
        condition: service_completed_successfully
)");
  h.driver.behave("p-init-1", {3, {}, {}, "", false});
  auto r = h.up(detached());
  REQUIRE(r.error);
  CHECK(r.error->message == "service \"init\" didn't complete successfully: exit 3");
  CHECK(h.driver.index_of("start p-app-1") == -1);
}

TEST_CASE("executor: optional dependencies only warn (TestUpWithDependencyNotRequired)", "[compose][executor]") {
  Harness h(R"(services:
  foo:
    image: busybox
    command: echo foo
    depends_on:
      bar:
        required: false
        condition: service_healthy
  bar:
    image: busybox
    profiles: [not-required]
)",
            {"not-required"});
  auto r = h.up(detached());
  CHECK(r.code == 0);
  CHECK_FALSE(r.error);
  CHECK(h.driver.index_of("start p-foo-1") > h.driver.index_of("start p-bar-1"));
  REQUIRE(h.out.progress.warnings.size() == 1);
  CHECK(h.out.progress.warnings[0] ==
        "optional dependency \"bar\" failed to start: container p-bar-1 has no healthcheck configured");

  Harness without(R"(services:
  foo:
    image: busybox
    depends_on:
      bar:
        required: false
        condition: service_healthy
  bar:
    image: busybox
    profiles: [not-required]
)");
  auto r2 = without.up(detached());
  CHECK(r2.code == 0);
  CHECK(without.driver.index_of("start p-foo-1") >= 0);
  CHECK(without.driver.index_of("create p-bar-1") == -1);
}

TEST_CASE("executor: a start error stops the run with the driver's message", "[compose][executor]") {
  Harness h(R"(services:
  a:
    image: busybox
  b:
    image: busybox
    depends_on: [a]
)");
  h.driver.behave("p-a-1", {std::nullopt, {}, {}, "exec: \"nope\": executable file not found in $PATH", false});
  auto r = h.up(detached());
  REQUIRE(r.error);
  CHECK(r.error->message == "exec: \"nope\": executable file not found in $PATH");
  CHECK(h.driver.index_of("start p-b-1") == -1);
  CHECK(h.out.progress.has("Container p-a-1 Error"));
}

TEST_CASE("executor: pulls run before creation and a failed pull ends the run", "[compose][executor]") {
  Harness h("services:\n  a:\n    image: busybox\n  b:\n    image: alpine\n");
  PlanOptions o;
  o.pull = "always";
  h.backend.fail_pull = "alpine";
  auto r = h.up(detached(), o);
  REQUIRE(r.error);
  CHECK(r.error->message == "pull access denied for alpine");
  CHECK(h.out.progress.has("Image busybox Pulled"));
  CHECK(h.driver.index_of("create p-b-1") == -1);
}

TEST_CASE("executor: --wait ends once every service runs, is healthy or completed (TestUpWait)", "[compose][executor]") {
  Harness h(R"(services:
  oneshot:
    image: busybox
  longrunning:
    image: busybox
    depends_on:
      oneshot:
        condition: service_completed_successfully
    healthcheck:
      test: ["CMD", "check"]
      interval: 10ms
)");
  h.driver.behave("p-oneshot-1", {0, {}, {}, "", false});
  h.driver.behave("p-longrunning-1", {std::nullopt, {}, {1, 0}, "", false});
  UpSessionOptions o = detached();
  o.executor.wait = true;
  auto r = h.up(o);
  CHECK(r.code == 0);
  CHECK_FALSE(r.error);
  CHECK(h.driver.by_name("p-longrunning-1")->state.health.status == "healthy");
}

TEST_CASE("executor: --wait-timeout reports the application not healthy (TestUpWaitTimeout)", "[compose][executor]") {
  Harness h(R"(services:
  app:
    image: busybox
    healthcheck:
      test: ["CMD", "false"]
      interval: 10ms
      retries: 3
      start_period: 120s
)");
  h.driver.behave("p-app-1", {std::nullopt, {}, {1}, "", false});
  UpSessionOptions o = detached();
  o.executor.wait = true;
  o.executor.wait_timeout = std::chrono::milliseconds(300);
  auto r = h.up(o);
  REQUIRE(r.error);
  CHECK(r.error->message == "application not healthy after 300ms");
}

TEST_CASE("session: --abort-on-container-exit stops everything on the first exit (TestCascadeStop)",
          "[compose][session]") {
  Harness h(R"(services:
  running:
    image: busybox
  exit:
    image: busybox
    depends_on:
      running:
        condition: service_started
  fail:
    image: busybox
    depends_on:
      exit:
        condition: service_completed_successfully
)");
  h.driver.behave("p-exit-1", {0, std::chrono::milliseconds(20), {}, "", false});
  h.driver.behave("p-fail-1", {111, {}, {}, "", false});
  UpSessionOptions o;
  o.abort_on_exit = true;
  auto r = h.up(o);
  CHECK(r.code == 0);
  CHECK(std::find(h.out.statuses.begin(), h.out.statuses.end(), "exit-1 exited with code 0") != h.out.statuses.end());
  CHECK(std::find(h.out.messages.begin(), h.out.messages.end(), "Aborting on container exit...") != h.out.messages.end());
  CHECK(h.driver.by_name("p-running-1")->state.status == ContainerStatus::kExited);
  CHECK(h.out.progress.has("Container p-running-1 Stopped"));
}

TEST_CASE("session: --abort-on-container-failure keeps going on clean exits (TestCascadeFail)", "[compose][session]") {
  Harness h(R"(services:
  running:
    image: busybox
  exit:
    image: busybox
    depends_on:
      running:
        condition: service_started
  fail:
    image: busybox
    depends_on:
      exit:
        condition: service_completed_successfully
)");
  h.driver.behave("p-exit-1", {0, std::chrono::milliseconds(20), {}, "", false});
  h.driver.behave("p-fail-1", {111, std::chrono::milliseconds(20), {}, "", false});
  UpSessionOptions o;
  o.abort_on_failure = true;
  auto r = h.up(o);
  CHECK(r.code == 111);
  CHECK(std::find(h.out.statuses.begin(), h.out.statuses.end(), "exit-1 exited with code 0") != h.out.statuses.end());
  CHECK(std::find(h.out.statuses.begin(), h.out.statuses.end(), "fail-1 exited with code 111") != h.out.statuses.end());
  CHECK(h.driver.by_name("p-running-1")->state.status == ContainerStatus::kExited);
}

TEST_CASE("session: --exit-code-from returns that service's code (TestUpExitCodeFrom)", "[compose][session]") {
  Harness h(R"(services:
  safe:
    image: busybox
  failure:
    image: busybox
  test:
    image: busybox
    depends_on: [safe]
)");
  h.driver.behave("p-failure-1", {42, std::chrono::milliseconds(30), {}, "", false});
  UpSessionOptions o;
  o.abort_on_exit = true;
  o.exit_code_from = "failure";
  auto r = h.up(o);
  CHECK(r.code == 42);
}

TEST_CASE("session: an interrupt stops the services gracefully, dependents first, exit code 130", "[compose][session]") {
  Harness h(R"(services:
  db:
    image: busybox
  web:
    image: busybox
    depends_on: [db]
)");
  auto r = h.up(UpSessionOptions{}, {}, [](const ContainerEvent& e) {
    return e.kind == ContainerEventKind::kStarted && e.name == "p-web-1";
  });
  CHECK(r.code == 130);
  CHECK(h.driver.index_of("stop p-web-1") >= 0);
  CHECK(h.driver.index_of("stop p-web-1") < h.driver.index_of("stop p-db-1"));
  CHECK(h.out.progress.warnings.empty());
}

TEST_CASE("stop executor: independent containers stop in parallel, chains in order", "[compose][executor]") {
  Harness h(R"(services:
  db:
    image: busybox
  cache:
    image: busybox
  web:
    image: busybox
    depends_on: [db, cache]
)");
  (void)h.up(detached());
  auto all = *h.driver.list(true);
  StopPlan plan = plan_stop(h.loaded.project, h.graph, observe_project("p", all), {}, false, false);
  boost::asio::io_context io;
  boost::asio::thread_pool pool(4);
  RecordingProgress progress;
  StopOptions so;
  so.remove = true;
  StopExecutor stopper(io, pool, h.driver, h.networking, progress, plan, so);
  std::optional<Status> result;
  stopper.run([&](Status st) { result = st; });
  io.run();
  pool.join();
  REQUIRE(result);
  CHECK(*result);
  CHECK(h.driver.index_of("stop p-web-1") < h.driver.index_of("stop p-db-1"));
  CHECK(h.driver.index_of("stop p-web-1") < h.driver.index_of("stop p-cache-1"));
  CHECK(h.driver.list(true)->empty());
  CHECK(progress.has("Container p-db-1 Removed"));
}

TEST_CASE("executor: recreate replaces the container and keeps its number", "[compose][executor]") {
  Harness h("services:\n  a:\n    image: busybox\n");
  (void)h.up(detached());
  auto first = h.driver.by_name("p-a-1");
  REQUIRE(first);
  PlanOptions o;
  o.recreate = RecreatePolicy::kForce;
  auto r = h.up(detached(), o);
  CHECK(r.code == 0);
  auto second = h.driver.by_name("p-a-1");
  REQUIRE(second);
  CHECK(second->spec.id != first->spec.id);
  CHECK(h.out.progress.has("Container p-a-1 Recreated"));
  CHECK(h.driver.index_of("remove p-a-1") >= 0);
}

TEST_CASE("executor: a dependent with restart: true is restarted after its dependency is recreated",
          "[compose][executor]") {
  Harness h(R"(services:
  db:
    image: busybox
  app:
    image: busybox
    depends_on:
      db: {condition: service_started, restart: true}
)");
  (void)h.up(detached());
  h.hash_override["db"] = "changed";
  auto r = h.up(detached());
  CHECK(r.code == 0);
  CHECK(h.out.progress.has("Container p-db-1 Recreated"));
  CHECK(h.out.progress.has("Container p-app-1 Restarting"));
  auto calls = h.driver.calls();
  int stop_app = h.driver.index_of("stop p-app-1");
  REQUIRE(stop_app >= 0);
  int restarted = -1;
  for (int i = stop_app; i < static_cast<int>(calls.size()); ++i)
    if (calls[i] == "start p-app-1") restarted = i;
  CHECK(restarted > stop_app);
  CHECK(h.driver.by_name("p-app-1")->state.status == ContainerStatus::kRunning);
}
