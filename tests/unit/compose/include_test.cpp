// apply_include(): entries, project directories, conflicts and cycles, with a
// LoadIncludeFn that does what the loader does (parse, canonical, include,
// extends, merge, paths); then compose-go's include fixtures.
#include "racker/compose/include.h"

#include <catch2/catch.hpp>

#include "racker/compose/canonical.h"
#include "racker/compose/extends.h"
#include "racker/compose/host.h"
#include "racker/compose/merge.h"
#include "racker/compose/paths.h"
#include "racker/compose/serialize.h"
#include "racker/compose/source.h"
#include "support/mem_file_reader.h"
#include "unit/compose/node_json.h"

using namespace racker;
using racker::test::json;
using namespace racker::compose;
using racker::test::MemFileReader;

namespace {

struct Loader {
  explicit Loader(FileReader& r) : files(r) {}

  FileReader& files;
  std::vector<IncludeSpec> specs;                  // every LoadIncludeFn call
  std::vector<std::vector<std::string>> chains;    // and the chain it got

  Result<Node> parse(const std::string& path) {
    auto text = files.read(path);
    if (!text) return text.error();
    auto doc = parse_yaml(*text, path);
    if (!doc) return doc;
    if (doc->is_null()) doc = Node::map(Mark{path, 1, 1});
    if (Status st = canonicalize(*doc); !st) return st.error();
    return doc;
  }

  LoadIncludeFn include_fn() {
    return [this](const IncludeSpec& spec, const std::vector<std::string>& chain) {
      specs.push_back(spec);
      chains.push_back(chain);
      return load_included(spec, chain);
    };
  }

  // One file through include and extends (load.cpp's load_file).
  Result<Node> load_file(const std::string& path, const std::vector<std::string>& chain) {
    auto doc = parse(path);
    if (!doc) return doc;
    std::vector<std::string> inner = chain;
    inner.push_back(path);
    if (Status st = apply_include(*doc, path, parent_dir(path), inner, include_fn()); !st) return st.error();
    auto load_other = [this](const std::string& p) { return parse(p); };
    if (Status st = apply_extends(*doc, path, parent_dir(path), load_other); !st) return st.error();
    return doc;
  }

  Result<Node> load_included(const IncludeSpec& spec, const std::vector<std::string>& chain) {
    Node merged;
    for (size_t i = 0; i < spec.paths.size(); ++i) {
      auto doc = load_file(spec.paths[i], chain);
      if (!doc) return doc;
      if (i == 0) {
        merged = std::move(*doc);
      } else {
        auto m = merge_documents(std::move(merged), *doc);
        if (!m) return m;
        merged = std::move(*m);
      }
    }
    resolve_paths(merged, spec.project_directory, "/home/me");
    return merged;
  }
};

const std::string kTestdata = absolute_path(RACKER_CORPUS_DIR, "compose-go/loader/testdata");

}  // namespace

// ---- in memory -----------------------------------------------------------------

TEST_CASE("include: a path brings in the included project's resources", "[include]") {
  MemFileReader fs;
  fs.add("/p/compose.yaml", "include:\n  - lib/db.yaml\nservices:\n  web:\n    image: web\n    depends_on: [db]\n");
  fs.add("/p/lib/db.yaml",
         "services:\n  db:\n    image: postgres\n    volumes: [\"./init:/init\", \"data:/var/lib/pg\"]\n"
         "volumes:\n  data:\nnetworks:\n  back:\nsecrets:\n  pw: {file: ./pw.txt}\nconfigs:\n  c: {file: c.conf}\n");
  Loader loader(fs);
  auto doc = loader.load_file("/p/compose.yaml", {});
  REQUIRE(doc.ok());
  CHECK(doc->find("include") == nullptr);
  CHECK(doc->find("services")->find("web"));
  const Node& db = *doc->find("services")->find("db");
  CHECK(db.find("volumes")->items[0].find("source")->scalar == "/p/lib/init");
  CHECK(json(*doc->find("volumes")) == R"({"data":{}})");
  CHECK(json(*doc->find("networks")) == R"({"back":{}})");
  CHECK(json(*doc->find("secrets")) == R"({"pw":{"file":"/p/lib/pw.txt"}})");
  CHECK(json(*doc->find("configs")) == R"({"c":{"file":"/p/lib/c.conf"}})");
  REQUIRE(loader.specs.size() == 1);
  CHECK(loader.specs[0].paths == std::vector<std::string>{"/p/lib/db.yaml"});
  CHECK(loader.specs[0].project_directory == "/p/lib");
  CHECK(loader.specs[0].env_files.empty());
  CHECK(loader.chains[0] == std::vector<std::string>{"/p/compose.yaml"});
}

TEST_CASE("include: the long form with several paths, a project directory and env files", "[include]") {
  MemFileReader fs;
  fs.add("/p/compose.yaml",
         "include:\n  - path: [lib/a.yaml, lib/a.override.yaml]\n    project_directory: shared\n"
         "    env_file: [lib/.env, /etc/x.env, /dev/null]\n");
  fs.add("/p/lib/a.yaml", "services:\n  a:\n    image: a\n    build: ./ctx\n");
  fs.add("/p/lib/a.override.yaml", "services:\n  a:\n    image: a2\n");
  Loader loader(fs);
  auto doc = loader.load_file("/p/compose.yaml", {});
  REQUIRE(doc.ok());
  REQUIRE(loader.specs.size() == 1);
  const IncludeSpec& spec = loader.specs[0];
  CHECK(spec.paths == std::vector<std::string>{"/p/lib/a.yaml", "/p/lib/a.override.yaml"});
  CHECK(spec.project_directory == "/p/shared");
  CHECK(spec.env_files == std::vector<std::string>{"/p/lib/.env", "/etc/x.env", "/dev/null"});
  // Relative paths of the included project follow its project directory.
  CHECK(json(*doc->find("services")->find("a")) == R"({"build":{"context":"/p/shared/ctx"},"image":"a2"})");
}

TEST_CASE("include: nested includes pass the chain down", "[include]") {
  MemFileReader fs;
  fs.add("/p/compose.yaml", "include: [a/a.yaml]\n");
  fs.add("/p/a/a.yaml", "include: [../b/b.yaml]\nservices:\n  a: {image: a}\n");
  fs.add("/p/b/b.yaml", "services:\n  b: {build: .}\n");
  Loader loader(fs);
  auto doc = loader.load_file("/p/compose.yaml", {});
  REQUIRE(doc.ok());
  CHECK(json(*doc->find("services")) == R"({"a":{"image":"a"},"b":{"build":{"context":"/p/b"}}})");
  REQUIRE(loader.chains.size() == 2);
  CHECK(loader.chains[1] == std::vector<std::string>{"/p/compose.yaml", "/p/a/a.yaml"});
}

TEST_CASE("include: the chain is completed with the file when the caller did not add it", "[include]") {
  MemFileReader fs;
  fs.add("/p/inc.yaml", "services:\n  x: {image: x}\n");
  auto doc = parse_yaml("include: [inc.yaml]\n", "/p/compose.yaml");
  REQUIRE(doc.ok());
  REQUIRE(canonicalize(*doc).ok());
  Loader loader(fs);
  REQUIRE(apply_include(*doc, "/p/compose.yaml", "/p", {}, loader.include_fn()).ok());
  CHECK(loader.chains[0] == std::vector<std::string>{"/p/compose.yaml"});
}

TEST_CASE("include: a resource defined here and imported is a conflict", "[include]") {
  MemFileReader fs;
  fs.add("/p/compose.yaml", "include:\n  - inc.yaml\nservices:\n  foo:\n    image: mine\n");
  fs.add("/p/inc.yaml", "services:\n  foo:\n    image: theirs\n");
  Loader loader(fs);
  auto doc = loader.load_file("/p/compose.yaml", {});
  REQUIRE_FALSE(doc.ok());
  CHECK(doc.error().code == Errc::kConflict);
  CHECK(doc.error().to_string() ==
        "/p/compose.yaml:4:3: services.foo: conflicts with imported resource from /p/inc.yaml");
}

TEST_CASE("include: the same resource imported twice is a conflict, unless identical", "[include]") {
  MemFileReader fs;
  fs.add("/p/compose.yaml", "include: [a.yaml, b.yaml]\n");
  fs.add("/p/a.yaml", "networks:\n  shared: {driver: bridge}\nvolumes:\n  same: {}\n");
  fs.add("/p/b.yaml", "networks:\n  shared: {driver: macvlan}\nvolumes:\n  same: {}\n");
  Loader loader(fs);
  auto doc = loader.load_file("/p/compose.yaml", {});
  REQUIRE_FALSE(doc.ok());
  CHECK(doc.error().to_string() == "/p/a.yaml:2:3: networks.shared: conflicts with imported resource from /p/b.yaml");

  fs.add("/p/ok.yaml", "include: [a.yaml, c.yaml]\nvolumes:\n  same: {}\n");
  fs.add("/p/c.yaml", "networks:\n  shared: {driver: bridge}\n");
  auto ok = loader.load_file("/p/ok.yaml", {});
  REQUIRE(ok.ok());
  CHECK(json(*ok->find("networks")) == R"({"shared":{"driver":"bridge"}})");
}

TEST_CASE("include: a file including itself is a cycle", "[include]") {
  MemFileReader fs;
  fs.add("/p/compose.yaml", "include:\n  - compose.yaml\n");
  Loader loader(fs);
  auto doc = loader.load_file("/p/compose.yaml", {});
  REQUIRE_FALSE(doc.ok());
  CHECK(doc.error().code == Errc::kCycle);
  CHECK(doc.error().to_string() ==
        "/p/compose.yaml:2:5: include[0]: include cycle detected: /p/compose.yaml -> include /p/compose.yaml");
  CHECK(loader.specs.empty());
}

TEST_CASE("include: an indirect cycle names every file on the way", "[include]") {
  MemFileReader fs;
  fs.add("/p/compose.yaml", "include: [a.yaml]\n");
  fs.add("/p/a.yaml", "include: [sub/b.yaml]\n");
  fs.add("/p/sub/b.yaml", "include:\n  - path: ../a.yaml\n");
  Loader loader(fs);
  auto doc = loader.load_file("/p/compose.yaml", {});
  REQUIRE_FALSE(doc.ok());
  CHECK(doc.error().code == Errc::kCycle);
  CHECK(doc.error().to_string() ==
        "/p/sub/b.yaml:2:5: include[0]: include cycle detected: /p/compose.yaml -> include /p/a.yaml -> include "
        "/p/sub/b.yaml -> include /p/a.yaml\n"
        "  (while including /p/sub/b.yaml)\n"
        "  (while including /p/a.yaml)");
}

TEST_CASE("include: errors of the included project say which include", "[include]") {
  MemFileReader fs;
  fs.add("/p/compose.yaml", "include: [missing.yaml]\n");
  Loader loader(fs);
  auto doc = loader.load_file("/p/compose.yaml", {});
  REQUIRE_FALSE(doc.ok());
  CHECK(doc.error().code == Errc::kNotFound);
  CHECK(doc.error().to_string() == "open /p/missing.yaml: no such file or directory\n  (while including /p/missing.yaml)");
}

TEST_CASE("include: malformed values", "[include]") {
  MemFileReader none;  // never read: every case fails before loading
  Loader loader(none);
  auto run = [&](const std::string& yaml) {
    auto doc = parse_yaml(yaml, "/p/compose.yaml");
    REQUIRE(doc.ok());
    return apply_include(*doc, "/p/compose.yaml", "/p", {"/p/compose.yaml"}, loader.include_fn());
  };
  Status not_list = run("include: a.yaml\n");
  REQUIRE_FALSE(not_list.ok());
  CHECK(not_list.error().to_string() == "/p/compose.yaml:1:10: include: must be a list");
  Status bad_entry = run("include:\n  - [a]\n");
  REQUIRE_FALSE(bad_entry.ok());
  CHECK(bad_entry.error().to_string() == "/p/compose.yaml:2:5: include[0]: must be a path or a mapping");
  Status no_path = run("include:\n  - project_directory: x\n");
  REQUIRE_FALSE(no_path.ok());
  CHECK(no_path.error().to_string() == "/p/compose.yaml:2:5: include[0]: include entry is missing a path");
  Status bad_path = run("include:\n  - path: [[a]]\n");
  REQUIRE_FALSE(bad_path.ok());
  CHECK(bad_path.error().to_string() == "/p/compose.yaml:2:12: include[0].path[0]: must be a string");
  Status bad_env = run("include:\n  - path: a\n    env_file: {a: b}\n");
  REQUIRE_FALSE(bad_env.ok());
  CHECK(bad_env.error().to_string() ==
        "/p/compose.yaml:3:15: include[0].env_file: must be a string or a list of strings");
  Status remote = run("include:\n  - git@github.com:me/stack.git\n");
  REQUIRE_FALSE(remote.ok());
  CHECK(remote.error().code == Errc::kUnsupported);
  CHECK(remote.error().to_string() ==
        "/p/compose.yaml:2:5: include[0]: remote compose files are not supported: \"git@github.com:me/stack.git\"");
  Status remote_long = run("include:\n  - path: [oci://docker.io/x/y]\n");
  REQUIRE_FALSE(remote_long.ok());
  CHECK(remote_long.error().to_string() ==
        "/p/compose.yaml:2:11: include[0].path: remote compose files are not supported: \"oci://docker.io/x/y\"");
  Status null_include = run("include:\nservices: {}\n");
  CHECK(null_include.ok());
  CHECK(loader.specs.empty());
}

TEST_CASE("include: an including file whose resource key is not a mapping", "[include]") {
  MemFileReader fs;
  fs.add("/p/compose.yaml", "include: [a.yaml]\nservices: [x]\n");
  fs.add("/p/a.yaml", "services:\n  a: {image: a}\n");
  Loader loader(fs);
  auto doc = loader.load_file("/p/compose.yaml", {});
  REQUIRE_FALSE(doc.ok());
  CHECK(doc.error().to_string() == "/p/compose.yaml:2:11: services: must be a mapping");
}

TEST_CASE("include: the included project's own !reset tags act within it", "[include][tags]") {
  MemFileReader fs;
  fs.add("/p/compose.yaml", "include: [a.yaml]\n");
  fs.add("/p/a.yaml",
         "services:\n  base:\n    image: x\n    command: [run]\n  a:\n    extends: base\n    command: !reset\n");
  Loader loader(fs);
  auto doc = loader.load_file("/p/compose.yaml", {});
  REQUIRE(doc.ok());
  CHECK(json(*doc->find("services")->find("a")) == R"({"image":"x"})");
}

// ---- compose-go's fixtures ------------------------------------------------------

TEST_CASE("corpus: compose-include.yaml imports a service with its paths", "[include][corpus]") {
  DiskFileReader disk;
  Loader loader(disk);
  auto doc = loader.load_file(kTestdata + "/compose-include.yaml", {});
  REQUIRE(doc.ok());
  const Node& imported = *doc->find("services")->find("imported");
  CHECK(imported.find("image")->scalar == "nginx");
  CHECK(imported.find("env_file")->items[0].find("path")->scalar == kTestdata + "/subdir/extra.env");
  CHECK(json(*doc->find("services")->find("bar")) == R"({"environment":{"FOO":"BAR"},"image":"bar"})");
  CHECK(loader.specs[0].project_directory == kTestdata + "/subdir");
}

TEST_CASE("corpus: include/compose.yaml resolves against the included file", "[include][corpus]") {
  DiskFileReader disk;
  Loader loader(disk);
  auto doc = loader.load_file(kTestdata + "/include/compose.yaml", {});
  REQUIRE(doc.ok());
  const Node& s = *doc->find("services")->find("included");
  CHECK(s.find("build")->find("context")->scalar == kTestdata + "/include");
  CHECK(s.find("volumes")->items[0].find("source")->scalar == kTestdata + "/include");
  CHECK(s.find("volumes")->items[0].find("target")->scalar == "/mnt");
}

TEST_CASE("corpus: include/project-directory.yaml resolves against the project directory", "[include][corpus]") {
  DiskFileReader disk;
  Loader loader(disk);
  auto doc = loader.load_file(kTestdata + "/include/project-directory.yaml", {});
  REQUIRE(doc.ok());
  CHECK(loader.specs[0].project_directory == kTestdata + "/subdir");
  CHECK(loader.specs[0].paths == std::vector<std::string>{kTestdata + "/include/dir/compose.yaml"});
  const Node& s = *doc->find("services")->find("service");
  CHECK(s.find("build")->find("context")->scalar == kTestdata + "/subdir");
  CHECK(s.find("volumes")->items[0].find("source")->scalar == kTestdata + "/subdir/compose-test-extends-imported.yaml");
  CHECK(s.find("env_file")->items[0].find("path")->scalar == kTestdata + "/subdir/extra.env");
}

TEST_CASE("corpus: combined/compose.yaml includes a file that extends another", "[include][corpus]") {
  DiskFileReader disk;
  Loader loader(disk);
  auto doc = loader.load_file(kTestdata + "/combined/compose.yaml", {});
  REQUIRE(doc.ok());
  CHECK(json(*doc->find("services")) == "{\"service\":{\"build\":{\"context\":\"" + kTestdata + "/combined/dir\"}}}");
}

TEST_CASE("corpus: compose-include-cycle.yaml is a cycle", "[include][corpus]") {
  DiskFileReader disk;
  Loader loader(disk);
  std::string file = kTestdata + "/compose-include-cycle.yaml";
  auto doc = loader.load_file(file, {});
  REQUIRE_FALSE(doc.ok());
  CHECK(doc.error().code == Errc::kCycle);
  CHECK(doc.error().message == "include cycle detected: " + file + " -> include " + file);
}

TEST_CASE("include: an unknown key or a non-string project_directory in an entry is an error with its position", "[include]") {
  MemFileReader fs;
  fs.add("/p/compose.yaml", "include:\n  - path: inc.yaml\n    env-file: x.env\n");
  fs.add("/p/inc.yaml", "services:\n  foo:\n    image: theirs\n");
  Loader loader(fs);
  auto doc = loader.load_file("/p/compose.yaml", {});
  REQUIRE_FALSE(doc.ok());
  CHECK(doc.error().to_string() ==
        "/p/compose.yaml:3:5: include[0].env-file: additional property env-file is not allowed (path, env_file, "
        "project_directory)");
  CHECK(loader.specs.empty());

  fs.add("/p/dir.yaml", "include:\n  - path: inc.yaml\n    project_directory: [a]\n");
  auto dir = loader.load_file("/p/dir.yaml", {});
  REQUIRE_FALSE(dir.ok());
  CHECK(dir.error().to_string() == "/p/dir.yaml:3:24: include[0].project_directory: must be a string");
}
