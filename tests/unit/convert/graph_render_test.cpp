#include "racker/convert/graph_render.h"

#include <catch2/catch.hpp>

#include "convert_support.h"
#include "racker/compose/groups.h"

using namespace racker;
using namespace racker::compose;
using racker::convert::GraphFormat;
using racker::convert::render_graph;

namespace {

model::Project grouped_project() {
  model::Project p;
  p.name = "shop";
  for (const char* n : {"web", "api", "db", "cache", "sidecar", "tools"}) p.services[n].name = n;
  p.services["web"].depends_on["api"] = model::DependsOn{"service_healthy", true, true};
  p.services["api"].depends_on["db"] = model::DependsOn{"service_started", true, false};
  p.services["api"].depends_on["cache"] = model::DependsOn{"service_started", false, false};
  p.services["sidecar"].network_mode = "service:api";
  p.services["tools"].volumes_from = {"db:ro"};
  p.services["tools"].links = {"web:front"};
  p.services["db"].extensions["x-racker"] = R"({"group":"data"})";
  p.extensions["x-racker"] = R"({"groups":{"data":{"services":["cache"]},"edge":{"services":["web"]}}})";
  return p;
}

}  // namespace

TEST_CASE("groups come from the service's x-racker and the top-level lists", "[convert][graph]") {
  auto groups = compose::read_groups(grouped_project()).group_of;
  CHECK(groups.size() == 3);
  CHECK(groups["db"] == "data");
  CHECK(groups["cache"] == "data");
  CHECK(groups["web"] == "edge");
}

TEST_CASE("dot output draws groups as clusters and implicit edges dashed", "[convert][graph]") {
  auto p = grouped_project();
  auto g = DependencyGraph::build(p);
  REQUIRE(g.ok());
  test::check_golden("graph-grouped.dot", render_graph(p, *g, GraphFormat::kDot));
}

TEST_CASE("mermaid output draws groups as subgraphs and implicit edges dotted", "[convert][graph]") {
  auto p = grouped_project();
  auto g = DependencyGraph::build(p);
  REQUIRE(g.ok());
  test::check_golden("graph-grouped.mmd", render_graph(p, *g, GraphFormat::kMermaid));
}

TEST_CASE("names that need quoting stay intact in both formats", "[convert][graph]") {
  model::Project p;
  p.name = "q";
  p.services["a.b"].name = "a.b";
  p.services["a-b"].name = "a-b";
  p.services["a-b"].depends_on["a.b"] = model::DependsOn{};
  p.extensions["x-racker"] = R"({"groups":{"say \"hi\"":{"services":["a.b"]}}})";
  auto g = DependencyGraph::build(p);
  REQUIRE(g.ok());
  auto dot = render_graph(p, *g, GraphFormat::kDot);
  CHECK(dot.find("label=\"say \\\"hi\\\"\";") != std::string::npos);
  CHECK(dot.find("\"a-b\" -> \"a.b\" [label=\"service_started\"];") != std::string::npos);
  auto mmd = render_graph(p, *g, GraphFormat::kMermaid);
  // Two names that sanitize alike get distinct ids.
  CHECK(mmd.find("svc_a_b[\"a-b\"]") != std::string::npos);
  CHECK(mmd.find("svc_a_b_2[\"a.b\"]") != std::string::npos);
  CHECK(mmd.find("[\"say #quot;hi#quot;\"]") != std::string::npos);
}

TEST_CASE("graphs of the example stacks", "[convert][graph]") {
  for (const char* stack : {"examples/hello-stack", "examples/web-stack", "examples/dev-env", "examples/integration-staging",
                            "tests/data/convert/telegraf-influx-grafana"}) {
    auto loaded = test::load_stack(stack);
    auto g = DependencyGraph::build(loaded.project);
    REQUIRE(g.ok());
    std::string base = std::string(stack).substr(std::string(stack).rfind('/') + 1);
    test::check_golden(base + ".dot", render_graph(loaded.project, *g, GraphFormat::kDot));
    test::check_golden(base + ".mmd", render_graph(loaded.project, *g, GraphFormat::kMermaid));
  }
}
