// A compose service as container settings: names, labels, process,
// mounts, secrets, resources, restart policy, healthchecks, warnings.
#include "racker/runtime/service_container.h"

#include <catch2/catch.hpp>

#include "compose_fakes.h"

using namespace racker;
using namespace racker::runtime;
using racker::test::load_yaml;

namespace {

ServiceContainer translate(const compose::LoadedProject& l, const std::string& service, ServiceContainerOptions o = {}) {
  if (o.project_state_dir.empty()) o.project_state_dir = "/state/p";
  auto t = translate_service(l.project, *l.project.service(service), o);
  if (!t) FAIL(t.error().to_string());
  return *t;
}

const MountSpec* mount_at(const ServiceContainer& t, const std::string& target) {
  for (const auto& m : t.settings.mounts)
    if (m.target == target) return &m;
  return nullptr;
}

}  // namespace

TEST_CASE("service container: docker compose names and labels", "[compose][translate]") {
  auto l = load_yaml(R"(services:
  web:
    image: nginx
    labels: {team: a}
    depends_on:
      db: {condition: service_healthy, restart: true}
  db:
    image: postgres
    container_name: the-db
)");
  ServiceContainerOptions o;
  o.number = 2;
  o.config_hash = "abc";
  o.image_id = "sha256:img";
  auto t = translate(l, "web", o);
  CHECK(t.name == "p-web-2");
  const auto& labels = t.settings.labels;
  CHECK(labels.at("com.docker.compose.project") == "p");
  CHECK(labels.at("com.docker.compose.service") == "web");
  CHECK(labels.at("com.docker.compose.container-number") == "2");
  CHECK(labels.at("com.docker.compose.config-hash") == "abc");
  CHECK(labels.at("com.docker.compose.oneoff") == "False");
  CHECK(labels.at("com.docker.compose.project.working_dir") == "/p");
  CHECK(labels.at("com.docker.compose.project.config_files") == "/p/compose.yaml");
  CHECK(labels.at("com.docker.compose.depends_on") == "db:service_healthy:true");
  CHECK(labels.at("com.docker.compose.image") == "sha256:img");
  CHECK(labels.at("team") == "a");
  CHECK(translate(l, "db").name == "the-db");

  ServiceContainerOptions run;
  run.oneoff = true;
  run.slug = "0123456789abcdef0123456789abcdef";
  auto one = translate(l, "web", run);
  CHECK(one.name == "p-web-run-0123456789ab");
  CHECK(one.settings.labels.at("com.docker.compose.oneoff") == "True");
  CHECK(one.settings.labels.at("com.docker.compose.slug") == run.slug);
}

TEST_CASE("service container: process settings", "[compose][translate]") {
  auto l = load_yaml(R"(services:
  app:
    image: busybox
    entrypoint: ["/bin/sh", "-c"]
    command: ["echo hi"]
    environment:
      A: "1"
      B: ""
      RK_UNSET_IN_THIS_TEST:
    user: "1000:1000"
    working_dir: /srv
    hostname: apphost
    domainname: example.org
    tty: true
    stdin_open: true
    read_only: true
    privileged: true
    init: true
    cap_add: [NET_ADMIN]
    cap_drop: [ALL]
    stop_signal: SIGINT
    stop_grace_period: 1m30s
    ulimits:
      nofile: {soft: 1024, hard: 2048}
    sysctls:
      kernel.shm_rmid_forced: "1"
)");
  auto t = translate(l, "app");
  const auto& c = t.settings;
  REQUIRE(c.entrypoint);
  CHECK(*c.entrypoint == std::vector<std::string>{"/bin/sh", "-c"});
  CHECK(c.cmd == std::vector<std::string>{"echo hi"});
  // A name without a value stays bare: the merge removes it, the image's value too.
  CHECK(c.env == std::vector<std::string>{"A=1", "B=", "RK_UNSET_IN_THIS_TEST"});
  CHECK(*c.user == "1000:1000");
  CHECK(*c.working_dir == "/srv");
  CHECK(c.hostname == "apphost");
  CHECK(c.domainname == "example.org");
  CHECK((c.tty && c.open_stdin && c.read_only && c.privileged && c.init));
  CHECK(c.cap_add == std::vector<std::string>{"NET_ADMIN"});
  CHECK(c.cap_drop == std::vector<std::string>{"ALL"});
  CHECK(*c.stop_signal == "SIGINT");
  CHECK(*c.stop_timeout == 90);
  REQUIRE(c.ulimits.size() == 1);
  CHECK(c.ulimits[0].name == "nofile");
  CHECK(c.ulimits[0].soft == 1024);
  CHECK(c.ulimits[0].hard == 2048);
  CHECK(c.sysctls.at("kernel.shm_rmid_forced") == "1");
  CHECK(c.network_mode == "bridge");
}

TEST_CASE("service container: restart policies, from restart or deploy.restart_policy", "[compose][translate]") {
  auto l = load_yaml(R"(services:
  a:
    image: busybox
    restart: on-failure:3
  b:
    image: busybox
    deploy:
      restart_policy: {condition: on-failure, max_attempts: 5}
  c:
    image: busybox
    deploy:
      restart_policy: {condition: any}
  d:
    image: busybox
    restart: unless-stopped
)");
  auto a = translate(l, "a").settings.restart;
  CHECK(a.kind == RestartPolicy::Kind::kOnFailure);
  CHECK(a.max_retries == 3);
  auto b = translate(l, "b").settings.restart;
  CHECK(b.kind == RestartPolicy::Kind::kOnFailure);
  CHECK(b.max_retries == 5);
  CHECK(translate(l, "c").settings.restart.kind == RestartPolicy::Kind::kAlways);
  CHECK(translate(l, "d").settings.restart.kind == RestartPolicy::Kind::kUnlessStopped);
}

TEST_CASE("service container: resources from the service or deploy.resources.limits", "[compose][translate]") {
  auto l = load_yaml(R"(services:
  a:
    image: busybox
    mem_limit: 64m
    cpus: 0.5
    pids_limit: 100
    cpu_shares: 512
  b:
    image: busybox
    deploy:
      resources:
        limits: {cpus: "1.5", memory: 128M, pids: 50}
)");
  auto a = translate(l, "a").settings.resources;
  CHECK(a.memory_bytes == 64 * 1024 * 1024);
  CHECK(a.cpus == 0.5);
  CHECK(a.pids_limit == 100);
  CHECK(a.cpu_shares == 512);
  auto b = translate(l, "b").settings.resources;
  CHECK(b.memory_bytes == 128 * 1024 * 1024);
  CHECK(b.cpus == 1.5);
  CHECK(b.pids_limit == 50);
}

TEST_CASE("service container: named volumes get the project prefix, binds and tmpfs as written",
          "[compose][translate]") {
  auto l = load_yaml(R"(services:
  app:
    image: busybox
    volumes:
      - data:/data
      - ./conf:/etc/conf:ro
      - /cache
      - type: tmpfs
        target: /scratch
        tmpfs: {size: 1048576}
      - ext:/ext
    tmpfs: ["/run/app:size=64k"]
volumes:
  data: {}
  ext:
    external: true
    name: shared-ext
)");
  auto t = translate(l, "app");
  auto* data = mount_at(t, "/data");
  REQUIRE(data);
  CHECK(data->type == MountSpec::Type::kVolume);
  CHECK(data->source == "p_data");
  auto* conf = mount_at(t, "/etc/conf");
  REQUIRE(conf);
  CHECK(conf->type == MountSpec::Type::kBind);
  CHECK(conf->source == "/p/conf");
  CHECK(conf->read_only);
  CHECK(t.bind_dirs == std::vector<std::string>{"/p/conf"});
  auto* cache = mount_at(t, "/cache");
  REQUIRE(cache);
  CHECK(cache->type == MountSpec::Type::kVolume);
  CHECK(cache->anonymous);
  auto* scratch = mount_at(t, "/scratch");
  REQUIRE(scratch);
  CHECK(scratch->type == MountSpec::Type::kTmpfs);
  CHECK(scratch->tmpfs_options == "size=1048576");
  CHECK(mount_at(t, "/ext")->source == "shared-ext");
  auto* run = mount_at(t, "/run/app");
  REQUIRE(run);
  CHECK(run->tmpfs_options == "size=64k");
}

TEST_CASE("service container: secrets and configs become read-only files", "[compose][translate]") {
  auto l = load_yaml(R"(services:
  app:
    image: busybox
    secrets:
      - token
      - source: pass
        target: db_password
        mode: 0400
    configs:
      - source: conf
        target: /etc/app.conf
      - inline
secrets:
  token:
    file: ./token.txt
  pass:
    environment: DB_PASS
configs:
  conf:
    file: ./app.conf
  inline:
    content: "key=value"
)");
  compose::EnvMap env{{"DB_PASS", "s3cret"}};
  ServiceContainerOptions o;
  o.environment = &env;
  auto t = translate(l, "app", o);
  auto* token = mount_at(t, "/run/secrets/token");
  REQUIRE(token);
  CHECK(token->type == MountSpec::Type::kBind);
  CHECK(token->read_only);
  CHECK(token->source == "/p/token.txt");
  auto* pass = mount_at(t, "/run/secrets/db_password");
  REQUIRE(pass);
  CHECK(pass->source == "/state/p/secrets/pass");
  auto* conf = mount_at(t, "/etc/app.conf");
  REQUIRE(conf);
  CHECK(conf->source == "/p/app.conf");
  auto* inline_conf = mount_at(t, "/inline");
  REQUIRE(inline_conf);
  CHECK(inline_conf->source == "/state/p/configs/inline");
  REQUIRE(t.files.size() == 2);
  CHECK(t.files[0].path == "/state/p/secrets/pass");
  CHECK(t.files[0].content == "s3cret");
  CHECK(t.files[0].mode == 0400);
  CHECK(t.files[1].content == "key=value");

  compose::EnvMap none;
  o.environment = &none;
  auto missing = translate_service(l.project, *l.project.service("app"), o);
  REQUIRE_FALSE(missing);
  CHECK(missing.error().message == "secret pass: environment variable DB_PASS is not set");
}

TEST_CASE("service container: healthcheck merges the service's fields over the image's", "[compose][translate]") {
  HealthcheckConfig image;
  image.test = {"CMD-SHELL", "curl -f localhost"};
  image.interval = std::chrono::seconds(5);
  image.retries = 7;
  auto merged = effective_healthcheck(std::nullopt, image);
  REQUIRE(merged);
  CHECK(merged->test == image.test);
  CHECK(merged->interval == std::chrono::seconds(5));
  CHECK(merged->timeout == std::chrono::seconds(30));
  CHECK(merged->retries == 7);

  compose::model::HealthCheck service;
  service.interval = std::chrono::seconds(1);
  merged = effective_healthcheck(service, image);
  REQUIRE(merged);
  CHECK(merged->test == image.test);
  CHECK(merged->interval == std::chrono::seconds(1));

  service.test = {"NONE"};
  CHECK_FALSE(effective_healthcheck(service, image));
  compose::model::HealthCheck off;
  off.disable = true;
  CHECK_FALSE(effective_healthcheck(off, image));
  CHECK_FALSE(effective_healthcheck(std::nullopt, std::nullopt));

  compose::model::HealthCheck own;
  own.test = {"CMD", "true"};
  own.start_period = std::chrono::seconds(10);
  own.start_interval = std::chrono::seconds(1);
  merged = effective_healthcheck(own, std::nullopt);
  REQUIRE(merged);
  CHECK(merged->retries == 3);
  CHECK(merged->start_period == std::chrono::seconds(10));
  CHECK(merged->start_interval == std::chrono::seconds(1));
}

TEST_CASE("service container: keys racker cannot honour are warned about, not dropped silently", "[compose][translate]") {
  auto l = load_yaml(R"(services:
  app:
    image: busybox
    dns: [1.1.1.1]
    devices: ["/dev/null:/dev/null"]
    ports: ["8080:80"]
    network_mode: "container:other"
    sysctls:
      net.core.somaxconn: "1024"
  other:
    image: busybox
)");
  auto t = translate(l, "app");
  auto has = [&](const std::string& needle) {
    for (const auto& w : t.warnings)
      if (w.find(needle) != std::string::npos) return true;
    return false;
  };
  CHECK_FALSE(has("service \"app\": dns is ignored"));
  CHECK(has("service \"app\": devices is ignored"));
  CHECK_FALSE(has("ports: 8080:80 is not published"));
  CHECK(has("network_mode \"container:other\" is not supported yet"));
  CHECK_FALSE(has("sysctl net.core.somaxconn is ignored"));  // the container has its own namespace
  CHECK(t.settings.sysctls.size() == 1);
}
