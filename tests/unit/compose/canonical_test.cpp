// canonicalize(): every short syntax to the long one, and every error.
#include "racker/compose/canonical.h"

#include <catch2/catch.hpp>

#include "racker/compose/serialize.h"
#include "racker/compose/source.h"
#include "unit/compose/node_json.h"

using namespace racker;
using racker::test::json;
using namespace racker::compose;

namespace {

Result<Node> canonical(const std::string& yaml) {
  auto doc = parse_yaml(yaml, "compose.yaml");
  REQUIRE(doc.ok());
  if (Status st = canonicalize(*doc); !st) return st.error();
  return doc;
}

// A value as compact JSON: keys sorted, strings quoted, numbers and
// booleans bare. Wrapped so to_json's top-level key order does not apply.
// The canonical value at services.web.<key>, as json().
std::string web(const std::string& key, const std::string& value_yaml) {
  auto doc = canonical("services:\n  web:\n    " + key + ": " + value_yaml + "\n");
  REQUIRE(doc.ok());
  const Node* v = doc->find("services")->find("web")->find(key);
  REQUIRE(v);
  return json(*v);
}

std::string error_of(const std::string& yaml) {
  auto doc = canonical(yaml);
  REQUIRE_FALSE(doc.ok());
  return doc.error().to_string();
}

std::string port(const std::string& spec) { return web("ports", "[" + spec + "]"); }

}  // namespace

// ---- ports ---------------------------------------------------------------

TEST_CASE("ports: a bare target port", "[canonical][ports]") {
  CHECK(port("80") == R"([{"mode":"ingress","protocol":"tcp","target":80}])");
  CHECK(port("\"80\"") == R"([{"mode":"ingress","protocol":"tcp","target":80}])");
}

TEST_CASE("ports: published and target", "[canonical][ports]") {
  CHECK(port("\"8080:80\"") == R"([{"mode":"ingress","protocol":"tcp","published":"8080","target":80}])");
}

TEST_CASE("ports: host address, published, target and protocol", "[canonical][ports]") {
  CHECK(port("\"127.0.0.1:8080:80/udp\"") ==
        R"([{"host_ip":"127.0.0.1","mode":"ingress","protocol":"udp","published":"8080","target":80}])");
  CHECK(port("\"53:53/UDP\"") == R"([{"mode":"ingress","protocol":"udp","published":"53","target":53}])");
  CHECK(port("\"9000/sctp\"") == R"([{"mode":"ingress","protocol":"sctp","target":9000}])");
}

TEST_CASE("ports: a host range for one target is kept as a range", "[canonical][ports]") {
  CHECK(port("\"8000-8010:80\"") == R"([{"mode":"ingress","protocol":"tcp","published":"8000-8010","target":80}])");
}

TEST_CASE("ports: a target range expands to one entry per port", "[canonical][ports]") {
  CHECK(port("\"3000-3002\"") ==
        R"([{"mode":"ingress","protocol":"tcp","target":3000},)"
        R"({"mode":"ingress","protocol":"tcp","target":3001},)"
        R"({"mode":"ingress","protocol":"tcp","target":3002}])");
  CHECK(port("\"9090-9091:8080-8081\"") ==
        R"([{"mode":"ingress","protocol":"tcp","published":"9090","target":8080},)"
        R"({"mode":"ingress","protocol":"tcp","published":"9091","target":8081}])");
}

TEST_CASE("ports: IPv6 host addresses, bracketed or not", "[canonical][ports]") {
  CHECK(port("\"[::1]:80:80\"") ==
        R"([{"host_ip":"::1","mode":"ingress","protocol":"tcp","published":"80","target":80}])");
  CHECK(port("\"::1:8080:80\"") ==
        R"([{"host_ip":"::1","mode":"ingress","protocol":"tcp","published":"8080","target":80}])");
}

TEST_CASE("ports: a host address with an ephemeral published port", "[canonical][ports]") {
  CHECK(port("\"127.0.0.1::80\"") == R"([{"host_ip":"127.0.0.1","mode":"ingress","protocol":"tcp","target":80}])");
}

TEST_CASE("ports: the long form gets an int target, a string published and defaults", "[canonical][ports]") {
  CHECK(port("{target: \"80\", published: 8080}") ==
        R"([{"mode":"ingress","protocol":"tcp","published":"8080","target":80}])");
  CHECK(port("{target: 53, published: \"5353\", protocol: udp, mode: host, host_ip: 10.0.0.1, name: dns}") ==
        R"([{"host_ip":"10.0.0.1","mode":"host","name":"dns","protocol":"udp","published":"5353","target":53}])");
}

TEST_CASE("ports: the same port twice in one file is kept once", "[canonical][ports]") {
  CHECK(port("\"80:80\", 8080, \"80:80\"") ==
        R"([{"mode":"ingress","protocol":"tcp","published":"80","target":80},)"
        R"({"mode":"ingress","protocol":"tcp","target":8080}])");
}

TEST_CASE("ports, extra_hosts: uninterpolated values that do not parse are kept as written", "[canonical][ports]") {
  CHECK(port("\"${PORT:-8080}:80\", 81") ==
        R"(["${PORT:-8080}:80",{"mode":"ingress","protocol":"tcp","target":81}])");
  CHECK(web("extra_hosts", "[\"${HOSTS}\", \"a:1.2.3.4\"]") == R"(["${HOSTS}","a:1.2.3.4"])");
  CHECK(port("\"${P}0\"") == R"(["${P}0"])");
  CHECK(web("ulimits", "{nproc: \"${N}\"}") == R"({"nproc":"${N}"})");
}

TEST_CASE("ports: invalid specs name the item and its position", "[canonical][ports]") {
  const std::string head = "services:\n  web:\n    ports:\n      - 80\n      - ";
  CHECK(error_of(head + "\"80:80:80:80\"\n") ==
        "compose.yaml:5:9: services.web.ports[1]: invalid port \"80:80:80:80\": \"80:80\" is not an IP address");
  CHECK(error_of(head + "abc\n") ==
        "compose.yaml:5:9: services.web.ports[1]: invalid port \"abc\": \"abc\" is not a port number");
  CHECK(error_of(head + "70000\n") ==
        "compose.yaml:5:9: services.web.ports[1]: invalid port \"70000\": port 70000 is out of range (0-65535)");
  CHECK(error_of(head + "\"8000-8001:80-82\"\n") ==
        "compose.yaml:5:9: services.web.ports[1]: invalid port \"8000-8001:80-82\": container range 80-82 and host "
        "range 8000-8001 differ in size");
  CHECK(error_of(head + "\"90-80\"\n") ==
        "compose.yaml:5:9: services.web.ports[1]: invalid port \"90-80\": range 90-80 runs backwards");
  CHECK(error_of(head + "\"80/icmp\"\n") ==
        "compose.yaml:5:9: services.web.ports[1]: invalid port \"80/icmp\": unknown protocol \"icmp\"");
  CHECK(error_of(head + "\"8080:\"\n") == "compose.yaml:5:9: services.web.ports[1]: invalid port \"8080:\": no container port");
  CHECK(error_of(head + "\"8080:/tcp\"\n") ==
        "compose.yaml:5:9: services.web.ports[1]: invalid port \"8080:/tcp\": no container port");
  CHECK(error_of(head + "\"x:80\"\n") ==
        "compose.yaml:5:9: services.web.ports[1]: invalid port \"x:80\": \"x\" is not a port number");
  CHECK(error_of(head + "\"80-:80\"\n") ==
        "compose.yaml:5:9: services.web.ports[1]: invalid port \"80-:80\": empty port number");
  CHECK(error_of(head + "[80]\n") == "compose.yaml:5:9: services.web.ports[1]: must be a port string, a number or a "
                                     "mapping, not a sequence");
}

TEST_CASE("ports: long-form errors", "[canonical][ports]") {
  CHECK(error_of("services:\n  web:\n    ports:\n      - published: 80\n") ==
        "compose.yaml:4:9: services.web.ports[0]: port is missing a target");
  CHECK(error_of("services:\n  web:\n    ports:\n      - target: http\n") ==
        "compose.yaml:4:17: services.web.ports[0].target: invalid port \"http\": \"http\" is not a port number");
  CHECK(error_of("services:\n  web:\n    ports:\n      - target: [80]\n") ==
        "compose.yaml:4:17: services.web.ports[0].target: must be a port number, not a sequence");
}

TEST_CASE("ports must be a list", "[canonical][ports]") {
  CHECK(error_of("services:\n  web:\n    ports: \"80:80\"\n") ==
        "compose.yaml:3:12: services.web.ports: must be a list, not a scalar");
}

TEST_CASE("ports: each generated entry keeps the mark of its scalar", "[canonical][ports][marks]") {
  auto doc = canonical("services:\n  web:\n    ports:\n      - \"3000-3001:4000-4001\"\n");
  REQUIRE(doc.ok());
  const Node& ports = *doc->find("services")->find("web")->find("ports");
  REQUIRE(ports.items.size() == 2);
  CHECK(ports.items[1].mark.line == 4);
  CHECK(ports.items[1].mark.col == 9);
  CHECK(ports.items[1].find("target")->mark.line == 4);
  CHECK(ports.items[1].find("published")->style == ScalarStyle::kQuoted);
}

// ---- volumes -------------------------------------------------------------

TEST_CASE("volumes: a relative bind with options", "[canonical][volumes]") {
  CHECK(web("volumes", "[\"./data:/data:ro\"]") ==
        R"([{"bind":{"create_host_path":true},"read_only":true,"source":"./data","target":"/data","type":"bind"}])");
}

TEST_CASE("volumes: a named volume", "[canonical][volumes]") {
  CHECK(web("volumes", "[\"data:/data\"]") == R"([{"source":"data","target":"/data","type":"volume","volume":{}}])");
  CHECK(web("volumes", "[\"data:/data:nocopy\"]") ==
        R"([{"source":"data","target":"/data","type":"volume","volume":{"nocopy":true}}])");
}

TEST_CASE("volumes: absolute binds with SELinux and propagation options", "[canonical][volumes]") {
  CHECK(web("volumes", "[\"/host:/c:rw,z\"]") ==
        R"([{"bind":{"create_host_path":true,"selinux":"z"},"source":"/host","target":"/c","type":"bind"}])");
  CHECK(web("volumes", "[\"/host:/c:ro,Z,rshared\"]") ==
        R"([{"bind":{"create_host_path":true,"propagation":"rshared","selinux":"Z"},"read_only":true,)"
        R"("source":"/host","target":"/c","type":"bind"}])");
}

TEST_CASE("volumes: home-relative and parent-relative sources are binds", "[canonical][volumes]") {
  CHECK(web("volumes", "[\"~/x:/x\"]") ==
        R"([{"bind":{"create_host_path":true},"source":"~/x","target":"/x","type":"bind"}])");
  CHECK(web("volumes", "[\"../up:/up\"]") ==
        R"([{"bind":{"create_host_path":true},"source":"../up","target":"/up","type":"bind"}])");
}

TEST_CASE("volumes: an anonymous volume and a cleaned target", "[canonical][volumes]") {
  CHECK(web("volumes", "[/anon]") == R"([{"target":"/anon","type":"volume","volume":{}}])");
  CHECK(web("volumes", "[\"data:/srv//app/\"]") ==
        R"([{"source":"data","target":"/srv/app","type":"volume","volume":{}}])");
}

TEST_CASE("volumes: uninterpolated ${...} keeps its colons", "[canonical][volumes]") {
  CHECK(web("volumes", "[\"${SRC:-/data}:/data\"]") ==
        R"([{"source":"${SRC:-/data}","target":"/data","type":"volume","volume":{}}])");
}

TEST_CASE("volumes: the long form passes through", "[canonical][volumes]") {
  CHECK(web("volumes", "[{type: tmpfs, target: /tmp, tmpfs: {size: 1000}}]") ==
        R"([{"target":"/tmp","tmpfs":{"size":1000},"type":"tmpfs"}])");
}

TEST_CASE("volumes: a second mount on the same target replaces the first", "[canonical][volumes]") {
  CHECK(web("volumes", "[\"a:/data\", \"/x:/other\", \"b:/data\"]") ==
        R"([{"source":"b","target":"/data","type":"volume","volume":{}},)"
        R"({"bind":{"create_host_path":true},"source":"/x","target":"/other","type":"bind"}])");
}

TEST_CASE("volumes: invalid specs", "[canonical][volumes]") {
  const std::string head = "services:\n  web:\n    volumes:\n      - ";
  CHECK(error_of(head + "\"a::b\"\n") ==
        "compose.yaml:4:9: services.web.volumes[0]: invalid volume \"a::b\": empty section between colons");
  CHECK(error_of(head + "\"a:b:ro:extra\"\n") ==
        "compose.yaml:4:9: services.web.volumes[0]: invalid volume \"a:b:ro:extra\": too many colons");
  CHECK(error_of(head + "\"\"\n") == "compose.yaml:4:9: services.web.volumes[0]: invalid volume \"\": empty volume spec");
  CHECK(error_of(head + "[a]\n") ==
        "compose.yaml:4:9: services.web.volumes[0]: must be a string or a mapping, not a sequence");
}

// ---- command, entrypoint, healthcheck ------------------------------------

TEST_CASE("command: a string is split into words like a shell", "[canonical][command]") {
  CHECK(web("command", "echo hello world") == R"(["echo","hello","world"])");
  CHECK(web("command", "sh -c 'echo \"hi there\"'") == R"(["sh","-c","echo \"hi there\""])");
  CHECK(web("command", R"('bash -c "a  b"')") == R"(["bash","-c","a  b"])");
  CHECK(web("command", R"('printf a\ b "\"q\"" ''x y'' ""')") == R"(["printf","a b","\"q\"","x y",""])");
  CHECK(web("command", R"('echo $(date +%s) `id -u`')") == R"j(["echo","$(date +%s)","`id -u`"])j");
  CHECK(web("command", "\"\"") == "[]");
}

TEST_CASE("command: an unquoted shell operator ends the command, as in compose", "[canonical][command]") {
  CHECK(web("command", "'echo a && echo b'") == R"(["echo","a"])");
  CHECK(web("command", "'run 2>/dev/null'") == R"(["run"])");
  CHECK(web("command", "'sh -c \"a; b\"'") == R"(["sh","-c","a; b"])");
}

TEST_CASE("command: list items become strings, entrypoint alike", "[canonical][command]") {
  CHECK(web("command", "[sleep, 10]") == R"(["sleep","10"])");
  CHECK(web("entrypoint", "/bin/sh -c") == R"(["/bin/sh","-c"])");
  CHECK(web("command", "null") == "null");
}

TEST_CASE("command: malformed strings are errors", "[canonical][command]") {
  const std::string head = "services:\n  web:\n    command: ";
  CHECK(error_of(head + "\"echo 'oops\"\n") ==
        "compose.yaml:3:14: services.web.command: invalid command line \"echo 'oops\": unterminated single quote");
  CHECK(error_of(head + "'say \"hi'\n") ==
        "compose.yaml:3:14: services.web.command: invalid command line \"say \"hi\": unterminated double quote");
  CHECK(error_of(head + "'end\\'\n") ==
        "compose.yaml:3:14: services.web.command: invalid command line \"end\\\": trailing backslash");
  CHECK(error_of(head + "'f (x)'\n") ==
        "compose.yaml:3:14: services.web.command: invalid command line \"f (x)\": unbalanced parenthesis");
  CHECK(error_of(head + "'a `b'\n") ==
        "compose.yaml:3:14: services.web.command: invalid command line \"a `b\": unterminated backtick");
  CHECK(error_of(head + "{a: b}\n") ==
        "compose.yaml:3:14: services.web.command: must be a string or a list of strings, not a mapping");
}

TEST_CASE("hooks: command strings are split too", "[canonical][command]") {
  CHECK(web("post_start", "[{command: echo started}]") == R"([{"command":["echo","started"]}])");
}

TEST_CASE("healthcheck.test: a string becomes CMD-SHELL", "[canonical][healthcheck]") {
  CHECK(web("healthcheck", "{test: curl -f http://localhost}") == R"({"test":["CMD-SHELL","curl -f http://localhost"]})");
  CHECK(web("healthcheck", "{test: [CMD, curl, -f]}") == R"({"test":["CMD","curl","-f"]})");
}

// ---- maps from lists -------------------------------------------------------

TEST_CASE("environment: a list becomes a map, bare keys null", "[canonical][environment]") {
  CHECK(web("environment", "[A=1, B=, C, D=x=y]") == R"({"A":"1","B":"","C":null,"D":"x=y"})");
}

TEST_CASE("environment: map values become strings, null stays", "[canonical][environment]") {
  CHECK(web("environment", "{A: 1, B: true, C: 1.50, D: ~, E: text}") ==
        R"({"A":"1","B":"true","C":"1.50","D":null,"E":"text"})");
}

TEST_CASE("environment: errors", "[canonical][environment]") {
  CHECK(error_of("services:\n  web:\n    environment:\n      - \"A =1\"\n") ==
        "compose.yaml:4:9: services.web.environment[0]: variable \"A \" is declared with a trailing space");
  CHECK(error_of("services:\n  web:\n    environment:\n      - =1\n") ==
        "compose.yaml:4:9: services.web.environment[0]: \"=1\" has no key");
  CHECK(error_of("services:\n  web:\n    environment:\n      - [a]\n") ==
        "compose.yaml:4:9: services.web.environment[0]: must be a KEY=VALUE string, not a sequence");
  CHECK(error_of("services:\n  web:\n    environment:\n      A: [1]\n") ==
        "compose.yaml:4:10: services.web.environment.A: must be a string, number, boolean or null, not a sequence");
  CHECK(error_of("services:\n  web:\n    environment: A=1\n") ==
        "compose.yaml:3:18: services.web.environment: must be a mapping or a list of KEY=VALUE strings, not a scalar");
}

TEST_CASE("labels, annotations, sysctls: bare keys read as empty strings", "[canonical][labels]") {
  CHECK(web("labels", "[a=1, b]") == R"({"a":"1","b":""})");
  CHECK(web("labels", "{a: 1, b: }") == R"({"a":"1","b":""})");
  CHECK(web("annotations", "[com.example=x]") == R"({"com.example":"x"})");
  CHECK(web("sysctls", "[net.core.somaxconn=1024]") == R"({"net.core.somaxconn":"1024"})");
  CHECK(web("sysctls", "{net.core.somaxconn: 1024}") == R"({"net.core.somaxconn":"1024"})");
  CHECK(web("deploy", "{labels: [a=b]}") == R"({"labels":{"a":"b"}})");
}

TEST_CASE("build: a string is the context, args, labels, ssh become maps", "[canonical][build]") {
  CHECK(web("build", ".") == R"({"context":"."})");
  CHECK(web("build", "{context: ., args: [A=1, B], labels: [l=v], ssh: [default, key=/k]}") ==
        R"({"args":{"A":"1","B":null},"context":".","labels":{"l":"v"},"ssh":{"default":null,"key":"/k"}})");
  CHECK(web("build", "{context: ., additional_contexts: [base=docker-image://alpine]}") ==
        R"({"additional_contexts":{"base":"docker-image://alpine"},"context":"."})");
  CHECK(web("build", "{context: ., secrets: [token], ulimits: {nofile: 1024}}") ==
        R"({"context":".","secrets":[{"source":"token"}],"ulimits":{"nofile":{"hard":1024,"soft":1024}}})");
}

TEST_CASE("build: errors", "[canonical][build]") {
  CHECK(error_of("services:\n  web:\n    build:\n      context: .\n      ssh: [oops]\n") ==
        "compose.yaml:5:13: services.web.build.ssh[0]: invalid ssh key \"oops\"");
  CHECK(error_of("services:\n  web:\n    build:\n      additional_contexts: [nokey]\n") ==
        "compose.yaml:4:29: services.web.build.additional_contexts[0]: invalid value \"nokey\", expected key=value");
  CHECK(error_of("services:\n  web:\n    build: [a]\n") ==
        "compose.yaml:3:12: services.web.build: must be a string or a mapping, not a sequence");
}

TEST_CASE("extra_hosts: list and map forms become host -> addresses", "[canonical][extra_hosts]") {
  CHECK(web("extra_hosts", "[\"db:10.0.0.1\", \"v6=::1\", \"db=10.0.0.2,[fe80::1]\"]") ==
        R"({"db":["10.0.0.1","10.0.0.2","fe80::1"],"v6":["::1"]})");
  CHECK(web("extra_hosts", "{db: 10.0.0.1, many: [10.0.0.2, 10.0.0.3]}") ==
        R"({"db":["10.0.0.1"],"many":["10.0.0.2","10.0.0.3"]})");
}

TEST_CASE("extra_hosts: errors", "[canonical][extra_hosts]") {
  CHECK(error_of("services:\n  web:\n    extra_hosts: [nohost]\n") ==
        "compose.yaml:3:19: services.web.extra_hosts[0]: invalid extra host \"nohost\": missing IP address");
  CHECK(error_of("services:\n  web:\n    extra_hosts: [\"=1.2.3.4\"]\n") ==
        "compose.yaml:3:19: services.web.extra_hosts[0]: bad host name \"\"");
  CHECK(error_of("services:\n  web:\n    extra_hosts: {a: {b: c}}\n") ==
        "compose.yaml:3:22: services.web.extra_hosts.a: must be an IP address or a list of them, not a mapping");
}

TEST_CASE("networks and depends_on: lists become maps", "[canonical][networks][depends_on]") {
  CHECK(web("networks", "[front, back]") == R"({"back":null,"front":null})");
  CHECK(web("networks", "{front: {aliases: [a]}}") == R"({"front":{"aliases":["a"]}})");
  CHECK(web("depends_on", "[db]") == R"({"db":{"condition":"service_started","required":true}})");
  CHECK(web("depends_on", "{db: {condition: service_healthy}, cache: {required: false}}") ==
        R"({"cache":{"condition":"service_started","required":false},"db":{"condition":"service_healthy","required":true}})");
}

TEST_CASE("depends_on: entries must be mappings", "[canonical][depends_on]") {
  CHECK(error_of("services:\n  web:\n    depends_on:\n      db: healthy\n") ==
        "compose.yaml:4:11: services.web.depends_on.db: must be a mapping, not a scalar");
  CHECK(error_of("services:\n  web:\n    depends_on: [[db]]\n") ==
        "compose.yaml:3:18: services.web.depends_on[0]: must be a name, not a sequence");
}

TEST_CASE("env_file: string, list and long entries", "[canonical][env_file]") {
  CHECK(web("env_file", ".env") == R"([{"path":".env","required":true}])");
  CHECK(web("env_file", "[a.env, {path: b.env, required: false}, {path: c.env, format: raw}]") ==
        R"([{"path":"a.env","required":true},{"path":"b.env","required":false},)"
        R"({"format":"raw","path":"c.env","required":true}])");
  CHECK(error_of("services:\n  web:\n    env_file: [{required: true}]\n") ==
        "compose.yaml:3:16: services.web.env_file[0]: env_file entry is missing a path");
  CHECK(error_of("services:\n  web:\n    env_file: {path: a}\n") ==
        "compose.yaml:3:15: services.web.env_file: must be a string or a list, not a mapping");
}

// ---- small shapes ------------------------------------------------------------

TEST_CASE("strings become one-item lists", "[canonical][lists]") {
  CHECK(web("dns", "8.8.8.8") == R"(["8.8.8.8"])");
  CHECK(web("dns_search", "example.com") == R"(["example.com"])");
  CHECK(web("tmpfs", "/run") == R"(["/run"])");
  CHECK(web("cap_add", "NET_ADMIN") == R"(["NET_ADMIN"])");
  CHECK(web("label_file", "./labels") == R"(["./labels"])");
  CHECK(web("expose", "[80, \"90-91/udp\"]") == R"(["80","90-91/udp"])");
  CHECK(web("dns", "[1.1.1.1, 1.1.1.1]") == R"(["1.1.1.1"])");
  CHECK(error_of("services:\n  web:\n    dns: [[x]]\n") ==
        "compose.yaml:3:11: services.web.dns[0]: must be a string, not a sequence");
}

TEST_CASE("secrets and configs: a name becomes {source}", "[canonical][secrets]") {
  CHECK(web("secrets", "[token, {source: key, target: /k}]") == R"([{"source":"token"},{"source":"key","target":"/k"}])");
  CHECK(web("configs", "[conf]") == R"([{"source":"conf"}])");
  CHECK(error_of("services:\n  web:\n    secrets: [[a]]\n") ==
        "compose.yaml:3:15: services.web.secrets[0]: must be a string or a mapping, not a sequence");
}

TEST_CASE("ulimits: a number is both soft and hard", "[canonical][ulimits]") {
  CHECK(web("ulimits", "{nproc: 65535, nofile: {soft: 20000, hard: 40000}}") ==
        R"({"nofile":{"hard":40000,"soft":20000},"nproc":{"hard":65535,"soft":65535}})");
  CHECK(error_of("services:\n  web:\n    ulimits: {nproc: lots}\n") ==
        "compose.yaml:3:22: services.web.ulimits.nproc: must be a number or a mapping with soft and hard, not a scalar");
}

TEST_CASE("devices: src[:dst[:perm]]", "[canonical][devices]") {
  CHECK(web("devices", "[/dev/fuse, \"/dev/sda:/dev/xvda\", \"/dev/snd:/dev/snd:r\"]") ==
        R"([{"permissions":"rwm","source":"/dev/fuse","target":"/dev/fuse"},)"
        R"({"permissions":"rwm","source":"/dev/sda","target":"/dev/xvda"},)"
        R"({"permissions":"r","source":"/dev/snd","target":"/dev/snd"}])");
  CHECK(error_of("services:\n  web:\n    devices: [\"a:b:c:d\"]\n") ==
        "compose.yaml:3:15: services.web.devices[0]: invalid device \"a:b:c:d\": too many colons, use the long syntax");
  CHECK(error_of("services:\n  web:\n    devices: [\":/dev/x\"]\n") ==
        "compose.yaml:3:15: services.web.devices[0]: invalid device \":/dev/x\": no host device");
}

TEST_CASE("extends: a name becomes {service}", "[canonical][extends]") {
  CHECK(web("extends", "base") == R"({"service":"base"})");
  CHECK(web("extends", "{file: other.yaml, service: base}") == R"({"file":"other.yaml","service":"base"})");
  CHECK(error_of("services:\n  web:\n    extends: [base]\n") ==
        "compose.yaml:3:14: services.web.extends: must be a string or a mapping, not a sequence");
}

TEST_CASE("gpus: all becomes a device request", "[canonical][gpus]") {
  CHECK(web("gpus", "all") == R"([{"count":"all"}])");
}

// ---- top-level resources and include ------------------------------------------

TEST_CASE("resources: null becomes an empty mapping", "[canonical][resources]") {
  auto doc = canonical("networks:\n  front:\nvolumes:\n  data:\nsecrets:\n  s:\n    file: ./s\nconfigs:\n  c:\n");
  REQUIRE(doc.ok());
  CHECK(json(*doc->find("networks")) == R"({"front":{}})");
  CHECK(json(*doc->find("volumes")) == R"({"data":{}})");
  CHECK(json(*doc->find("configs")) == R"({"c":{}})");
  CHECK(doc->find("networks")->find("front")->mark.file() == "compose.yaml");
}

TEST_CASE("resources: deprecated external.name becomes name + external: true", "[canonical][resources]") {
  auto doc = canonical("volumes:\n  data:\n    external:\n      name: real\n  other:\n    external: true\n");
  REQUIRE(doc.ok());
  CHECK(json(*doc->find("volumes")) == R"({"data":{"external":true,"name":"real"},"other":{"external":true}})");
  auto same = canonical("networks:\n  n:\n    name: real\n    external: {name: real}\n");
  REQUIRE(same.ok());
  CHECK(json(*same->find("networks")) == R"({"n":{"external":true,"name":"real"}})");
  CHECK(error_of("networks:\n  n:\n    name: a\n    external:\n      name: b\n") ==
        "compose.yaml:5:13: networks.n.external.name: name and external.name conflict; only use name");
  CHECK(error_of("volumes:\n  data: [x]\n") == "compose.yaml:2:9: volumes.data: must be a mapping, not a sequence");
}

TEST_CASE("resources: labels lists become maps", "[canonical][resources]") {
  auto doc = canonical("networks:\n  n:\n    labels: [a=b]\nvolumes:\n  v:\n    labels: [c]\n");
  REQUIRE(doc.ok());
  CHECK(json(*doc->find("networks")) == R"({"n":{"labels":{"a":"b"}}})");
  CHECK(json(*doc->find("volumes")) == R"({"v":{"labels":{"c":""}}})");
}

TEST_CASE("include: entries become {path: [...]} with env_file lists", "[canonical][include]") {
  auto doc = canonical("include:\n  - a.yaml\n  - path: b.yaml\n    env_file: b.env\n  - path: [c.yaml, d.yaml]\n");
  REQUIRE(doc.ok());
  CHECK(json(*doc->find("include")) ==
        R"([{"path":["a.yaml"]},{"env_file":["b.env"],"path":["b.yaml"]},{"path":["c.yaml","d.yaml"]}])");
  CHECK(error_of("include:\n  - env_file: x\n") == "compose.yaml:2:5: include[0]: include entry is missing a path");
  CHECK(error_of("include:\n  - path: []\n") == "compose.yaml:2:11: include[0].path: include entry is missing a path");
  CHECK(error_of("include:\n  - [a]\n") == "compose.yaml:2:5: include[0]: must be a path or a mapping, not a sequence");
}

// ---- tags, marks, pass-through -----------------------------------------------

TEST_CASE("!reset values are left alone and !override tags survive rewriting", "[canonical][tags]") {
  auto doc = canonical(
      "services:\n  web:\n    ports: !reset null\n    environment: !override [A=1]\n    command: !override echo hi\n");
  REQUIRE(doc.ok());
  const Node& web = *doc->find("services")->find("web");
  CHECK(web.find("ports")->is_null());
  CHECK(web.find("ports")->tag == "!reset");
  CHECK(web.find("environment")->tag == "!override");
  CHECK(json(*web.find("environment")) == R"({"A":"1"})");
  CHECK(web.find("command")->tag == "!override");
  CHECK(json(*web.find("command")) == R"(["echo","hi"])");
}

TEST_CASE("new nodes take the mark of the scalar they came from", "[canonical][marks]") {
  auto doc = canonical("services:\n  web:\n    environment:\n      - A=1\n    command: echo hi\n    build: ./app\n");
  REQUIRE(doc.ok());
  const Node& web = *doc->find("services")->find("web");
  const Entry* a = web.find("environment")->find_entry("A");
  REQUIRE(a);
  CHECK(a->key_mark.line == 4);
  CHECK(a->value.mark.line == 4);
  CHECK(a->value.mark.col == 9);
  CHECK(web.find("command")->items[1].mark.line == 5);
  CHECK(web.find("command")->items[1].mark.file() == "compose.yaml");
  CHECK(web.find("build")->find("context")->mark.line == 6);
}

TEST_CASE("unknown keys, null services and x- extensions pass through", "[canonical]") {
  auto doc = canonical("services:\n  empty:\n  web:\n    image: nginx\n    x-custom: [1]\nx-top: {a: 1}\n");
  REQUIRE(doc.ok());
  CHECK(doc->find("services")->find("empty")->is_null());
  CHECK(json(*doc->find("services")->find("web")) == R"({"image":"nginx","x-custom":[1]})");
  CHECK(json(*doc->find("x-top")) == R"({"a":1})");
}
