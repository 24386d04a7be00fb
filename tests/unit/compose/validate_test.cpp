// validate(): semantic checks over the bound model, every error at the
// offending key, all of them in file order.
#include "racker/compose/validate.h"

#include <catch2/catch.hpp>

#include "racker/compose/bind.h"
#include "racker/compose/source.h"

using namespace racker;
using namespace racker::compose;

namespace {

model::Project project_of(const std::string& yaml) {
  auto doc = parse_yaml(yaml, "compose.yaml");
  REQUIRE(doc.ok());
  auto p = compose::bind(*doc);
  if (!p.ok()) FAIL(p.error().to_string());
  return *p;
}

std::vector<std::string> problems(const std::string& yaml) {
  std::vector<std::string> out;
  for (const auto& e : validate(project_of(yaml))) {
    CHECK(e.code == Errc::kValidation);
    out.push_back(e.to_string());
  }
  return out;
}

using Lines = std::vector<std::string>;

}  // namespace

TEST_CASE("a consistent project has no problems", "[validate]") {
  CHECK(problems(R"(name: ok
services:
  web:
    image: nginx
    depends_on: {db: {condition: service_healthy}}
    links: ["db:database"]
    networks: {front: null}
    ports: [{target: 80, published: "8080"}, {target: 80, published: "8080", protocol: udp}]
    volumes: [{type: volume, source: data, target: /data}, {type: volume, target: /anon}]
    secrets: [{source: token}]
    configs: [{source: conf}]
    container_name: web
    restart: on-failure:3
  db:
    build: {context: /src, secrets: [{source: token}]}
    network_mode: "service:web"
    volumes_from: ["web:ro", "container:other"]
    ports: [{target: 5432, published: "5432", host_ip: 127.0.0.1}]
networks:
  front: {}
volumes:
  data: {}
secrets:
  token: {file: /t}
configs:
  conf: {content: x}
)").empty());
}

TEST_CASE("references to undefined services are errors at the reference", "[validate]") {
  CHECK(problems(R"(services:
  web:
    image: x
    depends_on:
      db: {condition: service_started}
      optional: {condition: service_started, required: false}
    links: [cache]
    volumes_from: ["store:ro"]
    network_mode: "service:proxy"
    ipc: "service:shm"
    pid: "service:pidns"
  other:
    image: x
    links: [cache]
    depends_on: {cache: {condition: service_started}}
)") == Lines{
             "compose.yaml:5:7: services.web.depends_on.db: service \"web\" depends on undefined service \"db\"",
             "compose.yaml:7:13: services.web.links[0]: service \"web\" links to undefined service \"cache\"",
             "compose.yaml:8:20: services.web.volumes_from[0]: service \"web\" mounts volumes from undefined "
             "service \"store\"",
             "compose.yaml:9:19: services.web.network_mode: service \"proxy\" not found for network_mode "
             "'service:proxy'",
             "compose.yaml:10:10: services.web.ipc: service \"shm\" not found for ipc 'service:shm'",
             "compose.yaml:11:10: services.web.pid: service \"pidns\" not found for pid 'service:pidns'",
             "compose.yaml:14:13: services.other.links[0]: service \"other\" links to undefined service "
             "\"cache\"",
         });
}

TEST_CASE("references to undefined networks, volumes, secrets and configs", "[validate]") {
  CHECK(problems(R"(services:
  web:
    image: x
    networks: [front]
    volumes:
      - {type: volume, source: data, target: /data}
      - {type: bind, source: /host, target: /host}
    secrets: [token]
    configs: [{source: conf, target: /c}]
    build: {context: ., secrets: [buildtoken]}
)") == Lines{
             "compose.yaml:4:16: services.web.networks.front: service \"web\" refers to undefined network "
             "\"front\"",
             "compose.yaml:6:9: services.web.volumes[0]: service \"web\" refers to undefined volume \"data\"",
             "compose.yaml:8:15: services.web.secrets[0]: service \"web\" refers to undefined secret "
             "\"token\"",
             "compose.yaml:9:15: services.web.configs[0]: service \"web\" refers to undefined config \"conf\"",
             "compose.yaml:10:35: services.web.build.secrets[0]: service \"web\" refers to undefined build "
             "secret \"buildtoken\"",
               });
}

TEST_CASE("service settings that exclude each other or disagree", "[validate]") {
  CHECK(problems(R"(services:
  noimage:
    restart: sometimes
  web:
    image: x
    network_mode: host
    networks: [default]
    cpus: 1
    mem_limit: 1g
    mem_reservation: 1m
    pids_limit: 10
    scale: 2
    deploy:
      replicas: 3
      resources:
        limits: {cpus: 2, memory: 2g, pids: 20}
        reservations: {memory: 2m}
  build:
    build: {context: ., dockerfile: Dockerfile, dockerfile_inline: FROM x, platforms: [linux/amd64],
            additional_contexts: {a: "service:none", b: "service:web", c: "/path"}}
    platform: linux/arm64
networks:
  default: {}
)") == Lines{
             "compose.yaml:2:3: services.noimage: service \"noimage\" has neither an image nor a build "
             "context specified",
             "compose.yaml:3:14: services.noimage.restart: invalid restart policy \"sometimes\": must be no, "
             "always, on-failure[:max-retries] or unless-stopped",
             "compose.yaml:6:5: services.web.network_mode: service \"web\" declares mutually exclusive "
             "network_mode and networks",
             "compose.yaml:8:11: services.web.cpus: can't set distinct values on 'cpus' and "
             "'deploy.resources.limits.cpus'",
             "compose.yaml:9:16: services.web.mem_limit: can't set distinct values on 'mem_limit' and "
             "'deploy.resources.limits.memory'",
             "compose.yaml:10:22: services.web.mem_reservation: can't set distinct values on "
             "'mem_reservation' and 'deploy.resources.reservations.memory'",
             "compose.yaml:11:17: services.web.pids_limit: can't set distinct values on 'pids_limit' and "
             "'deploy.resources.limits.pids'",
             "compose.yaml:12:12: services.web.scale: can't set distinct values on 'scale' and "
             "'deploy.replicas'",
             "compose.yaml:19:5: services.build.build: service \"build\" declares mutually exclusive "
             "dockerfile and dockerfile_inline",
             "compose.yaml:19:76: services.build.build.platforms: must include the service's platform "
             "\"linux/arm64\"",
             "compose.yaml:20:38: services.build.build.additional_contexts.a: service \"build\" declares "
             "unknown service \"none\" as additional context a",
             "compose.yaml:20:57: services.build.build.additional_contexts.b: service \"build\" declares "
             "non-buildable service \"web\" as additional context b",
               });
}

TEST_CASE("container names are unique and not combined with replicas", "[validate]") {
  CHECK(problems(R"(services:
  a:
    image: x
    container_name: shared
  b:
    image: x
    container_name: shared
  c:
    image: x
    container_name: c1
    scale: 2
  d:
    image: x
    container_name: d1
    deploy: {replicas: 2}
  e:
    image: x
    container_name: "-bad"
)") == Lines{
             "compose.yaml:7:21: services.b.container_name: container name \"shared\" is already in use by "
             "service \"a\"",
             "compose.yaml:10:5: services.c.container_name: can't set container_name and scale as container "
             "name must be unique",
             "compose.yaml:14:5: services.d.container_name: can't set container_name and deploy.replicas as "
             "container name must be unique",
             "compose.yaml:18:21: services.e.container_name: invalid container name \"-bad\": must match "
             "[a-zA-Z0-9][a-zA-Z0-9_.-]+",
               });
}

TEST_CASE("a mount target is used once per service", "[validate]") {
  CHECK(problems(R"(services:
  web:
    image: x
    tmpfs: [/run, "/tmp:size=64m"]
    volumes:
      - {type: bind, source: /a, target: /data}
      - {type: tmpfs, target: /tmp}
      - {type: bind, source: /b, target: /data}
)") == Lines{
             "compose.yaml:7:9: services.web.volumes[1]: target /tmp is already mounted by "
             "services.web.tmpfs[1]",
             "compose.yaml:8:9: services.web.volumes[2]: target /data is already mounted by "
             "services.web.volumes[0]",
               });
}

TEST_CASE("a published host port has one owner", "[validate]") {
  CHECK(problems(R"(services:
  a:
    image: x
    ports:
      - {target: 80, published: "8080"}
      - {target: 81, published: "9000-9005"}
      - {target: 82, published: "7000", host_ip: 127.0.0.1}
      - {target: 83, published: "6000", host_ip: "0.0.0.0"}
      - {target: 84, published: "0"}
  b:
    image: x
    ports:
      - {target: 80, published: "8080"}
      - {target: 80, published: "9005"}
      - {target: 80, published: "7000", host_ip: 127.0.0.2}
      - {target: 80, published: "6000", host_ip: "::"}
      - {target: 80, published: "0"}
      - {target: 80, published: "8081", host_ip: "not-an-ip"}
  c:
    image: x
    scale: 2
    ports:
      - {target: 80, published: "7000", host_ip: 127.0.0.1}
      - {target: 80, published: "5000-5001"}
      - {target: 80}
)") == Lines{
             "compose.yaml:13:9: services.b.ports[0]: published port 8080/tcp is already used by "
             "services.a.ports[0] (8080/tcp)",
             "compose.yaml:14:9: services.b.ports[1]: published port 9005/tcp is already used by "
             "services.a.ports[1] (9000-9005/tcp)",
             "compose.yaml:18:50: services.b.ports[5].host_ip: invalid ip address \"not-an-ip\"",
             "compose.yaml:23:9: services.c.ports[0]: published port 127.0.0.1:7000/tcp cannot be shared by "
             "2 replicas: publish a range or let the host port be chosen",
             "compose.yaml:23:9: services.c.ports[0]: published port 127.0.0.1:7000/tcp is already used by "
             "services.a.ports[2] (127.0.0.1:7000/tcp)",
               });
}

TEST_CASE("names of the project, services and resources", "[validate]") {
  CHECK(problems(R"(name: Bad_Name
services:
  "web app":
    image: x
networks:
  "my net": {}
)") == Lines{
             "compose.yaml:1:7: name: invalid project name \"Bad_Name\": must consist only of lowercase "
             "alphanumeric characters, hyphens, and underscores as well as start with a letter or number",
             "compose.yaml:3:3: services.web app: invalid service name \"web app\": only letters, digits, "
             "'.', '_' and '-' are allowed",
             "compose.yaml:6:3: networks.my net: invalid name \"my net\": only letters, digits, '.', '_' and "
             "'-' are allowed",
               });
}

TEST_CASE("secrets and configs declare exactly one source", "[validate]") {
  CHECK(problems(R"(services: {}
secrets:
  none: {}
  both: {file: /a, environment: A}
  ext: {external: true}
  driven: {driver: vault}
configs:
  none: {labels: {a: b}}
  both: {file: /a, content: x}
  resolved: {environment: A, content: value}
volumes:
  ext: {external: true, driver: local}
)") == Lines{
             "compose.yaml:3:3: secrets.none: one of file|environment must be set",
             "compose.yaml:4:3: secrets.both: file|environment attributes are mutually exclusive",
             "compose.yaml:8:3: configs.none: one of file|environment|content must be set",
             "compose.yaml:9:3: configs.both: file|environment|content attributes are mutually exclusive",
             "compose.yaml:12:25: volumes.ext.driver: conflicting parameters \"external\" and \"driver\" "
             "specified",
               });
}

TEST_CASE("a service run by a provider needs no image", "[validate]") {
  CHECK(problems("services:\n  ai:\n    provider: {type: model}\n").empty());
}
