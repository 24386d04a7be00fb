// normalize(): the merged document made explicit the way `docker compose
// config` prints it.
#include "racker/compose/normalize.h"

#include <algorithm>
#include <catch2/catch.hpp>

#include "racker/compose/source.h"
#include "support/mem_file_reader.h"

using namespace racker;
using namespace racker::compose;
using racker::test::MemFileReader;

namespace {

struct Fixture {
  MemFileReader files;
  EnvMap env;
  NormalizeContext ctx;

  Fixture() {
    ctx.project_name = "proj";
    ctx.project_dir = "/proj";
    ctx.home = "/home/u";
    ctx.lookup = lookup_in(env);  // env outlives ctx: both are members
    ctx.files = &files;
  }

  Node run(const std::string& yaml) {
    auto doc = parse_yaml(yaml, "/proj/compose.yaml");
    REQUIRE(doc.ok());
    auto st = normalize(*doc, ctx);
    if (!st.ok()) FAIL(st.error().to_string());
    return *doc;
  }

  Error fail(const std::string& yaml) {
    auto doc = parse_yaml(yaml, "/proj/compose.yaml");
    REQUIRE(doc.ok());
    auto st = normalize(*doc, ctx);
    REQUIRE_FALSE(st.ok());
    return st.error();
  }
};

// A compact, serializer-independent view of a node: flow style, keys sorted,
// quoted scalars in "..." (a string compose prints as such), plain ones bare.
std::string show(const Node& n) {
  switch (n.kind) {
    case NodeKind::kNull: return "null";
    case NodeKind::kScalar: return n.style == ScalarStyle::kQuoted ? "\"" + n.scalar + "\"" : n.scalar;
    case NodeKind::kSequence: {
      std::string out;
      for (const Node& item : n.items) out += (out.empty() ? "" : ", ") + show(item);
      return "[" + out + "]";
    }
    case NodeKind::kMapping: {
      std::vector<const Entry*> entries;
      for (const Entry& e : n.entries) entries.push_back(&e);
      std::sort(entries.begin(), entries.end(), [](const Entry* a, const Entry* b) { return a->key < b->key; });
      std::string out;
      for (const Entry* e : entries) out += (out.empty() ? "" : ", ") + e->key + ": " + show(e->value);
      return "{" + out + "}";
    }
  }
  return "?";
}

// show() of the node at `path` (keys) below `doc`.
std::string at(const Node& doc, std::initializer_list<const char*> path) {
  const Node* n = &doc;
  for (const char* key : path) {
    n = n->find(key);
    if (!n) return std::string("<no ") + key + ">";
  }
  return show(*n);
}

}  // namespace

TEST_CASE("the project name comes first", "[normalize]") {
  Fixture f;
  Node doc = f.run("services: {}\nname: other\n");
  REQUIRE_FALSE(doc.entries.empty());
  CHECK(doc.entries.front().key == "name");
  CHECK(doc.entries.front().value.scalar == "proj");
  CHECK(doc.entries.size() == 2);
}

TEST_CASE("services without networks join the default network, which is declared", "[normalize]") {
  Fixture f;
  Node doc = f.run(R"(services:
  a: {image: x}
  b: {image: x, networks: {}}
  c: {image: x, network_mode: host}
  d: {image: x, networks: {back: null}}
networks:
  back: {}
)");
  CHECK(at(doc, {"services", "a", "networks"}) == "{default: null}");
  CHECK(at(doc, {"services", "b", "networks"}) == "{default: null}");
  CHECK(doc.find("services")->find("c")->find("networks") == nullptr);
  CHECK(at(doc, {"services", "d", "networks"}) == "{back: null}");
  CHECK(at(doc, {"networks"}) == R"({back: {name: "proj_back"}, default: {name: "proj_default"}})");
}

TEST_CASE("no default network is declared when no service uses it", "[normalize]") {
  Fixture f;
  Node doc = f.run("services:\n  a: {image: x, network_mode: none}\n");
  CHECK(doc.find("networks") == nullptr);
  Node explicit_default =
      f.run("services:\n  a: {image: x, networks: [default]}\nnetworks:\n  default: {driver_opts: {mtu: \"1400\"}}\n");
  CHECK(at(explicit_default, {"networks", "default"}) == R"({driver_opts: {mtu: "1400"}, name: "proj_default"})");
}

TEST_CASE("resources are named <project>_<key> unless named or external", "[normalize]") {
  Fixture f;
  Node doc = f.run(R"(services: {}
networks:
  n1:
  n2: {name: custom}
  n3: {external: true}
volumes:
  v1: {}
  v2: {external: true, name: real}
secrets:
  s1: {file: ./s}
configs:
  c1: {external: "true"}
)");
  CHECK(at(doc, {"networks"}) == R"({n1: {name: "proj_n1"}, n2: {name: custom}, n3: {external: true, name: "n3"}})");
  CHECK(at(doc, {"volumes"}) == R"({v1: {name: "proj_v1"}, v2: {external: true, name: real}})");
  CHECK(at(doc, {"secrets", "s1", "name"}) == R"("proj_s1")");
  CHECK(at(doc, {"secrets", "s1", "file"}) == "/proj/s");
  CHECK(at(doc, {"configs", "c1", "name"}) == R"("c1")");
}

TEST_CASE("defaults compose fills in", "[normalize]") {
  Fixture f;
  Node doc = f.run(R"(services:
  web:
    image: x
    pull_policy: if_not_present
    build: {dockerfile: Dockerfile.dev}
    ports: [{target: 80}]
    secrets: [{source: token}, {source: other, target: /t}]
    volumes:
      - {type: bind, source: ./data, target: /data/, bind: {}}
      - {type: volume, source: v, target: /a/../b/./c}
    depends_on:
      db: {}
    pre_start: [{command: [migrate]}, {command: [x], image: tools}]
  inline:
    image: y
    build: {dockerfile_inline: FROM scratch}
  db:
    image: z
)");
  const Node& web = *doc.find("services")->find("web");
  CHECK(web.find("pull_policy")->scalar == "missing");
  CHECK(at(web, {"build"}) == R"({context: "/proj", dockerfile: Dockerfile.dev})");
  CHECK(at(doc, {"services", "inline", "build"}) == R"({context: "/proj", dockerfile_inline: FROM scratch})");
  CHECK(at(web, {"ports"}) == R"([{mode: "ingress", protocol: "tcp", target: 80}])");
  CHECK(at(web, {"secrets"}) == R"([{source: token, target: "/run/secrets/token"}, {source: other, target: /t}])");
  CHECK(at(web, {"volumes"}) ==
        R"([{bind: {create_host_path: true}, source: /proj/data, target: "/data", type: bind}, )"
        R"({source: v, target: "/b/c", type: volume}])");
  CHECK(at(web, {"depends_on"}) == R"({db: {condition: "service_started", required: true}})");
  CHECK(at(web, {"pre_start"}) == R"([{command: [migrate], image: "x"}, {command: [x], image: tools}])");
}

TEST_CASE("links, shared namespaces and volumes_from add implicit dependencies", "[normalize]") {
  Fixture f;
  Node doc = f.run(R"(services:
  web:
    image: x
    links: ["db:database", cache]
    network_mode: "service:proxy"
    ipc: "service:shm"
    volumes_from: ["data:ro", "container:legacy"]
    depends_on:
      cache: {condition: service_healthy}
)");
  CHECK(at(doc, {"services", "web", "depends_on"}) ==
        R"({cache: {condition: service_healthy, required: true}, )"
        R"(data: {condition: "service_started", required: true, restart: false}, )"
        R"(db: {condition: "service_started", required: true, restart: true}, )"
        R"(proxy: {condition: "service_started", required: true, restart: true}, )"
        R"(shm: {condition: "service_started", required: true, restart: true}})");
  // The implicit entry points at what caused it.
  const Entry* db = doc.find("services")->find("web")->find("depends_on")->find_entry("db");
  CHECK(db->key_mark.line == 4);
}

TEST_CASE("durations and sizes are spelled as compose prints them", "[normalize]") {
  Fixture f;
  Node doc = f.run(R"(services:
  web:
    image: x
    stop_grace_period: 90s
    healthcheck: {interval: 1h, timeout: 1500ms, start_period: bogus}
    mem_limit: 512m
    shm_size: 1024
    deploy:
      restart_policy: {delay: 5s}
      resources: {limits: {memory: 1g}}
    volumes: [{type: tmpfs, target: /t, tmpfs: {size: 1k}}]
)");
  const Node& web = *doc.find("services")->find("web");
  CHECK(web.find("stop_grace_period")->scalar == "1m30s");
  CHECK(at(web, {"healthcheck"}) == R"({interval: "1h0m0s", start_period: bogus, timeout: "1.5s"})");
  CHECK(at(web, {"mem_limit"}) == R"("536870912")");
  CHECK(web.find("shm_size")->scalar == "1024");
  CHECK(at(web, {"deploy", "restart_policy", "delay"}) == R"("5s")");
  CHECK(at(web, {"deploy", "resources", "limits", "memory"}) == R"("1073741824")");
  CHECK(web.find("volumes")->items[0].find("tmpfs")->find("size")->scalar == "1024");
}

TEST_CASE("env_file contents merge under environment, environment wins", "[normalize]") {
  Fixture f;
  f.env["PROJECT_VAR"] = "from-project";
  f.env["BARE"] = "resolved";
  f.files.add("/proj/a.env", "A=from-a\nSHARED=from-a\nREF=${PROJECT_VAR}\nOWN=${SVC_ONLY}\n");
  f.files.add("/proj/b.env", "SHARED=from-b\nB=from-b\nFROM_A=${A}\n");
  Node doc = f.run(R"(services:
  web:
    image: x
    env_file:
      - {path: ./a.env}
      - {path: b.env, required: true}
      - {path: ./optional.env, required: false}
    environment:
      SHARED: from-environment
      BARE: null
      UNSET: null
      SVC_ONLY: svc
)");
  const Node& web = *doc.find("services")->find("web");
  CHECK(web.find("env_file") == nullptr);
  CHECK(at(web, {"environment"}) ==
        R"({A: "from-a", B: "from-b", BARE: "resolved", FROM_A: "from-a", OWN: "svc", REF: "from-project", )"
        R"(SHARED: from-environment, SVC_ONLY: svc, UNSET: null})");
}

TEST_CASE("a bare environment key wins over env_file even when unset, as in compose", "[normalize]") {
  Fixture f;
  f.files.add("/proj/.env.web", "KEY=from-file\n");
  Node doc = f.run("services:\n  web:\n    image: x\n    env_file: [{path: .env.web}]\n    environment: {KEY: null}\n");
  CHECK(at(doc, {"services", "web", "environment"}) == "{KEY: null}");
}

TEST_CASE("short env_file and label_file forms are read too", "[normalize]") {
  Fixture f;
  f.files.add("/proj/web.env", "X=1\n");
  f.files.add("/proj/web.labels", "com.example.a=file\ncom.example.b=file\n");
  Node doc = f.run(R"(services:
  web:
    image: x
    env_file: web.env
    label_file: ./web.labels
    labels: {com.example.b: own}
)");
  const Node& web = *doc.find("services")->find("web");
  CHECK(at(web, {"environment"}) == R"({X: "1"})");
  CHECK(at(web, {"labels"}) == R"({com.example.a: "file", com.example.b: own})");
  CHECK(web.find("label_file") == nullptr);
}

TEST_CASE("a missing required env_file is an error at its entry", "[normalize]") {
  Fixture f;
  Error e = f.fail("services:\n  web:\n    image: x\n    env_file:\n      - {path: ./nope.env}\n");
  CHECK(e.code == Errc::kNotFound);
  CHECK(e.to_string() == "/proj/compose.yaml:5:9: services.web.env_file[0]: env file /proj/nope.env not found");
  Error labels = f.fail("services:\n  web:\n    image: x\n    label_file: [x.labels]\n");
  CHECK(labels.to_string() ==
        "/proj/compose.yaml:4:18: services.web.label_file[0]: label file /proj/x.labels not found");
}

TEST_CASE("env_file errors: bad syntax and unknown formats", "[normalize]") {
  Fixture f;
  f.files.add("/proj/bad.env", "GOOD=1\nBAD LINE\n");
  Error e = f.fail("services:\n  web:\n    image: x\n    env_file: [{path: bad.env}]\n");
  CHECK(e.code == Errc::kParse);
  REQUIRE(e.at);
  CHECK(e.at->file == "/proj/bad.env");
  CHECK(e.context == std::vector<std::string>{"while reading env file /proj/bad.env (services.web.env_file[0])"});
  Error format = f.fail("services:\n  web:\n    image: x\n    env_file: [{path: bad.env, format: toml}]\n");
  CHECK(format.to_string() ==
        "/proj/compose.yaml:4:16: services.web.env_file[0]: unsupported env file format \"toml\"");
}

TEST_CASE("bare build args take the environment's value or are dropped", "[normalize]") {
  Fixture f;
  f.env["VERSION"] = "1.2";
  Node doc = f.run("services:\n  web:\n    build:\n      args: {VERSION: null, MISSING: null, SET: x}\n");
  CHECK(at(doc, {"services", "web", "build", "args"}) == R"({SET: x, VERSION: "1.2"})");
}

TEST_CASE("scale is copied into deploy.replicas, different values are an error", "[normalize]") {
  Fixture f;
  Node doc = f.run("services:\n  web:\n    image: x\n    scale: 3\n    deploy: {resources: {}}\n  db:\n    image: y\n    scale: 2\n");
  CHECK(at(doc, {"services", "web", "deploy", "replicas"}) == "3");
  CHECK(doc.find("services")->find("db")->find("deploy") == nullptr);  // compose adds no deploy section
  Node same = f.run("services:\n  web:\n    image: x\n    scale: 2\n    deploy: {replicas: 2}\n");
  CHECK(at(same, {"services", "web", "deploy", "replicas"}) == "2");
  Error e = f.fail("services:\n  web:\n    image: x\n    scale: 3\n    deploy: {replicas: 2}\n");
  CHECK(e.code == Errc::kValidation);
  CHECK(e.to_string() ==
        "/proj/compose.yaml:4:12: services.web.scale: can't set distinct values on 'scale' and 'deploy.replicas' "
        "(3 and 2)");
}

TEST_CASE("a config's environment value becomes its content", "[normalize]") {
  Fixture f;
  f.env["CONF"] = "key=value";
  Node doc = f.run("services: {}\nconfigs:\n  c: {environment: CONF}\n  d: {environment: UNSET}\n");
  CHECK(at(doc, {"configs", "c"}) == R"({content: "key=value", environment: CONF, name: "proj_c"})");
  CHECK(at(doc, {"configs", "d"}) == R"({environment: UNSET, name: "proj_d"})");
}

TEST_CASE("normalize is idempotent", "[normalize]") {
  Fixture f;
  f.files.add("/proj/a.env", "A=1\n");
  const char* yaml = R"(services:
  web:
    image: x
    build: {context: .}
    env_file: [{path: a.env}]
    links: [db]
    ports: [{target: 80, published: "8080"}]
    healthcheck: {interval: 90s}
  db: {image: y}
volumes:
  v: {}
)";
  Node once = f.run(yaml);
  Node twice = once;
  REQUIRE(normalize(twice, f.ctx).ok());
  CHECK(show(twice) == show(once));
}

TEST_CASE("raw env files are read literally, like docker run --env-file", "[normalize]") {
  Fixture f;
  f.env["INHERIT"] = "from-project";
  f.files.add("/proj/.env.raw", "# comment\n  A=\"quoted\" $NOT_EXPANDED # kept\nB=\nINHERIT\nMISSING\r\n");
  Node doc = f.run("services:\n  web:\n    image: x\n    env_file: [{path: .env.raw, format: raw}]\n");
  CHECK(at(doc, {"services", "web", "environment"}) ==
        R"({A: ""quoted" $NOT_EXPANDED # kept", B: "", INHERIT: "from-project"})");

  f.files.add("/proj/bad.raw", "OK=1\nBAD KEY=2\n");
  Error e = f.fail("services:\n  web:\n    image: x\n    env_file: [{path: bad.raw, format: raw}]\n");
  CHECK(e.code == Errc::kParse);
  CHECK(e.to_string() == "/proj/bad.raw:2:1: failed to parse env_file /proj/bad.raw: variable 'BAD KEY' contains "
                         "whitespaces");
  f.files.add("/proj/nokey.raw", "=value\n");
  Error nokey = f.fail("services:\n  web:\n    image: x\n    env_file: [{path: nokey.raw, format: raw}]\n");
  CHECK(nokey.to_string() == "/proj/nokey.raw:1:1: failed to parse env_file /proj/nokey.raw: no variable name on line "
                             "'=value'");
}

TEST_CASE("normalize needs a mapping and, for env files, a FileReader", "[normalize]") {
  Fixture f;
  Node scalar = Node::str("text", Mark{"/proj/compose.yaml", 1, 1});
  auto st = normalize(scalar, f.ctx);
  REQUIRE_FALSE(st.ok());
  CHECK(st.error().to_string() == "/proj/compose.yaml:1:1: top-level object must be a mapping");
  f.ctx.files = nullptr;
  Error e = f.fail("services:\n  web:\n    image: x\n    env_file: [{path: a.env}]\n");
  CHECK(e.code == Errc::kInternal);
  CHECK(e.message == "normalize: no FileReader to read /proj/a.env");
}

TEST_CASE("env_file and label_file entries of the wrong shape are errors", "[normalize]") {
  Fixture f;
  auto error_of = [&](const std::string& files) {
    return f.fail("services:\n  web:\n    image: x\n    env_file: " + files + "\n").to_string();
  };
  CHECK(error_of("{path: a}") == "/proj/compose.yaml:4:15: services.web.env_file: must be a string or a list");
  CHECK(error_of("[{required: false}]") == "/proj/compose.yaml:4:16: services.web.env_file[0]: path is required");
  CHECK(error_of("[{path: [a]}]") == "/proj/compose.yaml:4:23: services.web.env_file[0].path: must be a string");
  CHECK(error_of("[{path: a, required: maybe}]") ==
        "/proj/compose.yaml:4:36: services.web.env_file[0].required: must be a boolean");
  CHECK(error_of("[{path: a, format: [raw]}]") ==
        "/proj/compose.yaml:4:34: services.web.env_file[0].format: must be a string");
  CHECK(error_of("[[a]]") == "/proj/compose.yaml:4:16: services.web.env_file[0]: must be a string or a mapping");
  Error labels = f.fail("services:\n  web:\n    image: x\n    label_file: {a: b}\n");
  CHECK(labels.to_string() == "/proj/compose.yaml:4:17: services.web.label_file: must be a string or a list");
}
