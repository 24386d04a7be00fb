#include "racker/compose/graph.h"

#include <catch2/catch.hpp>

using namespace racker;
using namespace racker::compose;

namespace {

model::Project project_of(std::initializer_list<std::pair<const char*, std::vector<const char*>>> deps) {
  model::Project p;
  for (const auto& [name, on] : deps) {
    model::Service s;
    s.name = name;
    for (const char* d : on) s.depends_on[d] = model::DependsOn{};
    p.services[name] = s;
  }
  return p;
}

std::string joined(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : " ") + s;
  return out;
}

}  // namespace

TEST_CASE("start order puts dependencies first, ties by name", "[graph]") {
  auto p = project_of({{"web", {"db", "cache"}}, {"db", {}}, {"cache", {}}, {"worker", {"db"}}, {"proxy", {"web"}}});
  auto g = DependencyGraph::build(p);
  REQUIRE(g.ok());
  CHECK(joined(g->start_order()) == "cache db web proxy worker");
  CHECK(joined(g->stop_order()) == "worker proxy web db cache");
  CHECK(joined(g->dependents_of("db")) == "web worker");
}

TEST_CASE("implicit edges come from links, volumes_from, network_mode, ipc and pid", "[graph]") {
  auto p = project_of({{"a", {}}, {"b", {}}, {"c", {}}, {"d", {}}, {"e", {}}, {"f", {}}});
  p.services["b"].links = {"a:alias"};
  p.services["c"].volumes_from = {"b:ro", "container:other"};
  p.services["d"].network_mode = "service:c";
  p.services["e"].ipc = "service:d";
  p.services["f"].pid = "service:e";
  auto g = DependencyGraph::build(p);
  REQUIRE(g.ok());
  CHECK(joined(g->start_order()) == "a b c d e f");
  auto edges = g->dependencies_of("d");
  REQUIRE(edges.size() == 1);
  CHECK(edges[0].kind == EdgeKind::kNetworkMode);
  CHECK(edges[0].to == "c");
}

TEST_CASE("a cycle is reported deterministically", "[graph]") {
  auto p = project_of({{"a", {"b"}}, {"b", {"c"}}, {"c", {"a"}}, {"d", {"a"}}});
  auto g = DependencyGraph::build(p);
  REQUIRE_FALSE(g.ok());
  CHECK(g.error().code == Errc::kCycle);
  CHECK(g.error().message == "cycle found: a -> b -> c -> a");
}

TEST_CASE("a service depending on itself is a cycle", "[graph]") {
  auto p = project_of({{"a", {"a"}}});
  auto g = DependencyGraph::build(p);
  REQUIRE_FALSE(g.ok());
  CHECK(g.error().message == "cycle found: a -> a");
}

TEST_CASE("an undefined required dependency is an error, an optional one is dropped", "[graph]") {
  auto p = project_of({{"web", {"db"}}});
  p.marks.set("services.web.depends_on.db", Mark{"compose.yaml", 4, 9});
  auto g = DependencyGraph::build(p);
  REQUIRE_FALSE(g.ok());
  CHECK(g.error().to_string() ==
        "compose.yaml:4:9: services.web.depends_on: service \"web\" depends on undefined service \"db\"");

  p.services["web"].depends_on["db"].required = false;
  auto ok = DependencyGraph::build(p);
  REQUIRE(ok.ok());
  CHECK(ok->dependencies_of("web").empty());
}

TEST_CASE("with_dependencies selects services and what they need, in start order", "[graph]") {
  auto p = project_of({{"web", {"db"}}, {"db", {"vol"}}, {"vol", {}}, {"other", {}}});
  auto g = DependencyGraph::build(p);
  REQUIRE(g.ok());
  auto sel = g->with_dependencies({"web"});
  REQUIRE(sel.ok());
  CHECK(joined(*sel) == "vol db web");
  auto bad = g->with_dependencies({"nope"});
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.error().message == "no such service: nope");
}

TEST_CASE("depends_on conditions are carried on edges", "[graph]") {
  auto p = project_of({{"web", {"db"}}, {"db", {}}});
  p.services["web"].depends_on["db"].condition = "service_healthy";
  p.services["web"].depends_on["db"].restart = true;
  auto g = DependencyGraph::build(p);
  REQUIRE(g.ok());
  auto e = g->dependencies_of("web").at(0);
  CHECK(e.condition == "service_healthy");
  CHECK(e.restart);
  CHECK(e.required);
}
