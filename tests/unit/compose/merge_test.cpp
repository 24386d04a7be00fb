// merge_documents() / merge_service(): the compose-spec merge rules, key by key.
#include "racker/compose/merge.h"

#include <catch2/catch.hpp>

#include "racker/compose/canonical.h"
#include "racker/compose/serialize.h"
#include "racker/compose/source.h"
#include "unit/compose/node_json.h"

using namespace racker;
using racker::test::json;
using namespace racker::compose;

namespace {

Node load(const std::string& yaml, const std::string& file) {
  auto doc = parse_yaml(yaml, file);
  REQUIRE(doc.ok());
  Status st = canonicalize(*doc);
  REQUIRE(st.ok());
  return std::move(*doc);
}

Result<Node> merged(const std::string& base, const std::string& overlay) {
  return merge_documents(load(base, "base.yaml"), load(overlay, "over.yaml"));
}

// Compact JSON with sorted keys (wrapped: to_json orders top-level keys its own way).
std::string service(const std::string& body) { return "services:\n  web:\n" + body; }

// services.web.<key> after merging two service bodies (indented 4 spaces).
std::string web_key(const std::string& key, const std::string& base_body, const std::string& overlay_body) {
  auto doc = merged(service(base_body), service(overlay_body));
  REQUIRE(doc.ok());
  const Node* v = doc->find("services")->find("web")->find(key);
  return v ? json(*v) : "<absent>";
}

}  // namespace

// ---- mappings and scalars --------------------------------------------------

TEST_CASE("scalars: the overlay's value wins, with its marks", "[merge]") {
  auto doc = merged(service("    image: nginx\n    user: root\n"), service("    image: nginx:alpine\n"));
  REQUIRE(doc.ok());
  const Node& web = *doc->find("services")->find("web");
  CHECK(web.find("image")->scalar == "nginx:alpine");
  CHECK(web.find("image")->mark.file() == "over.yaml");
  CHECK(web.find_entry("image")->key_mark.file() == "over.yaml");
  CHECK(web.find("user")->mark.file() == "base.yaml");
  CHECK(web.find_entry("user")->key_mark.file() == "base.yaml");
}

TEST_CASE("mappings merge key by key, recursively", "[merge]") {
  CHECK(web_key("deploy", "    deploy:\n      resources: {limits: {cpus: '1', memory: 1g}}\n      replicas: 2\n",
                "    deploy:\n      resources: {limits: {memory: 2g}}\n      mode: replicated\n") ==
        R"({"mode":"replicated","replicas":2,"resources":{"limits":{"cpus":"1","memory":"2g"}}})");
}

TEST_CASE("services and top-level resources merge by name", "[merge]") {
  auto doc = merged(
      "services:\n  a: {image: a}\nnetworks:\n  front: {driver: bridge}\nvolumes:\n  data: {}\n"
      "secrets:\n  s: {file: ./s}\nconfigs:\n  c: {file: ./c}\nx-common: {a: 1}\n",
      "services:\n  b: {image: b}\nnetworks:\n  front: {internal: true}\n  back:\nvolumes:\n  data: {driver: local}\n"
      "secrets:\n  s: {file: ./t}\nconfigs:\n  d: {file: ./d}\nx-common: {b: 2}\n");
  REQUIRE(doc.ok());
  CHECK(json(*doc->find("services")) == R"({"a":{"image":"a"},"b":{"image":"b"}})");
  CHECK(json(*doc->find("networks")) == R"({"back":{},"front":{"driver":"bridge","internal":true}})");
  CHECK(json(*doc->find("volumes")) == R"({"data":{"driver":"local"}})");
  CHECK(json(*doc->find("secrets")) == R"({"s":{"file":"./t"}})");
  CHECK(json(*doc->find("configs")) == R"({"c":{"file":"./c"},"d":{"file":"./d"}})");
  CHECK(json(*doc->find("x-common")) == R"({"a":1,"b":2})");
}

TEST_CASE("an empty overlay value leaves the base's alone", "[merge]") {
  CHECK(web_key("deploy", "    deploy: {replicas: 2}\n", "    deploy:\n") == R"({"replicas":2})");
  CHECK(web_key("networks", "    networks: {front: {aliases: [a]}}\n", "    networks: {front: }\n") ==
        R"({"front":{"aliases":["a"]}})");
}

TEST_CASE("a mapping or sequence meeting another kind is an error", "[merge]") {
  auto doc = merged(service("    deploy: {replicas: 2}\n"), service("    deploy: fast\n"));
  REQUIRE_FALSE(doc.ok());
  CHECK(doc.error().code == Errc::kValidation);
  CHECK(doc.error().to_string() == "over.yaml:3:13: services.web.deploy: cannot override a mapping with a scalar");
  auto seq = merged(service("    security_opt: [a]\n"), service("    security_opt: {a: b}\n"));
  REQUIRE_FALSE(seq.ok());
  CHECK(seq.error().to_string() ==
        "over.yaml:3:19: services.web.security_opt: cannot override a sequence with a mapping");
}

// ---- maps whose values replace one by one ----------------------------------

TEST_CASE("environment: later values win, null included, list and map forms alike", "[merge]") {
  CHECK(web_key("environment", "    environment: [A=1, B=2, C=3]\n", "    environment: {B: over, C: , D: new}\n") ==
        R"({"A":"1","B":"over","C":null,"D":"new"})");
}

TEST_CASE("labels, annotations, sysctls, build args and deploy labels merge per key", "[merge]") {
  CHECK(web_key("labels", "    labels: [a=1, b=2]\n", "    labels: {b: 3}\n") == R"({"a":"1","b":"3"})");
  CHECK(web_key("annotations", "    annotations: {a: 1}\n", "    annotations: [b=2]\n") == R"({"a":"1","b":"2"})");
  CHECK(web_key("sysctls", "    sysctls: {net.a: 1}\n", "    sysctls: {net.a: 2}\n") == R"({"net.a":"2"})");
  CHECK(web_key("build", "    build: {context: ., args: [A=1, B]}\n", "    build: {args: {B: x}, target: dev}\n") ==
        R"({"args":{"A":"1","B":"x"},"context":".","target":"dev"})");
  CHECK(web_key("deploy", "    deploy: {labels: [a=1]}\n", "    deploy: {labels: [a=2, b=3]}\n") ==
        R"({"labels":{"a":"2","b":"3"}})");
}

TEST_CASE("extra_hosts: addresses of both, without repeats", "[merge]") {
  CHECK(web_key("extra_hosts", "    extra_hosts: [\"db:10.0.0.1\", \"x:1.1.1.1\"]\n",
                "    extra_hosts: [\"db:10.0.0.2\", \"db:10.0.0.1\", \"y=::1\"]\n") ==
        R"({"db":["10.0.0.1","10.0.0.2"],"x":["1.1.1.1"],"y":["::1"]})");
}

// ---- replaced whole ----------------------------------------------------------

TEST_CASE("command, entrypoint and healthcheck.test are replaced, not appended", "[merge]") {
  CHECK(web_key("command", "    command: [echo, foo]\n", "    command: [echo, bar]\n") == R"(["echo","bar"])");
  CHECK(web_key("entrypoint", "    entrypoint: /a b\n", "    entrypoint: [/c]\n") == R"(["/c"])");
  CHECK(web_key("healthcheck", "    healthcheck: {test: [CMD, a, b], retries: 3}\n",
                "    healthcheck: {test: curl x, interval: 5s}\n") ==
        R"({"interval":"5s","retries":3,"test":["CMD-SHELL","curl x"]})");
}

TEST_CASE("ulimits: each limit is replaced whole", "[merge]") {
  CHECK(web_key("ulimits", "    ulimits: {nofile: {soft: 1, hard: 2}, nproc: 10}\n", "    ulimits: {nofile: 5}\n") ==
        R"({"nofile":{"hard":5,"soft":5},"nproc":{"hard":10,"soft":10}})");
}

TEST_CASE("logging: merged with the same driver, replaced with another", "[merge]") {
  CHECK(web_key("logging", "    logging: {driver: json-file, options: {max-size: 1m}}\n",
                "    logging: {options: {max-file: '3'}}\n") ==
        R"({"driver":"json-file","options":{"max-file":"3","max-size":"1m"}})");
  CHECK(web_key("logging", "    logging: {driver: json-file, options: {max-size: 1m}}\n",
                "    logging: {driver: json-file, options: {max-size: 2m}}\n") ==
        R"({"driver":"json-file","options":{"max-size":"2m"}})");
  CHECK(web_key("logging", "    logging: {driver: json-file, options: {max-size: 1m}}\n",
                "    logging: {driver: syslog, options: {tag: x}}\n") ==
        R"({"driver":"syslog","options":{"tag":"x"}})");
}

// ---- sequences -----------------------------------------------------------------

TEST_CASE("ports: appended, one per {host_ip, published, target, protocol}", "[merge]") {
  CHECK(web_key("ports", "    ports: [\"8080:80\", \"443:443\"]\n",
                "    ports: [\"8080:80\", \"127.0.0.1:8080:80\", \"53:53/udp\", \"443:443/udp\"]\n") ==
        R"([{"mode":"ingress","protocol":"tcp","published":"8080","target":80},)"
        R"({"mode":"ingress","protocol":"tcp","published":"443","target":443},)"
        R"({"host_ip":"127.0.0.1","mode":"ingress","protocol":"tcp","published":"8080","target":80},)"
        R"({"mode":"ingress","protocol":"udp","published":"53","target":53},)"
        R"({"mode":"ingress","protocol":"udp","published":"443","target":443}])");
}

TEST_CASE("ports: a duplicate takes the overlay's entry and marks", "[merge]") {
  auto doc = merged(service("    ports: [{target: 80, published: 8080, name: old}]\n"),
                    service("    ports: [{target: 80, published: 8080, name: new}]\n"));
  REQUIRE(doc.ok());
  const Node& ports = *doc->find("services")->find("web")->find("ports");
  REQUIRE(ports.items.size() == 1);
  CHECK(ports.items[0].find("name")->scalar == "new");
  CHECK(ports.items[0].mark.file() == "over.yaml");
}

TEST_CASE("volumes: one mount per target, the overlay's replacing in place", "[merge]") {
  CHECK(web_key("volumes", "    volumes: [\"foo:/work\", \"/etc:/etc:ro\"]\n", "    volumes: [\"bar:/work\", /cache]\n") ==
        R"([{"source":"bar","target":"/work","type":"volume","volume":{}},)"
        R"({"bind":{"create_host_path":true},"read_only":true,"source":"/etc","target":"/etc","type":"bind"},)"
        R"({"target":"/cache","type":"volume","volume":{}}])");
}

TEST_CASE("secrets and configs: one per target, defaults from the source", "[merge]") {
  CHECK(web_key("secrets", "    secrets: [a, {source: b, target: /x}]\n",
                "    secrets: [{source: a2, target: /run/secrets/a}, {source: c, target: /x}]\n") ==
        R"([{"source":"a2","target":"/run/secrets/a"},{"source":"c","target":"/x"}])");
  CHECK(web_key("configs", "    configs: [a]\n", "    configs: [{source: b, target: /a}, c]\n") ==
        R"([{"source":"b","target":"/a"},{"source":"c"}])");
}

TEST_CASE("devices: one per target", "[merge]") {
  CHECK(web_key("devices", "    devices: [\"/dev/a:/dev/x\"]\n", "    devices: [\"/dev/b:/dev/x\", /dev/c]\n") ==
        R"([{"permissions":"rwm","source":"/dev/b","target":"/dev/x"},)"
        R"({"permissions":"rwm","source":"/dev/c","target":"/dev/c"}])");
}

TEST_CASE("env_file: one per path", "[merge]") {
  CHECK(web_key("env_file", "    env_file: [a.env, b.env]\n", "    env_file: [{path: a.env, required: false}, c.env]\n") ==
        R"([{"path":"a.env","required":false},{"path":"b.env","required":true},{"path":"c.env","required":true}])");
}

TEST_CASE("dns, dns_search, tmpfs, cap_add, cap_drop, expose, profiles: append without repeats", "[merge]") {
  CHECK(web_key("dns", "    dns: 1.1.1.1\n", "    dns: [8.8.8.8, 1.1.1.1]\n") == R"(["1.1.1.1","8.8.8.8"])");
  CHECK(web_key("dns_search", "    dns_search: [a]\n", "    dns_search: [b, a]\n") == R"(["a","b"])");
  CHECK(web_key("tmpfs", "    tmpfs: /run\n", "    tmpfs: [/run, /tmp]\n") == R"(["/run","/tmp"])");
  CHECK(web_key("cap_add", "    cap_add: [NET_ADMIN]\n", "    cap_add: [SYS_ADMIN, NET_ADMIN]\n") ==
        R"(["NET_ADMIN","SYS_ADMIN"])");
  CHECK(web_key("cap_drop", "    cap_drop: [ALL]\n", "    cap_drop: [ALL]\n") == R"(["ALL"])");
  CHECK(web_key("expose", "    expose: [80]\n", "    expose: [\"80\", 81]\n") == R"(["80","81"])");
  CHECK(web_key("profiles", "    profiles: [dev]\n", "    profiles: [dev, test]\n") == R"(["dev","test"])");
}

TEST_CASE("other sequences simply append", "[merge]") {
  CHECK(web_key("security_opt", "    security_opt: [label:role:ROLE]\n", "    security_opt: [label:user:USER]\n") ==
        R"(["label:role:ROLE","label:user:USER"])");
  CHECK(web_key("volumes_from", "    volumes_from: [a]\n", "    volumes_from: [a]\n") == R"(["a","a"])");
}

TEST_CASE("depends_on and networks merge as mappings", "[merge]") {
  CHECK(web_key("depends_on", "    depends_on: [db, cache]\n", "    depends_on: {db: {condition: service_healthy}}\n") ==
        R"({"cache":{"condition":"service_started","required":true},)"
        R"("db":{"condition":"service_healthy","required":true}})");
  CHECK(web_key("networks", "    networks: [front]\n", "    networks: {front: {aliases: [a]}, back: }\n") ==
        R"({"back":null,"front":{"aliases":["a"]}})");
  CHECK(web_key("networks", "    networks: {front: {aliases: [a, b]}}\n", "    networks: {front: {aliases: [b, c]}}\n") ==
        R"({"front":{"aliases":["a","b","c"]}})");
}

TEST_CASE("networks.*.ipam.config pools merge by subnet", "[merge]") {
  auto doc = merged("networks:\n  n:\n    ipam:\n      config:\n        - {subnet: 10.0.0.0/24, gateway: 10.0.0.1}\n",
                    "networks:\n  n:\n    ipam:\n      config:\n        - {subnet: 10.0.0.0/24, ip_range: 10.0.0.0/28}\n"
                    "        - {subnet: 10.1.0.0/24}\n");
  REQUIRE(doc.ok());
  CHECK(json(*doc->find("networks")->find("n")->find("ipam")) ==
        R"({"config":[{"gateway":"10.0.0.1","ip_range":"10.0.0.0/28","subnet":"10.0.0.0/24"},{"subnet":"10.1.0.0/24"}]})");
}

// ---- !reset and !override ----------------------------------------------------

TEST_CASE("!reset removes the key, whatever value it carries", "[merge][tags]") {
  auto doc = merged(service("    image: app\n    ports: [\"8080:80\"]\n    environment: {FOO: bar, KEEP: x}\n"),
                    service("    ports: !reset []\n    environment:\n      FOO: !reset null\n"));
  REQUIRE(doc.ok());
  CHECK(json(*doc->find("services")->find("web")) == R"({"environment":{"KEEP":"x"},"image":"app"})");
}

TEST_CASE("!override replaces the value whole and leaves no tag", "[merge][tags]") {
  auto doc = merged(service("    ports: [\"8080:80\"]\n    environment: {A: 1}\n"),
                    service("    ports: !override [\"8443:443\"]\n    environment: !override {B: 2}\n"));
  REQUIRE(doc.ok());
  const Node& web = *doc->find("services")->find("web");
  CHECK(json(*web.find("ports")) == R"([{"mode":"ingress","protocol":"tcp","published":"8443","target":443}])");
  CHECK(json(*web.find("environment")) == R"({"B":"2"})");
  CHECK(web.find("ports")->tag.empty());
  CHECK(web.find("ports")->mark.file() == "over.yaml");
}

TEST_CASE("tags of a new key, and in the base, are resolved too", "[merge][tags]") {
  auto doc = merged(service("    image: x\n    user: !reset root\n    dns: !override [1.1.1.1]\n"),
                    "services:\n  other:\n    image: y\n    ports: !reset []\n    command: !override [a]\n");
  REQUIRE(doc.ok());
  CHECK(json(*doc->find("services")) ==
        R"({"other":{"command":["a"],"image":"y"},"web":{"dns":["1.1.1.1"],"image":"x"}})");
  CHECK(doc->find("services")->find("web")->find("dns")->tag.empty());
  CHECK(doc->find("services")->find("other")->find("command")->tag.empty());
}

TEST_CASE("resolve_merge_tags: a document on its own", "[merge][tags]") {
  Node doc = load("services:\n  web:\n    image: x\n    command: !reset\n    ports: !override [\"80\"]\n"
                  "    dns: [a, !reset b, c]\n",
                  "f.yaml");
  resolve_merge_tags(doc);
  const Node& web = *doc.find("services")->find("web");
  CHECK(web.find("command") == nullptr);
  CHECK(web.find("ports")->tag.empty());
  CHECK(json(*web.find("dns")) == R"(["a","c"])");
}

// ---- merge_service (extends) --------------------------------------------------

TEST_CASE("merge_service: the extending service's keys win, with the same rules", "[merge][extends]") {
  Node base = load("services:\n  common:\n    image: busybox\n    environment: {TZ: utc, PORT: 80}\n"
                   "    volumes: [\"common-volume:/var/lib/backup/data:rw\"]\n",
                   "base.yaml");
  Node own = load("services:\n  cli:\n    environment: {PORT: 8080}\n"
                  "    volumes: [\"cli-volume:/var/lib/backup/data:ro\"]\n",
                  "over.yaml");
  auto m = merge_service(*base.find("services")->find("common"), *own.find("services")->find("cli"), "services.cli");
  REQUIRE(m.ok());
  CHECK(json(*m) == R"({"environment":{"PORT":"8080","TZ":"utc"},"image":"busybox",)"
                    R"("volumes":[{"read_only":true,"source":"cli-volume","target":"/var/lib/backup/data",)"
                    R"("type":"volume","volume":{}}]})");
}

TEST_CASE("merge_service: the overlay's tagged nodes stay for later merges", "[merge][extends][tags]") {
  Node base = load("services:\n  b:\n    command: sleep infinity\n    ports: [\"80:80\"]\n    user: !reset x\n", "b.yaml");
  Node own = load("services:\n  a:\n    command: !reset\n    ports: !override [\"90:90\"]\n", "a.yaml");
  auto m = merge_service(*base.find("services")->find("b"), *own.find("services")->find("a"), "services.a");
  REQUIRE(m.ok());
  REQUIRE(m->find("command"));
  CHECK(m->find("command")->tag == "!reset");
  CHECK(m->find("ports")->tag == "!override");
  CHECK(m->find("ports")->items.size() == 1);
  CHECK(m->find("user") == nullptr);  // the base's own tags are resolved
  // Merged onto an earlier file later, the kept tags still act.
  Node earlier = load("services:\n  a:\n    command: [x]\n    ports: [\"70:70\"]\n", "earlier.yaml");
  Node overlay = Node::map();
  overlay.set("services", Node::map()).set("a", *m);
  auto doc = merge_documents(earlier, overlay);
  REQUIRE(doc.ok());
  CHECK(json(*doc->find("services")->find("a")) ==
        R"({"ports":[{"mode":"ingress","protocol":"tcp","published":"90","target":90}]})");
}

TEST_CASE("merge_service: errors name the service path", "[merge][extends]") {
  Node base = load("services:\n  b:\n    deploy: {replicas: 1}\n", "b.yaml");
  Node own = load("services:\n  my.app:\n    deploy: [x]\n", "a.yaml");
  auto m = merge_service(*base.find("services")->find("b"), *own.find("services")->find("my.app"), "services.my.app");
  REQUIRE_FALSE(m.ok());
  CHECK(m.error().to_string() == "a.yaml:3:13: services.my.app.deploy: cannot override a mapping with a sequence");
}

TEST_CASE("merge_service: rules match service names containing dots", "[merge][extends]") {
  Node base = load("services:\n  b:\n    command: [a, b]\n", "b.yaml");
  Node own = load("services:\n  my.app:\n    command: [c]\n", "a.yaml");
  auto m = merge_service(*base.find("services")->find("b"), *own.find("services")->find("my.app"), "services.my.app");
  REQUIRE(m.ok());
  CHECK(json(*m->find("command")) == R"(["c"])");
}
