// x-racker groups: the declaration is read from both places, and every
// mistake is an error at the key that makes it.
#include "racker/compose/groups.h"

#include <catch2/catch.hpp>

#include "racker/compose/bind.h"
#include "racker/compose/source.h"
#include "racker/compose/validate.h"

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
  for (const auto& e : validate(project_of(yaml))) out.push_back(e.to_string());
  return out;
}

using Lines = std::vector<std::string>;

}  // namespace

TEST_CASE("groups are declared at the top level and per service", "[groups]") {
  auto p = project_of(R"(x-racker:
  groups:
    back: {services: [db, worker]}
services:
  db: {image: x}
  worker: {image: x}
  web: {image: x, x-racker: {group: front}}
  api: {image: x, x-racker: {group: front}}
  alone: {image: x}
)");
  auto g = read_groups(p);
  CHECK(g.problems.empty());
  REQUIRE(g.groups.size() == 2);
  CHECK(g.groups["back"].services == std::vector<std::string>{"db", "worker"});
  CHECK(g.groups["front"].services == std::vector<std::string>{"api", "web"});
  CHECK(g.group_of.at("web") == "front");
  CHECK(g.group_of.count("alone") == 0);
  CHECK(validate(p).empty());
}

TEST_CASE("a project without x-racker has no groups", "[groups]") {
  auto g = read_groups(project_of("services:\n  web: {image: x}\n"));
  CHECK(g.empty());
  CHECK(g.problems.empty());
}

TEST_CASE("group mistakes are errors at their key", "[groups]") {
  CHECK(problems(R"(x-racker:
  groups:
    back:
      services: [db, nope]
      colour: blue
    front: {services: [db]}
    web: {services: [x]}
services:
  db: {image: x}
  web: {image: x}
  x: {image: x, network_mode: host}
)") == Lines{
             "compose.yaml:4:22: x-racker.groups.back.services[1]: group \"back\" refers to undefined service \"nope\"",
             "compose.yaml:5:15: x-racker.groups.back.colour: x-racker.groups.back additional property colour is not "
             "allowed",
             "compose.yaml:6:24: x-racker.groups.front.services[0]: service \"db\" is in two groups: \"back\" and "
             "\"front\"",
             "compose.yaml:7:5: x-racker.groups.web: group \"web\" has the name of a service; groups and services "
             "share one name space",
             "compose.yaml:11:31: services.x.network_mode: service \"x\" is in group \"web\", which gives it the "
             "group's namespaces: it cannot also set network_mode",
         });
}

TEST_CASE("two members of a group cannot publish one container port", "[groups]") {
  CHECK(problems(R"(services:
  a: {image: x, ports: [{target: 80, published: "8080"}], x-racker: {group: g}}
  b: {image: x, ports: [{target: 80, published: "9090"}, {target: 53, protocol: udp}], x-racker: {group: g}}
  c: {image: x, ports: [{target: 80, published: "7070"}]}
)") == Lines{"compose.yaml:3:25: services.b.ports[0]: services \"a\" and \"b\" of group \"g\" both publish "
             "container port 80/tcp: they share one address"});
}

TEST_CASE("a grouped service runs one container and boot needs an image", "[groups]") {
  CHECK(problems(R"(x-racker:
  groups:
    g: {services: [a], boot: true}
services:
  a: {image: x, scale: 2}
)") == Lines{
             "compose.yaml:3:30: x-racker.groups.g.boot: group \"g\" boots systemd: it needs an image with systemd "
             "(x-racker.groups.g.image)",
             "compose.yaml:5:3: services.a: service \"a\" is in group \"g\": a grouped service runs one container, not 2",
         });
}

TEST_CASE("a boot group's members keep healthchecks, mounts and every depends_on condition", "[groups]") {
  const char* yaml = R"(x-racker:
  groups:
    os: {services: [a, b], boot: true, image: sd}
services:
  a:
    image: x
    healthcheck: {test: ["CMD", "true"]}
    volumes: [{type: bind, source: /srv, target: /srv}]
  b:
    image: x
    tmpfs: [/tmp]
    depends_on:
      a: {condition: service_healthy}
      c: {condition: service_completed_successfully}
  c: {image: x}
)";
  CHECK(problems(yaml) == Lines{});
  auto g = read_groups(project_of(yaml));
  CHECK(g.problems.empty());
  REQUIRE(g.groups.count("os"));
  CHECK(g.groups["os"].boot);
  CHECK(g.groups["os"].services == std::vector<std::string>{"a", "b"});
}

TEST_CASE("group-all puts every service in one group, replacing declared ones", "[groups]") {
  auto p = project_of(R"(services:
  a: {image: x, x-racker: {group: g}}
  b: {image: x}
)");
  group_all_services(p, "all");
  auto g = read_groups(p);
  CHECK(g.problems.empty());
  REQUIRE(g.groups.size() == 1);
  CHECK(g.groups["all"].services == std::vector<std::string>{"a", "b"});
}
