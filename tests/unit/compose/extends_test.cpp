// apply_extends(): same file, other files, chains, cycles and errors; then
// compose-go's own extends fixtures from the corpus.
#include "racker/compose/extends.h"

#include <catch2/catch.hpp>

#include "racker/compose/canonical.h"
#include "racker/compose/host.h"
#include "racker/compose/interpolate.h"
#include "racker/compose/merge.h"
#include "racker/compose/serialize.h"
#include "racker/compose/source.h"
#include "support/mem_file_reader.h"
#include "unit/compose/node_json.h"

using namespace racker;
using racker::test::json;
using namespace racker::compose;
using racker::test::MemFileReader;

namespace {

// read -> parse -> (interpolate) -> canonical, as the loader's LoadFileFn does.
struct Files {
  explicit Files(FileReader& r, bool interpolate_vars = false) : reader(r), interpolate(interpolate_vars) {}

  FileReader& reader;
  bool interpolate;
  std::vector<std::string> loaded;  // every LoadFileFn call, in order

  Result<Node> load(const std::string& path) {
    auto text = reader.read(path);
    if (!text) return text.error();
    auto doc = parse_yaml(*text, path);
    if (!doc) return doc;
    if (interpolate) {
      EnvMap none;
      if (Status st = interpolate_tree(*doc, lookup_in(none)); !st) return st.error();
    }
    if (Status st = canonicalize(*doc); !st) return st.error();
    return doc;
  }

  LoadFileFn fn() {
    return [this](const std::string& path) {
      loaded.push_back(path);
      return load(path);
    };
  }

  // Loads `path` and applies extends to it.
  Result<Node> extended(const std::string& path) {
    auto doc = load(path);
    if (!doc) return doc;
    if (Status st = apply_extends(*doc, path, parent_dir(path), fn()); !st) return st.error();
    return doc;
  }
};

const Node& service(const Node& doc, const std::string& name) {
  const Node* s = doc.find("services")->find(name);
  REQUIRE(s);
  return *s;
}

const std::string kTestdata = absolute_path(RACKER_CORPUS_DIR, "compose-go/loader/testdata");

}  // namespace

// ---- in memory ---------------------------------------------------------------

TEST_CASE("extends: a service of the same file is the base", "[extends]") {
  MemFileReader fs;
  fs.add("/p/compose.yaml",
         "services:\n  base:\n    image: busybox\n    environment: {TZ: utc, PORT: 80}\n"
         "  cli:\n    extends: base\n    environment: {PORT: 8080}\n    hostname: cli\n");
  Files files{fs};
  auto doc = files.extended("/p/compose.yaml");
  REQUIRE(doc.ok());
  CHECK(json(service(*doc, "cli")) == R"({"environment":{"PORT":"8080","TZ":"utc"},"hostname":"cli","image":"busybox"})");
  CHECK(json(service(*doc, "base")) == R"({"environment":{"PORT":"80","TZ":"utc"},"image":"busybox"})");
  CHECK(files.loaded.empty());
}

TEST_CASE("extends: chains resolve depth first, in any order of definition", "[extends]") {
  MemFileReader fs;
  fs.add("/p/compose.yaml",
         "services:\n  cli:\n    extends: {service: common}\n  common:\n    image: busybox\n    extends: base\n"
         "  base:\n    image: alpine\n    user: root\n");
  Files files{fs};
  auto doc = files.extended("/p/compose.yaml");
  REQUIRE(doc.ok());
  CHECK(json(service(*doc, "cli")) == R"({"image":"busybox","user":"root"})");
  CHECK(json(service(*doc, "common")) == R"({"image":"busybox","user":"root"})");
}

TEST_CASE("extends: every key is inherited, dependencies included", "[extends]") {
  MemFileReader fs;
  fs.add("/p/compose.yaml",
         "services:\n  base:\n    image: x\n    depends_on: [db]\n    volumes_from: [db]\n    links: [db]\n"
         "    network_mode: service:db\n  web:\n    extends: base\n  db:\n    image: db\n");
  Files files{fs};
  auto doc = files.extended("/p/compose.yaml");
  REQUIRE(doc.ok());
  CHECK(json(service(*doc, "web")) ==
        R"({"depends_on":{"db":{"condition":"service_started","required":true}},"image":"x","links":["db"],)"
        R"("network_mode":"service:db","volumes_from":["db"]})");
}

TEST_CASE("extends: a service from another file has its paths rebased onto that file", "[extends]") {
  MemFileReader fs;
  fs.add("/p/compose.yaml",
         "services:\n  web:\n    extends:\n      file: lib/common.yaml\n      service: base\n"
         "    volumes: [\"./own:/own\"]\n");
  fs.add("/p/lib/common.yaml",
         "services:\n  base:\n    build: .\n    env_file: base.env\n    volumes: [\"./data:/data\", \"~/h:/h\", \"named:/n\"]\n");
  Files files{fs};
  auto doc = files.extended("/p/compose.yaml");
  REQUIRE(doc.ok());
  const Node& web = service(*doc, "web");
  CHECK(web.find("build")->find("context")->scalar == "/p/lib");
  CHECK(web.find("env_file")->items[0].find("path")->scalar == "/p/lib/base.env");
  const Node& v = *web.find("volumes");
  REQUIRE(v.items.size() == 4);
  CHECK(v.items[0].find("source")->scalar == "/p/lib/data");
  CHECK(v.items[1].find("source")->scalar == "~/h");  // left for normalize, which knows HOME
  CHECK(v.items[2].find("source")->scalar == "named");
  CHECK(v.items[3].find("source")->scalar == "./own");  // the extending file's own paths stay relative
  CHECK(web.find("extends") == nullptr);
  CHECK(files.loaded == std::vector<std::string>{"/p/lib/common.yaml"});
}

TEST_CASE("extends: chains through several files rebase each step onto its own file", "[extends]") {
  MemFileReader fs;
  fs.add("/p/compose.yaml", "services:\n  web:\n    extends: {file: lib/b.yaml, service: b}\n");
  fs.add("/p/lib/b.yaml",
         "services:\n  b:\n    extends: {file: ../c/c.yaml, service: c}\n    env_file: b.env\n"
         "  other:\n    extends: b\n");
  fs.add("/p/c/c.yaml", "services:\n  c:\n    build: ./ctx\n    image: c\n");
  Files files{fs};
  auto doc = files.extended("/p/compose.yaml");
  REQUIRE(doc.ok());
  CHECK(json(service(*doc, "web")) ==
        R"({"build":{"context":"/p/c/ctx"},"env_file":[{"path":"/p/lib/b.env","required":true}],"image":"c"})");
  CHECK(files.loaded == std::vector<std::string>{"/p/lib/b.yaml", "/p/c/c.yaml"});
}

TEST_CASE("extends: another file is loaded once for all services using it", "[extends]") {
  MemFileReader fs;
  fs.add("/p/compose.yaml",
         "services:\n  a:\n    extends: {file: common.yaml, service: x}\n  b:\n    extends: {file: ./common.yaml, service: y}\n");
  fs.add("/p/common.yaml", "services:\n  x:\n    image: x\n  y:\n    extends: x\n    user: y\n");
  Files files{fs};
  auto doc = files.extended("/p/compose.yaml");
  REQUIRE(doc.ok());
  CHECK(json(service(*doc, "b")) == R"({"image":"x","user":"y"})");
  CHECK(files.loaded.size() == 1);
}

TEST_CASE("extends: a service extending one of the same name in another file", "[extends]") {
  MemFileReader fs;
  fs.add("/p/compose.yaml", "services:\n  web:\n    extends: {file: base.yaml, service: web}\n    image: mine\n");
  fs.add("/p/base.yaml", "services:\n  web:\n    image: theirs\n    user: nobody\n");
  Files files{fs};
  auto doc = files.extended("/p/compose.yaml");
  REQUIRE(doc.ok());
  CHECK(json(service(*doc, "web")) == R"({"image":"mine","user":"nobody"})");
}

TEST_CASE("extends: cycles are errors naming the chain", "[extends]") {
  MemFileReader fs;
  fs.add("/p/compose.yaml",
         "services:\n  a:\n    extends: b\n  b:\n    extends:\n      service: a\n  self:\n    extends: self\n");
  Files files{fs};
  auto doc = files.extended("/p/compose.yaml");
  REQUIRE_FALSE(doc.ok());
  CHECK(doc.error().code == Errc::kCycle);
  CHECK(doc.error().to_string() ==
        "/p/compose.yaml:3:14: services.a.extends: circular reference: a in /p/compose.yaml -> extends b in "
        "/p/compose.yaml -> extends a in /p/compose.yaml");

  fs.add("/p/self.yaml", "services:\n  self:\n    extends: self\n");
  auto self = files.extended("/p/self.yaml");
  REQUIRE_FALSE(self.ok());
  CHECK(self.error().message == "circular reference: self in /p/self.yaml -> extends self in /p/self.yaml");
}

TEST_CASE("extends: a cycle through other files is an error too", "[extends]") {
  MemFileReader fs;
  fs.add("/p/compose.yaml", "services:\n  web:\n    extends: {file: a.yaml, service: x}\n");
  fs.add("/p/a.yaml", "services:\n  x:\n    extends: {file: b.yaml, service: y}\n");
  fs.add("/p/b.yaml", "services:\n  y:\n    extends: {file: a.yaml, service: x}\n");
  Files files{fs};
  auto doc = files.extended("/p/compose.yaml");
  REQUIRE_FALSE(doc.ok());
  CHECK(doc.error().code == Errc::kCycle);
  CHECK(doc.error().message ==
        "circular reference: web in /p/compose.yaml -> extends x in /p/a.yaml -> extends y in /p/b.yaml -> extends x "
        "in /p/a.yaml");
}

TEST_CASE("extends: an unknown service names the file and the service", "[extends]") {
  MemFileReader fs;
  fs.add("/p/compose.yaml", "services:\n  web:\n    extends: nope\n");
  Files files{fs};
  auto doc = files.extended("/p/compose.yaml");
  REQUIRE_FALSE(doc.ok());
  CHECK(doc.error().code == Errc::kNotFound);
  CHECK(doc.error().to_string() ==
        "/p/compose.yaml:3:14: services.web.extends.service: cannot extend service \"web\" in /p/compose.yaml: "
        "service \"nope\" not found");

  fs.add("/p/other.yaml", "services:\n  web:\n    extends: {file: lib.yaml, service: nope}\n");
  fs.add("/p/lib.yaml", "services:\n  base: {image: x}\n");
  auto other = files.extended("/p/other.yaml");
  REQUIRE_FALSE(other.ok());
  CHECK(other.error().to_string() ==
        "/p/other.yaml:3:40: services.web.extends.service: cannot extend service \"web\" in /p/other.yaml: service "
        "\"nope\" not found in /p/lib.yaml");
}

TEST_CASE("extends: a file without services has none to extend", "[extends]") {
  MemFileReader fs;
  fs.add("/p/compose.yaml", "services:\n  web:\n    extends: {file: empty.yaml, service: base}\n");
  fs.add("/p/empty.yaml", "");
  Files files{fs};
  auto doc = files.extended("/p/compose.yaml");
  REQUIRE_FALSE(doc.ok());
  CHECK(doc.error().message ==
        "cannot extend service \"web\" in /p/compose.yaml: service \"base\" not found in /p/empty.yaml");
}

TEST_CASE("extends: a missing file points at the reference", "[extends]") {
  MemFileReader fs;
  fs.add("/p/compose.yaml", "services:\n  web:\n    extends:\n      file: gone.yaml\n      service: base\n");
  Files files{fs};
  auto doc = files.extended("/p/compose.yaml");
  REQUIRE_FALSE(doc.ok());
  CHECK(doc.error().code == Errc::kNotFound);
  CHECK(doc.error().to_string() ==
        "/p/compose.yaml:4:13: services.web.extends.file: open /p/gone.yaml: no such file or directory");
}

TEST_CASE("extends: remote files are not supported", "[extends]") {
  MemFileReader fs;
  fs.add("/p/compose.yaml", "services:\n  web:\n    extends: {file: \"oci://docker.io/x/y:1\", service: base}\n");
  Files files{fs};
  auto doc = files.extended("/p/compose.yaml");
  REQUIRE_FALSE(doc.ok());
  CHECK(doc.error().code == Errc::kUnsupported);
  CHECK(doc.error().to_string() ==
        "/p/compose.yaml:3:21: services.web.extends.file: remote compose files are not supported: "
        "\"oci://docker.io/x/y:1\"");
}

TEST_CASE("extends: errors inside the other file keep their place and say why it was read", "[extends]") {
  MemFileReader fs;
  fs.add("/p/compose.yaml", "services:\n  web:\n    extends: {file: bad.yaml, service: base}\n");
  fs.add("/p/bad.yaml", "services:\n  base:\n    ports: [\"99999\"]\n");
  Files files{fs};
  auto doc = files.extended("/p/compose.yaml");
  REQUIRE_FALSE(doc.ok());
  CHECK(doc.error().to_string() ==
        "/p/bad.yaml:3:13: services.base.ports[0]: invalid port \"99999\": port 99999 is out of range (0-65535)\n"
        "  (while extending services.web from /p/bad.yaml)");
}

TEST_CASE("extends: malformed extends values", "[extends]") {
  MemFileReader fs;
  fs.add("/p/a.yaml", "services:\n  web:\n    extends: {file: other.yaml}\n");
  fs.add("/p/b.yaml", "services:\n  web:\n    extends: {service: base, file: [x]}\n  base: {}\n");
  Files files{fs};
  auto a = files.extended("/p/a.yaml");
  REQUIRE_FALSE(a.ok());
  CHECK(a.error().to_string() ==
        "/p/a.yaml:3:14: services.web.extends: `service` is required: the name of the service to extend");
  auto b = files.extended("/p/b.yaml");
  REQUIRE_FALSE(b.ok());
  CHECK(b.error().to_string() == "/p/b.yaml:3:36: services.web.extends.file: must be a path");
}

TEST_CASE("extends: !reset in the extending service drops the base's value, and stays for -f merges",
          "[extends][tags]") {
  MemFileReader fs;
  fs.add("/p/compose.yaml",
         "services:\n  init:\n    image: alpine\n    command: sleep infinity\n  base:\n    extends: init\n"
         "    command: !reset\n");
  Files files{fs};
  auto doc = files.extended("/p/compose.yaml");
  REQUIRE(doc.ok());
  const Node& base = service(*doc, "base");
  REQUIRE(base.find("command"));
  CHECK(base.find("command")->tag == "!reset");
  resolve_merge_tags(*doc);
  CHECK(json(service(*doc, "base")) == R"({"image":"alpine"})");
}

TEST_CASE("extends: a document without services or with an empty base service", "[extends]") {
  MemFileReader fs;
  fs.add("/p/none.yaml", "networks:\n  n: {}\n");
  fs.add("/p/nil.yaml", "services:\n  nil:\n  web:\n    extends: nil\n    image: x\n");
  Files files{fs};
  REQUIRE(files.extended("/p/none.yaml").ok());
  auto doc = files.extended("/p/nil.yaml");
  REQUIRE(doc.ok());
  CHECK(json(service(*doc, "web")) == R"({"image":"x"})");
}

// ---- compose-go's fixtures ---------------------------------------------------

TEST_CASE("corpus: extends/base.yaml services, same file and other file", "[extends][corpus]") {
  DiskFileReader disk;
  MemFileReader fs;
  std::string main = kTestdata + "/inline.yaml";
  fs.add(main,
         "services:\n"
         "  test1: {extends: {file: extends/base.yaml, service: base}, hostname: test1}\n"
         "  test3: {extends: {file: extends/base.yaml, service: another}, hostname: test3}\n"
         "  port: {image: test, extends: {file: extends/base.yaml, service: with-port}}\n"
         "  ulimits: {extends: {file: extends/base.yaml, service: withUlimits}}\n"
         "  build: {extends: {file: extends/base.yaml, service: with-build}}\n"
         "  nil: {image: test, extends: {file: extends/base.yaml, service: nil}}\n");
  Files files{disk};
  Files mem{fs};
  auto inline_doc = mem.load(main);
  REQUIRE(inline_doc.ok());
  Status st = apply_extends(*inline_doc, main, kTestdata, files.fn());
  REQUIRE(st.ok());
  const Node& d = *inline_doc;
  CHECK(json(service(d, "test1")) == R"({"hostname":"test1","image":"base"})");
  CHECK(json(service(d, "test3")) == R"({"hostname":"test3","image":"base"})");
  CHECK(service(d, "port").find("ports")->items[0].find("target")->scalar == "8000");
  CHECK(json(*service(d, "ulimits").find("ulimits")) ==
        R"({"nofile":{"hard":40000,"soft":20000},"nproc":{"hard":65535,"soft":65535}})");
  CHECK(service(d, "build").find("build")->find("context")->scalar == kTestdata + "/extends");
  CHECK(json(service(d, "nil")) == R"({"image":"test"})");
}

TEST_CASE("corpus: compose-test-extends.yaml rebases the imported env_file", "[extends][corpus]") {
  DiskFileReader disk;
  Files files{disk};
  auto doc = files.extended(kTestdata + "/compose-test-extends.yaml");
  REQUIRE(doc.ok());
  const Node& importer = service(*doc, "importer");
  CHECK(importer.find("image")->scalar == "nginx");
  CHECK(importer.find("env_file")->items[0].find("path")->scalar == kTestdata + "/subdir/extra.env");
  CHECK(importer.find("volumes")->items[0].find("source")->scalar == "/opt/data");
}

TEST_CASE("corpus: a remote build context is kept as is", "[extends][corpus]") {
  DiskFileReader disk;
  Files files{disk};
  auto doc = files.extended(kTestdata + "/compose-test-extends-with-context-url.yaml");
  REQUIRE(doc.ok());
  CHECK(service(*doc, "importer-with-https-url").find("build")->find("context")->scalar ==
        "https://github.com/docker/compose.git");
}

TEST_CASE("corpus: extends/withdir follows files relative to each file", "[extends][corpus]") {
  DiskFileReader disk;
  Files files{disk};
  auto doc = files.extended(kTestdata + "/extends/withdir/compose.yaml");
  REQUIRE(doc.ok());
  CHECK(json(service(*doc, "test")) == R"({"image":"hello-world"})");
  CHECK(files.loaded == std::vector<std::string>{kTestdata + "/extends/withdir/dir/compose.yaml",
                                                 kTestdata + "/extends/withdir/dir/base.yaml"});
}

TEST_CASE("corpus: extends/reset.yaml drops the inherited command", "[extends][corpus]") {
  DiskFileReader disk;
  MemFileReader fs;
  std::string main = kTestdata + "/inline.yaml";
  fs.add(main, "services:\n  test:\n    extends: {file: extends/reset.yaml, service: base}\n");
  Files mem{fs};
  Files files{disk};
  auto doc = mem.load(main);
  REQUIRE(doc.ok());
  REQUIRE(apply_extends(*doc, main, kTestdata, files.fn()).ok());
  resolve_merge_tags(*doc);
  CHECK(json(service(*doc, "test")) == R"({"image":"alpine:latest"})");
}

TEST_CASE("corpus: extends/depends_on.yaml keeps the references to other services", "[extends][corpus]") {
  DiskFileReader disk;
  MemFileReader fs;
  std::string main = kTestdata + "/inline.yaml";
  fs.add(main,
         "services:\n"
         "  a: {extends: {file: extends/depends_on.yaml, service: with_depends_on}}\n"
         "  b: {extends: {file: extends/depends_on.yaml, service: with_volumes_from}}\n"
         "  c: {extends: {file: extends/depends_on.yaml, service: with_ipc}}\n"
         "  d: {extends: {file: extends/depends_on.yaml, service: with_network_mode}}\n");
  Files mem{fs};
  Files files{disk};
  auto doc = mem.load(main);
  REQUIRE(doc.ok());
  REQUIRE(apply_extends(*doc, main, kTestdata, files.fn()).ok());
  CHECK(json(*service(*doc, "a").find("depends_on")) == R"({"zot":{"condition":"service_started","required":true}})");
  CHECK(json(*service(*doc, "b").find("volumes_from")) == R"(["zot"])");
  CHECK(service(*doc, "c").find("ipc")->scalar == "service:zot");
  CHECK(service(*doc, "d").find("network_mode")->scalar == "service:zot");
}

TEST_CASE("corpus: extends/interpolated.yaml is interpolated with its defaults", "[extends][corpus]") {
  DiskFileReader disk;
  MemFileReader fs;
  std::string main = kTestdata + "/inline.yaml";
  fs.add(main, "services:\n  test:\n    extends: {file: extends/interpolated.yaml, service: foo}\n");
  Files mem{fs};
  Files files{disk, true};
  auto doc = mem.load(main);
  REQUIRE(doc.ok());
  REQUIRE(apply_extends(*doc, main, kTestdata, files.fn()).ok());
  const Node& v = service(*doc, "test").find("volumes")->items[0];
  CHECK(v.find("source")->scalar == "/dev/null");
  CHECK(v.find("type")->scalar == "bind");
  CHECK(v.find("read_only")->scalar == "true");
}

TEST_CASE("corpus: extends/ports.yaml merged with a file extending it keeps one port", "[extends][corpus]") {
  DiskFileReader disk;
  MemFileReader fs;
  std::string over = kTestdata + "/override.yaml";
  fs.add(over, "services:\n  test:\n    extends: {file: extends/ports.yaml, service: test}\n");
  Files files{disk};
  Files mem{fs};
  auto first = files.extended(kTestdata + "/extends/ports.yaml");
  REQUIRE(first.ok());
  auto second = mem.load(over);
  REQUIRE(second.ok());
  REQUIRE(apply_extends(*second, over, kTestdata, files.fn()).ok());
  auto merged = merge_documents(std::move(*first), *second);
  REQUIRE(merged.ok());
  CHECK(json(*service(*merged, "test").find("ports")) ==
        R"([{"mode":"ingress","protocol":"tcp","published":"8080","target":8080}])");
}
