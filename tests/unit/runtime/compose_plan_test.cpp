// The planner: desired project against observed containers, pinned as plan text.
#include "racker/runtime/compose_plan.h"

#include <catch2/catch.hpp>

#include "compose_fakes.h"

using namespace racker;
using namespace racker::runtime;
using racker::test::load_yaml;

namespace {

const char* kStack = R"(services:
  db:
    image: busybox
  web:
    image: busybox
    depends_on:
      db:
        condition: service_healthy
  worker:
    image: busybox
    depends_on: [db]
)";

struct Fixture {
  compose::LoadedProject loaded;
  compose::DependencyGraph graph;
  DesiredState desired;
  std::vector<ObservedContainer> observed;

  explicit Fixture(const std::string& yaml = kStack) : loaded(load_yaml(yaml)), graph(build(loaded)) {
    for (const auto& [name, s] : loaded.project.services) desired.config_hashes[name] = "h-" + name;
    desired.local_images["busybox"] = "sha256:bb";
  }
  static compose::DependencyGraph build(const compose::LoadedProject& l) {
    auto g = compose::DependencyGraph::build(l.project);
    if (!g) FAIL(g.error().to_string());
    return *g;
  }
  void have(const std::string& service, int number, ContainerStatus status = ContainerStatus::kRunning,
            std::string hash = "") {
    ObservedContainer c;
    c.service = service;
    c.number = number;
    c.name = "p-" + service + "-" + std::to_string(number);
    c.id = "id-" + c.name;
    c.config_hash = hash.empty() ? "h-" + service : hash;
    c.image_id = "sha256:bb";
    c.status = status;
    observed.push_back(c);
  }
  std::string plan(const PlanOptions& o = {}) {
    auto p = reconcile(loaded.project, graph, desired, observed, o);
    if (!p) return "error: " + p.error().message;
    return p->to_string();
  }
};

}  // namespace

TEST_CASE("plan: a fresh project creates every container and starts services in dependency order", "[compose][plan]") {
  Fixture f;
  CHECK(f.plan() ==
        "create db-1 p-db-1 (no existing container)\n"
        "start db\n"
        "create web-1 p-web-1 (no existing container)\n"
        "start web after db:service_healthy\n"
        "create worker-1 p-worker-1 (no existing container)\n"
        "start worker after db:service_started\n");
}

TEST_CASE("plan: running containers with the same config hash are kept", "[compose][plan]") {
  Fixture f;
  f.have("db", 1);
  f.have("web", 1);
  f.have("worker", 1);
  CHECK(f.plan() == "start db\nstart web after db:service_healthy\nstart worker after db:service_started\n");
}

TEST_CASE("plan: a changed config hash recreates only that service", "[compose][plan]") {
  Fixture f;
  f.have("db", 1);
  f.have("web", 1, ContainerStatus::kRunning, "old");
  f.have("worker", 1);
  CHECK(f.plan() ==
        "start db\n"
        "recreate web-1 p-web-1 (config changed)\n"
        "start web after db:service_healthy\n"
        "start worker after db:service_started\n");
}

TEST_CASE("plan: a new image id recreates the container", "[compose][plan]") {
  Fixture f;
  f.have("db", 1);
  f.observed.back().image_id = "sha256:older";
  auto plan = reconcile(f.loaded.project, f.graph, f.desired, f.observed, {});
  REQUIRE(plan);
  REQUIRE(plan->step("db")->ops.size() == 1);
  CHECK(plan->step("db")->ops[0].kind == OpKind::kRecreate);
}

TEST_CASE("plan: stopped containers are started again, not recreated", "[compose][plan]") {
  Fixture f;
  f.have("db", 1, ContainerStatus::kExited);
  f.have("web", 1);
  f.have("worker", 1, ContainerStatus::kCreated);
  CHECK(f.plan() ==
        "start db-1 p-db-1 (not running)\n"
        "start db\n"
        "start web after db:service_healthy\n"
        "start worker-1 p-worker-1 (not running)\n"
        "start worker after db:service_started\n");
}

TEST_CASE("plan: --force-recreate recreates the selected services, their dependencies stay", "[compose][plan]") {
  Fixture f;
  f.have("db", 1);
  f.have("web", 1);
  f.have("worker", 1);
  PlanOptions o;
  o.recreate = RecreatePolicy::kForce;
  o.services = {"web"};
  CHECK(f.plan(o) == "start db\nrecreate web-1 p-web-1 (forced)\nstart web after db:service_healthy\n");
  o.recreate_deps = RecreatePolicy::kForce;  // --always-recreate-deps
  CHECK(f.plan(o) ==
        "recreate db-1 p-db-1 (forced)\nstart db\nrecreate web-1 p-web-1 (forced)\nstart web after db:service_healthy\n");
}

TEST_CASE("plan: --no-recreate keeps diverged containers", "[compose][plan]") {
  Fixture f;
  f.have("db", 1, ContainerStatus::kRunning, "old");
  f.have("web", 1, ContainerStatus::kRunning, "old");
  f.have("worker", 1, ContainerStatus::kRunning, "old");
  PlanOptions o;
  o.recreate = o.recreate_deps = RecreatePolicy::kNever;
  CHECK(f.plan(o) == "start db\nstart web after db:service_healthy\nstart worker after db:service_started\n");
}

TEST_CASE("plan: --no-deps plans the selected service alone and waits on nothing outside", "[compose][plan]") {
  Fixture f;
  PlanOptions o;
  o.services = {"web"};
  o.no_deps = true;
  CHECK(f.plan(o) == "create web-1 p-web-1 (no existing container)\nstart web\n");
  o.no_deps = false;
  CHECK(f.plan(o) ==
        "create db-1 p-db-1 (no existing container)\nstart db\n"
        "create web-1 p-web-1 (no existing container)\nstart web after db:service_healthy\n");
}

TEST_CASE("plan: --scale adds replicas after the highest number and removes the highest first", "[compose][plan]") {
  Fixture f;
  f.have("db", 1);
  f.have("db", 2);
  f.have("web", 1);
  f.have("worker", 1);
  PlanOptions o;
  o.scale["db"] = 4;
  o.services = {"db"};
  CHECK(f.plan(o) ==
        "create db-3 p-db-3 (no existing container)\ncreate db-4 p-db-4 (no existing container)\nstart db\n");
  o.scale["db"] = 1;
  CHECK(f.plan(o) == "remove db-2 p-db-2 (scale down)\nstart db\n");
  o.scale["db"] = 0;
  CHECK(f.plan(o) == "remove db-1 p-db-1 (scale down)\nremove db-2 p-db-2 (scale down)\n");
  o.scale = {{"nope", 2}};
  CHECK(f.plan(o) == "error: no such service: nope");
}

TEST_CASE("plan: scaling down removes obsolete containers before current ones", "[compose][plan]") {
  Fixture f;
  f.have("db", 1, ContainerStatus::kRunning, "old");
  f.have("db", 2);
  PlanOptions o;
  o.scale["db"] = 1;
  o.services = {"db"};
  CHECK(f.plan(o) == "remove db-1 p-db-1 (scale down)\nstart db\n");
}

TEST_CASE("plan: deploy.replicas and scale set the replica count", "[compose][plan]") {
  Fixture f(R"(services:
  front:
    image: busybox
    deploy:
      replicas: 2
  admin:
    image: busybox
    deploy:
      replicas: 0
)");
  CHECK(f.plan() ==
        "create front-1 p-front-1 (no existing container)\ncreate front-2 p-front-2 (no existing container)\n"
        "start front\n");
}

TEST_CASE("plan: container_name cannot scale", "[compose][plan]") {
  Fixture f("services:\n  db:\n    image: busybox\n    container_name: mydb\n");
  PlanOptions o;
  o.scale["db"] = 2;
  CHECK(f.plan(o) == "error: services.deploy.replicas: can't set container_name and db as container name must be unique");
  o.scale["db"] = 1;
  CHECK(f.plan(o) == "create db-1 mydb (no existing container)\nstart db\n");
}

TEST_CASE("plan: orphans are removed with --remove-orphans, else reported", "[compose][plan]") {
  Fixture f;
  f.have("db", 1);
  f.have("web", 1);
  f.have("worker", 1);
  f.have("old", 1);
  f.have("old", 2, ContainerStatus::kExited);
  auto plan = reconcile(f.loaded.project, f.graph, f.desired, f.observed, {});
  REQUIRE(plan);
  REQUIRE(plan->warnings.size() == 1);
  CHECK(plan->warnings[0] ==
        "Found orphan containers ([p-old-1 p-old-2]) for this project. If you removed or renamed this service in "
        "your compose file, you can run this command with the --remove-orphans flag to clean it up.");
  PlanOptions o;
  o.remove_orphans = true;
  CHECK(f.plan(o) ==
        "remove old-1 p-old-1 (orphan)\nremove old-2 p-old-2 (orphan)\n"
        "start db\nstart web after db:service_healthy\nstart worker after db:service_started\n");
}

TEST_CASE("plan: one-off containers are neither replicas nor orphans", "[compose][plan]") {
  Fixture f;
  f.have("db", 1);
  f.have("db", 7);
  f.observed.back().oneoff = true;
  f.observed.back().name = "p-db-run-0123456789ab";
  PlanOptions o;
  o.services = {"db"};
  CHECK(f.plan(o) == "start db\n");
}

TEST_CASE("plan: --no-start creates without starting", "[compose][plan]") {
  Fixture f;
  PlanOptions o;
  o.no_start = true;
  o.services = {"db"};
  CHECK(f.plan(o) == "create db-1 p-db-1 (no existing container)\n");
}

TEST_CASE("plan: --pull always pulls each image once, missing only absent ones, never none", "[compose][plan]") {
  Fixture f(R"(services:
  a:
    image: busybox
  b:
    image: busybox
  c:
    image: alpine
  d:
    image: nginx
    pull_policy: always
)");
  PlanOptions o;
  auto text = f.plan(o);  // missing (the default) pulls what is not there, plus policy always
  CHECK(text.find("pull alpine (missing)\n") != std::string::npos);
  CHECK(text.find("pull nginx (pull policy always)\n") != std::string::npos);
  CHECK(text.find("pull busybox") == std::string::npos);
  o.pull = "always";
  text = f.plan(o);
  CHECK(text.find("pull busybox (pull policy always)\n") != std::string::npos);
  CHECK(text.find("pull alpine") != std::string::npos);
  o.pull = "never";
  text = f.plan(o);
  CHECK(text.find("pull") == std::string::npos);
}

TEST_CASE("plan: a service that must be built is refused", "[compose][plan]") {
  Fixture f("services:\n  app:\n    build: .\n");
  CHECK(f.plan().find("error: service \"app\" needs its image built") == 0);
}

TEST_CASE("plan: selecting an unknown service fails with docker's words", "[compose][plan]") {
  Fixture f;
  PlanOptions o;
  o.services = {"nope"};
  CHECK(f.plan(o) == "error: no such service: nope");
}

TEST_CASE("plan_stop: dependents stop before their dependencies, orphans on request", "[compose][plan]") {
  Fixture f;
  f.have("db", 1);
  f.have("web", 1);
  f.have("worker", 1);
  f.have("old", 1);
  StopPlan all = plan_stop(f.loaded.project, f.graph, f.observed, {}, false, true);
  REQUIRE(all.steps.size() == 3);
  for (const auto& s : all.steps) {
    if (s.container.service == "db") CHECK(s.after == std::vector<std::string>{"web", "worker"});
    else CHECK(s.after.empty());
  }
  REQUIRE(all.warnings.size() == 1);
  StopPlan with = plan_stop(f.loaded.project, f.graph, f.observed, {}, true, true);
  CHECK(with.steps.size() == 4);
  CHECK(with.warnings.empty());
  StopPlan one = plan_stop(f.loaded.project, f.graph, f.observed, {"db"}, false, false);
  REQUIRE(one.steps.size() == 1);
  CHECK(one.steps[0].after.empty());  // its dependents are not being stopped
}

TEST_CASE("plan: depends_on restart: true restarts a running dependent when its dependency is recreated",
          "[compose][plan]") {
  Fixture f(R"(services:
  db:
    image: busybox
  app:
    image: busybox
    depends_on:
      db: {condition: service_started, restart: true}
  other:
    image: busybox
    depends_on: [db]
)");
  f.have("db", 1, ContainerStatus::kRunning, "old");
  f.have("app", 1);
  f.have("other", 1);
  CHECK(f.plan() ==
        "recreate db-1 p-db-1 (config changed)\nstart db\n"
        "restart app-1 p-app-1 (dependency db recreated)\nstart app after db:service_started\n"
        "start other after db:service_started\n");
}

TEST_CASE("plan: an external volume that does not exist fails the plan and names it", "[compose][plan]") {
  Fixture f(R"(name: p
services:
  db:
    image: busybox
    volumes: [data:/data, scratch:/scratch]
volumes:
  data:
    external: true
    name: shared-data
  scratch: {}
)");
  f.desired.volumes.emplace();  // known: none exist; `scratch` is the project's own, made on first use
  CHECK(f.plan() == "error: service \"db\": external volume \"shared-data\" not found");
  f.desired.volumes->insert("shared-data");
  CHECK(f.plan().rfind("create db-1", 0) == 0);
}
