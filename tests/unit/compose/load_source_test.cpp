#include <catch2/catch.hpp>

#include "racker/compose/load.h"
#include "support/mem_file_reader.h"

using namespace racker;
using namespace racker::compose;
using racker::test::MemFileReader;

namespace {

ProjectOptions in_dir(const std::string& cwd) {
  ProjectOptions o;
  o.working_dir = cwd;
  return o;
}

}  // namespace

TEST_CASE("discovery finds compose.yaml upward and pairs its override file", "[load][discovery]") {
  MemFileReader fs;
  fs.add("/proj/compose.yaml", "services: {}\n");
  fs.add("/proj/compose.override.yaml", "services: {}\n");
  fs.add("/proj/docker-compose.override.yml", "services: {}\n");
  fs.add("/proj/sub/dir/readme.txt", "x");
  auto src = resolve_source(in_dir("/proj/sub/dir"), fs, {});
  REQUIRE(src.ok());
  CHECK(src->files == std::vector<std::string>{"/proj/compose.yaml", "/proj/compose.override.yaml"});
  CHECK(src->project_dir == "/proj");
}

TEST_CASE("discovery prefers compose.yaml over docker-compose.yml", "[load][discovery]") {
  MemFileReader fs;
  fs.add("/p/docker-compose.yml", "services: {}\n");
  fs.add("/p/compose.yml", "services: {}\n");
  auto src = resolve_source(in_dir("/p"), fs, {});
  REQUIRE(src.ok());
  CHECK(src->files == std::vector<std::string>{"/p/compose.yml"});
}

TEST_CASE("discovery takes any override file when the matching one is absent", "[load][discovery]") {
  MemFileReader fs;
  fs.add("/p/docker-compose.yml", "services: {}\n");
  fs.add("/p/docker-compose.override.yaml", "services: {}\n");
  auto src = resolve_source(in_dir("/p"), fs, {});
  REQUIRE(src.ok());
  CHECK(src->files == std::vector<std::string>{"/p/docker-compose.yml", "/p/docker-compose.override.yaml"});
}

TEST_CASE("no compose file is docker's error", "[load][discovery]") {
  MemFileReader fs;
  fs.add("/empty/readme", "x");
  auto src = resolve_source(in_dir("/empty"), fs, {});
  REQUIRE_FALSE(src.ok());
  CHECK(src.error().message == "no configuration file provided: not found");
}

TEST_CASE("files given with -f are relative to the working directory and set the project directory", "[load][discovery]") {
  MemFileReader fs;
  fs.add("/w/deploy/base.yaml", "services: {}\n");
  fs.add("/w/deploy/prod.yaml", "services: {}\n");
  auto opts = in_dir("/w");
  opts.files = {"deploy/base.yaml", "deploy/prod.yaml"};
  auto src = resolve_source(opts, fs, {});
  REQUIRE(src.ok());
  CHECK(src->files == std::vector<std::string>{"/w/deploy/base.yaml", "/w/deploy/prod.yaml"});
  CHECK(src->project_dir == "/w/deploy");

  opts.files = {"deploy/missing.yaml"};
  auto missing = resolve_source(opts, fs, {});
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.error().message == "open /w/deploy/missing.yaml: no such file or directory");
}

TEST_CASE("COMPOSE_FILE with COMPOSE_PATH_SEPARATOR, also from .env", "[load][discovery]") {
  MemFileReader fs;
  fs.add("/p/a.yaml", "services: {}\n");
  fs.add("/p/b.yaml", "services: {}\n");
  fs.add("/p/.env", "COMPOSE_FILE=a.yaml;b.yaml\nCOMPOSE_PATH_SEPARATOR=;\n");
  auto src = resolve_source(in_dir("/p"), fs, {});
  REQUIRE(src.ok());
  CHECK(src->files == std::vector<std::string>{"/p/a.yaml", "/p/b.yaml"});

  auto from_env = resolve_source(in_dir("/p"), fs, EnvMap{{"COMPOSE_FILE", "b.yaml"}});
  REQUIRE(from_env.ok());
  CHECK(from_env->files == std::vector<std::string>{"/p/b.yaml"});
}

TEST_CASE("project name: -p, then COMPOSE_PROJECT_NAME (process over .env)", "[load][name]") {
  MemFileReader fs;
  fs.add("/p/compose.yaml", "services: {}\n");
  fs.add("/p/.env", "COMPOSE_PROJECT_NAME=fromdotenv\n");
  auto opts = in_dir("/p");
  auto dotenv = resolve_source(opts, fs, {});
  REQUIRE(dotenv.ok());
  CHECK(dotenv->name == "fromdotenv");
  CHECK(dotenv->name_explicit);

  auto process = resolve_source(opts, fs, EnvMap{{"COMPOSE_PROJECT_NAME", "fromenv"}});
  REQUIRE(process.ok());
  CHECK(process->name == "fromenv");

  opts.project_name = "flag";
  auto flag = resolve_source(opts, fs, EnvMap{{"COMPOSE_PROJECT_NAME", "fromenv"}});
  REQUIRE(flag.ok());
  CHECK(flag->name == "flag");
}

TEST_CASE("an invalid explicit project name is docker's error", "[load][name]") {
  MemFileReader fs;
  fs.add("/p/compose.yaml", "services: {}\n");
  auto opts = in_dir("/p");
  opts.project_name = "My_App";
  auto src = resolve_source(opts, fs, {});
  REQUIRE_FALSE(src.ok());
  CHECK(src.error().message ==
        "invalid project name \"My_App\": must consist only of lowercase alphanumeric characters, hyphens, and "
        "underscores as well as start with a letter or number");
}

TEST_CASE("project names from directories are normalized", "[load][name]") {
  CHECK(normalize_project_name("My App.v2") == "myappv2");
  CHECK(normalize_project_name("_hidden") == "hidden");
  CHECK(normalize_project_name("...") == "");
  CHECK(is_valid_project_name("web-1_x"));
  CHECK_FALSE(is_valid_project_name("-web"));
  CHECK_FALSE(is_valid_project_name("Web"));
  CHECK_FALSE(is_valid_project_name(""));
}

TEST_CASE("an --env-file replaces .env and a missing one is an error", "[load][env]") {
  MemFileReader fs;
  fs.add("/p/compose.yaml", "services: {}\n");
  fs.add("/p/.env", "A=dotenv\n");
  fs.add("/p/custom.env", "A=custom\nB=2\n");
  auto opts = in_dir("/p");
  opts.env_files = {"custom.env"};
  auto src = resolve_source(opts, fs, EnvMap{{"B", "process"}});
  REQUIRE(src.ok());
  CHECK(src->environment.at("A") == "custom");
  CHECK(src->environment.at("B") == "process");  // the process environment wins

  opts.env_files = {"nope.env"};
  auto missing = resolve_source(opts, fs, {});
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.error().message == "couldn't find env file: /p/nope.env");
}

TEST_CASE("COMPOSE_PROFILES is split on commas unless --profile is given", "[load][env]") {
  MemFileReader fs;
  fs.add("/p/compose.yaml", "services: {}\n");
  auto src = resolve_source(in_dir("/p"), fs, EnvMap{{"COMPOSE_PROFILES", "debug,,test"}});
  REQUIRE(src.ok());
  CHECK(src->profiles == std::vector<std::string>{"debug", "test"});
  auto opts = in_dir("/p");
  opts.profiles = {"only"};
  auto flag = resolve_source(opts, fs, EnvMap{{"COMPOSE_PROFILES", "debug"}});
  REQUIRE(flag.ok());
  CHECK(flag->profiles == std::vector<std::string>{"only"});
}
