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
  Node doc = parse("a: \"true\"\nb: \"8080\"\nc: \"\"\nd: \"yes\"\ne: 8080\nf: true\ng: null\nh: \"1.5\"\n");
  CHECK(to_yaml(doc) == "a: \"true\"\nb: \"8080\"\nc: \"\"\nd: \"yes\"\ne: 8080\nf: true\ng: null\nh: \"1.5\"\n");
}

TEST_CASE("to_yaml writes multi-line strings so they read back the same", "[serialize]") {
  Node doc = parse("a: \"line1\\nline2\\n\"\nb: \"x\\ny\"\n");
  std::string yaml = to_yaml(doc);
  CHECK(yaml == "a: |\n  line1\n  line2\nb: \"x\\ny\"\n");
  auto back = parse_yaml(yaml, "again.yaml");
  REQUIRE(back.ok());
  CHECK(back->find("a")->scalar == "line1\nline2\n");
  CHECK(back->find("b")->scalar == "x\ny");
}

TEST_CASE("to_yaml round-trips awkward strings", "[serialize]") {
  for (const char* s : {"- dash", "a: b", "#hash", "*star", "&amp", "!bang", "%pct", "@at", "`tick", "{x}", "[y]",
                        " lead", "trail ", "multi\n\nblank\n", "tab\there", "quote\"in", "'single'", "null",
                        "~", "0x1F", "1e3", "-", "?", ":"}) {
    Node doc = Node::map();
    doc.set("k", Node::str(s));
    auto back = parse_yaml(to_yaml(doc), "rt.yaml");
    REQUIRE(back.ok());
    INFO(to_yaml(doc));
    CHECK(back->find("k")->scalar == s);
    const Node* k = back->find("k");
    bool reads_as_string = k->style == ScalarStyle::kQuoted || (!k->as_bool() && !k->as_int() && !k->as_double());
    CHECK(reads_as_string);
  }
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
