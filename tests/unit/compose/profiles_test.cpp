// apply_profiles(): compose-spec 15-profiles, including the spec's own
// walk-through and docker compose's e2e fixtures.
#include "racker/compose/profiles.h"

#include <catch2/catch.hpp>
#include <fstream>
#include <sstream>

#include "racker/compose/source.h"

using namespace racker;
using namespace racker::compose;

namespace {

Node parse(const std::string& yaml) {
  auto doc = parse_yaml(yaml, "compose.yaml");
  REQUIRE(doc.ok());
  return *doc;
}

std::string names(const Node& doc) {
  std::string out;
  for (const auto& e : doc.find("services")->entries) out += (out.empty() ? "" : " ") + e.key;
  return out;
}

// Enabled services (in file order) for `active` profiles and `selected` services.
std::string enabled(const std::string& yaml, std::vector<std::string> active, std::vector<std::string> selected = {}) {
  Node doc = parse(yaml);
  auto st = apply_profiles(doc, active, selected);
  if (!st.ok()) return "error: " + st.error().to_string();
  return names(doc);
}

Node corpus_file(const std::string& relative) {
  std::string path = std::string(RACKER_CORPUS_DIR) + "/" + relative;
  std::ifstream in(path);
  REQUIRE(in.good());
  std::stringstream text;
  text << in.rdbuf();
  auto doc = parse_yaml(text.str(), path);
  REQUIRE(doc.ok());
  return *doc;
}

// The example of compose-spec 15-profiles, in canonical form.
const char* kSpecExample = R"(services:
  web:
    image: web_image
  test_lib:
    image: test_lib_image
    profiles: [test]
  coverage_lib:
    image: coverage_lib_image
    depends_on: {test_lib: {condition: service_started, required: true}}
    profiles: [test]
  debug_lib:
    image: debug_lib_image
    depends_on: {test_lib: {condition: service_started, required: true}}
    profiles: [debug]
)";

}  // namespace

TEST_CASE("the spec's profile walk-through", "[profiles]") {
  CHECK(enabled(kSpecExample, {}) == "web");
  CHECK(enabled(kSpecExample, {"test"}) == "web test_lib coverage_lib");
  CHECK(enabled(kSpecExample, {"debug"}) ==
        "error: compose.yaml:13:18: services.debug_lib.depends_on.test_lib: service \"debug_lib\" depends on "
        "undefined service \"test_lib\": \"test_lib\" is disabled, activate profile \"test\" to enable it");
  CHECK(enabled(kSpecExample, {"debug", "test"}) == "web test_lib coverage_lib debug_lib");
  // Naming a service enables it and activates its profiles.
  CHECK(enabled(kSpecExample, {}, {"test_lib"}) == "web test_lib coverage_lib");
  CHECK(enabled(kSpecExample, {}, {"coverage_lib"}) == "web test_lib coverage_lib");
  CHECK(enabled(kSpecExample, {}, {"debug_lib"}).rfind("error: compose.yaml:13:18: services.debug_lib.depends_on", 0) ==
        0);
  CHECK(enabled(kSpecExample, {"test"}, {"debug_lib"}) == "web test_lib coverage_lib debug_lib");
}

TEST_CASE("the profile star activates every profile", "[profiles]") {
  CHECK(enabled(kSpecExample, {"*"}) == "web test_lib coverage_lib debug_lib");
  CHECK(enabled(kSpecExample, {"", "test"}) == "web test_lib coverage_lib");  // empty names are ignored
}

TEST_CASE("a service with several profiles is enabled by any of them", "[profiles]") {
  const char* yaml = "services:\n  a:\n    image: x\n    profiles: [one, two]\n  b:\n    image: x\n";
  CHECK(enabled(yaml, {"two"}) == "a b");
  CHECK(enabled(yaml, {"three"}) == "b");
}

TEST_CASE("a dependency that is not required may be disabled", "[profiles]") {
  Node doc = corpus_file("compose-e2e/pkg/e2e/testdata/TestUpWithDependencyNotRequired/compose.yaml");
  // The corpus file is short syntax for depends_on's options; required: false is explicit.
  REQUIRE(apply_profiles(doc, {}, {}).ok());
  CHECK(names(doc) == "foo");
  CHECK(doc.find("services")->find("foo")->find("depends_on")->find("bar") != nullptr);  // kept, as compose does
}

TEST_CASE("the e2e profile fixtures enable what docker compose enables", "[profiles]") {
  Node up = corpus_file("compose-e2e/pkg/e2e/testdata/TestUpProfile/compose.yaml");
  Node up_test = up;
  REQUIRE(apply_profiles(up, {}, {}).ok());
  CHECK(names(up) == "db");
  REQUIRE(apply_profiles(up_test, {"test"}, {}).ok());
  CHECK(names(up_test) == "foo bar db");

  Node explicit_use = corpus_file("compose-e2e/pkg/e2e/testdata/TestExplicitProfileUsage/compose.yaml");
  Node targeted = explicit_use;
  REQUIRE(apply_profiles(explicit_use, {"test-profile"}, {}).ok());
  CHECK(names(explicit_use) == "regular-service profiled-service");
  REQUIRE(apply_profiles(targeted, {}, {"profiled-service"}).ok());
  CHECK(names(targeted) == "regular-service profiled-service");

  Node none = corpus_file("compose-e2e/pkg/e2e/testdata/TestNoProfileUsage/compose.yaml");
  REQUIRE(apply_profiles(none, {}, {}).ok());
  CHECK(names(none) == "regular-service");
}

TEST_CASE("links, volumes_from and shared namespaces to a disabled service are errors", "[profiles]") {
  const char* base = "services:\n  db:\n    image: x\n    profiles: [debug, db]\n  web:\n    image: y\n";
  CHECK(enabled(std::string(base) + "    links: [\"db:database\"]\n", {}) ==
        "error: compose.yaml:7:13: services.web.links[0]: service \"web\" depends on undefined service \"db\": "
        "\"db\" is disabled, activate one of its profiles \"debug\", \"db\" to enable it");
  CHECK(enabled(std::string(base) + "    volumes_from: [\"db:ro\", \"container:x\"]\n", {}).rfind(
            "error: compose.yaml:7:20: services.web.volumes_from[0]: service \"web\" depends on undefined service",
            0) == 0);
  CHECK(enabled(std::string(base) + "    network_mode: service:db\n", {}).rfind(
            "error: compose.yaml:7:19: services.web.network_mode: service \"web\" depends on undefined service", 0) ==
        0);
  CHECK(enabled(std::string(base) + "    ipc: service:db\n", {"db"}) == "db web");
  // A disabled service may depend on anything: it is not run.
  CHECK(enabled("services:\n  a:\n    image: x\n    profiles: [p]\n    links: [gone]\n", {}) == "");
}

TEST_CASE("profiles must be a list of strings", "[profiles]") {
  CHECK(enabled("services:\n  a:\n    image: x\n    profiles: debug\n", {}) ==
        "error: compose.yaml:4:15: services.a.profiles: must be a list of strings");
  CHECK(enabled("services:\n  a:\n    image: x\n    profiles: [[debug]]\n", {}) ==
        "error: compose.yaml:4:16: services.a.profiles[0]: must be a string");
}

TEST_CASE("a document without services is left alone", "[profiles]") {
  Node doc = parse("volumes: {}\n");
  REQUIRE(apply_profiles(doc, {"x"}, {"y"}).ok());
  CHECK(all_profiles(doc).empty());
}

TEST_CASE("all_profiles lists every profile once, sorted", "[profiles]") {
  Node doc = parse(kSpecExample);
  CHECK(all_profiles(doc) == std::vector<std::string>{"debug", "test"});
}
