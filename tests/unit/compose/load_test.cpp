// The whole loader pipeline over an in-memory tree: how the stages combine.
#include "racker/compose/load.h"

#include <catch2/catch.hpp>

#include "racker/compose/serialize.h"
#include "support/mem_file_reader.h"

using namespace racker;
using namespace racker::compose;
using racker::test::MemFileReader;

namespace {

Result<LoadedProject> load(MemFileReader& fs, const std::string& cwd, std::vector<std::string> files = {},
                           EnvMap env = {}) {
  ProjectOptions o;
  o.working_dir = cwd;
  o.files = std::move(files);
  return load_project(o, fs, env);
}

}  // namespace

TEST_CASE("a plain project loads into the model with its name from the directory", "[load]") {
  MemFileReader fs;
  fs.add("/src/My App/compose.yaml", "services:\n  web:\n    image: nginx\n    ports: [\"8080:80\"]\n");
  auto p = load(fs, "/src/My App");
  REQUIRE(p.ok());
  CHECK(p->source.name == "myapp");
  CHECK(p->project.name == "myapp");
  REQUIRE(p->project.services.count("web"));
  const auto& web = p->project.services.at("web");
  REQUIRE(web.ports.size() == 1);
  CHECK(web.ports[0].target == 80);
  CHECK(web.ports[0].published == "8080");
  CHECK(web.networks.count("default") == 1);
  REQUIRE(p->project.networks.count("default"));
  CHECK(p->project.networks.at("default").name == "myapp_default");
  CHECK(p->doc.find("name")->scalar == "myapp");
}

TEST_CASE("the top-level name is used unless -p or COMPOSE_PROJECT_NAME is set", "[load]") {
  MemFileReader fs;
  fs.add("/p/compose.yaml", "name: fromfile\nservices:\n  a:\n    image: x\n");
  auto p = load(fs, "/p");
  REQUIRE(p.ok());
  CHECK(p->source.name == "fromfile");
  auto q = load(fs, "/p", {}, EnvMap{{"COMPOSE_PROJECT_NAME", "fromenv"}});
  REQUIRE(q.ok());
  CHECK(q->source.name == "fromenv");
  CHECK(q->doc.find("name")->scalar == "fromenv");
}

TEST_CASE("an invalid top-level name is rejected", "[load]") {
  MemFileReader fs;
  fs.add("/p/compose.yaml", "name: Bad Name\nservices: {}\n");
  auto p = load(fs, "/p");
  REQUIRE_FALSE(p.ok());
  CHECK(p.error().message.find("invalid project name \"Bad Name\"") == 0);
}

TEST_CASE("version is dropped with compose's warning", "[load]") {
  MemFileReader fs;
  fs.add("/p/compose.yaml", "version: '3.8'\nservices:\n  a:\n    image: x\n");
  auto p = load(fs, "/p");
  REQUIRE(p.ok());
  CHECK(p->doc.find("version") == nullptr);
  REQUIRE_FALSE(p->warnings.empty());
  CHECK(p->warnings[0].find("the attribute `version` is obsolete") == 0);
}

TEST_CASE("files given with -f merge in order and interpolate from .env and the process", "[load]") {
  MemFileReader fs;
  fs.add("/p/.env", "TAG=1.0\nPORT=8080\n");
  fs.add("/p/compose.yaml",
         "services:\n  web:\n    image: \"nginx:${TAG}\"\n    environment:\n      A: base\n      B: base\n");
  fs.add("/p/override.yaml", "services:\n  web:\n    environment:\n      B: over\n    ports: [\"${PORT}:80\"]\n");
  auto p = load(fs, "/p", {"compose.yaml", "override.yaml"}, EnvMap{{"TAG", "2.0"}});
  REQUIRE(p.ok());
  const auto& web = p->project.services.at("web");
  CHECK(web.image == "nginx:2.0");  // the process environment wins over .env
  CHECK(web.environment.at("A") == "base");
  CHECK(web.environment.at("B") == "over");
  REQUIRE(web.ports.size() == 1);
  CHECK(web.ports[0].published == "8080");
}

TEST_CASE("errors in a later file carry that file's position", "[load]") {
  MemFileReader fs;
  fs.add("/p/compose.yaml", "services:\n  web:\n    image: nginx\n");
  fs.add("/p/override.yaml", "services:\n  web:\n    ports:\n      - \"80:80\"\n      - \"80:80:80:80\"\n");
  auto p = load(fs, "/p", {"compose.yaml", "override.yaml"});
  REQUIRE_FALSE(p.ok());
  const Error& e = p.error();
  REQUIRE(e.at.has_value());
  CHECK(e.at->file == "/p/override.yaml");
  CHECK(e.at->line == 5);
  CHECK(e.key_path == "services.web.ports[1]");
  CHECK(render_error(e, fs).find("\n      - \"80:80:80:80\"\n        ^") != std::string::npos);
}

TEST_CASE("profiles: inactive services are dropped, named ones enabled", "[load]") {
  MemFileReader fs;
  fs.add("/p/compose.yaml",
         "services:\n  app:\n    image: a\n  debug:\n    image: d\n    profiles: [debug]\n");
  auto p = load(fs, "/p");
  REQUIRE(p.ok());
  CHECK(p->project.services.count("debug") == 0);
  auto q = load(fs, "/p", {}, EnvMap{{"COMPOSE_PROFILES", "debug"}});
  REQUIRE(q.ok());
  CHECK(q->project.services.count("debug") == 1);
}

TEST_CASE("a dependency cycle fails the load with a stable message", "[load]") {
  MemFileReader fs;
  fs.add("/p/compose.yaml",
         "services:\n  a:\n    image: x\n    depends_on: [b]\n  b:\n    image: x\n    depends_on: [a]\n");
  auto p = load(fs, "/p");
  REQUIRE_FALSE(p.ok());
  CHECK(p.error().message == "cycle found: a -> b -> a");
}

TEST_CASE("the canonical document serializes with name first", "[load]") {
  MemFileReader fs;
  fs.add("/p/compose.yaml", "services:\n  web:\n    image: nginx\n");
  auto p = load(fs, "/p");
  REQUIRE(p.ok());
  std::string yaml = to_yaml(p->doc);
  CHECK(yaml.rfind("name: p\nservices:\n", 0) == 0);
}

TEST_CASE("without interpolation, templates are kept templates", "[load]") {
  MemFileReader fs;
  fs.add("/p/compose.yaml", "services:\n  web:\n    image: \"nginx:${TAG:-latest}\"\n");
  ProjectOptions o;
  o.working_dir = "/p";
  o.interpolate = false;
  auto p = load_project(o, fs, {});
  REQUIRE(p.ok());
  CHECK(p->project.services.at("web").image == "nginx:${TAG:-latest}");
}

TEST_CASE("an empty compose file is rejected with its name", "[load]") {
  MemFileReader fs;
  fs.add("/p/compose.yaml", "# nothing here\n");
  auto p = load(fs, "/p");
  REQUIRE_FALSE(p.ok());
  CHECK(p.error().to_string() == "/p/compose.yaml:1:1: empty compose file");
}

TEST_CASE("a cycle error points at the first reference of the cycle", "[load]") {
  MemFileReader fs;
  fs.add("/p/compose.yaml",
         "services:\n  a:\n    image: x\n    depends_on: [b]\n  b:\n    image: x\n    links: [a]\n");
  auto p = load(fs, "/p");
  REQUIRE_FALSE(p.ok());
  CHECK(p.error().key_path == "services.a.depends_on");
  REQUIRE(p.error().at.has_value());
  CHECK(p.error().at->line == 4);
}
