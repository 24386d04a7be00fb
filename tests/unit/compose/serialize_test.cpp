#include "racker/compose/serialize.h"

#include <catch2/catch.hpp>

#include "racker/compose/source.h"

using namespace racker;
using namespace racker::compose;

namespace {
Node parse(const char* text) {
  auto doc = parse_yaml(text, "t.yaml");
  REQUIRE(doc.ok());
  return *doc;
}
}  // namespace

TEST_CASE("to_yaml puts name first and sorts the other keys", "[serialize]") {
  Node doc = parse("volumes: {}\nservices:\n  web:\n    image: nginx\n    environment:\n      B: \"1\"\n      A: x\nname: demo\nx-foo: 1\n");
  CHECK(to_yaml(doc) ==
        "name: demo\n"
        "services:\n"
        "  web:\n"
        "    environment:\n"
        "      A: x\n"
        "      B: \"1\"\n"
        "    image: nginx\n"
        "volumes: {}\n"
        "x-foo: 1\n");
}

TEST_CASE("to_yaml quotes strings that would read as other types", "[serialize]") {
  Node doc = parse("a: \"true\"\nb: \"8080\"\nc: \"\"\nd: \"yes\"\ne: 8080\nf: true\ng: ~\nh: \"1.5\"\n");
  CHECK(to_yaml(doc) == "a: \"true\"\nb: \"8080\"\nc: \"\"\nd: \"yes\"\ne: 8080\nf: true\ng: ~\nh: \"1.5\"\n");
}

TEST_CASE("to_yaml writes multi-line strings as literal blocks", "[serialize]") {
  Node doc = parse("a: \"line1\\nline2\"\n");
  CHECK(to_yaml(doc) == "a: |-\n  line1\n  line2\n");
}

TEST_CASE("to_json types plain scalars and keeps quoted ones strings", "[serialize]") {
  Node doc = parse("name: p\nservices:\n  s:\n    ports:\n      - target: 80\n        published: \"8080\"\n    "
                   "read_only: true\n    cpus: 0.5\n    x: ~\n");
  CHECK(to_json(doc, -1) ==
        R"({"name":"p","services":{"s":{"cpus":0.5,"ports":[{"published":"8080","target":80}],"read_only":true,"x":null}}})");
}

TEST_CASE("service_config_hash ignores keys that do not change the container", "[serialize]") {
  Node a = parse("image: nginx\nenvironment: {A: b}\n");
  Node b = parse("image: nginx\nenvironment: {A: b}\ndepends_on: {db: {condition: service_started}}\nscale: 3\n"
                 "pull_policy: always\nprofiles: [x]\nbuild: {context: .}\ndeploy: {replicas: 2}\n");
  Node c = parse("image: nginx\nenvironment: {A: c}\n");
  CHECK(service_config_hash(a).size() == 64);
  CHECK(service_config_hash(a) == service_config_hash(b));
  CHECK(service_config_hash(a) != service_config_hash(c));
}
