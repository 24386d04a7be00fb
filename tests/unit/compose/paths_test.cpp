// resolve_paths() / resolve_service_paths(): which paths become absolute.
#include "racker/compose/paths.h"

#include <catch2/catch.hpp>

#include "racker/compose/canonical.h"
#include "racker/compose/source.h"

using namespace racker;
using namespace racker::compose;

namespace {

Node resolved(const std::string& yaml, const std::string& home = "/home/me") {
  auto doc = parse_yaml(yaml, "compose.yaml");
  REQUIRE(doc.ok());
  REQUIRE(canonicalize(*doc).ok());
  resolve_paths(*doc, "/proj", home);
  return std::move(*doc);
}

const Node& web(const Node& doc) { return *doc.find("services")->find("web"); }

std::string context_of(const std::string& context) {
  Node doc = resolved("services:\n  web:\n    build: \"" + context + "\"\n");
  return web(doc).find("build")->find("context")->scalar;
}

}  // namespace

TEST_CASE("build.context: local paths become absolute", "[paths]") {
  CHECK(context_of(".") == "/proj");
  CHECK(context_of("./app") == "/proj/app");
  CHECK(context_of("../other/app/") == "/other/app");
  CHECK(context_of("/abs/app") == "/abs/app");
  CHECK(context_of("~/src") == "/home/me/src");
}

TEST_CASE("build.context: URLs, git remotes and named contexts stay", "[paths]") {
  for (const char* remote : {"https://github.com/docker/compose.git", "http://example.com/ctx.tar.gz",
                             "git://example.com/repo", "ssh://git@example.com/repo", "github.com/docker/compose",
                             "git@github.com:docker/compose.git", "docker-image://alpine", "service:base"})
    CHECK(context_of(remote) == remote);
}

TEST_CASE("build: a missing context defaults to the base directory, but not for one service", "[paths]") {
  Node doc = resolved("services:\n  web:\n    build:\n      dockerfile_inline: FROM busybox\n");
  CHECK(web(doc).find("build")->find("context")->scalar == "/proj");
  auto svc = parse_yaml("build:\n  dockerfile: Dockerfile.dev\n", "other.yaml");
  REQUIRE(svc.ok());
  resolve_service_paths(*svc, "/lib", "");
  CHECK(svc->find("build")->find("context") == nullptr);
}

TEST_CASE("build.additional_contexts and ssh paths", "[paths]") {
  Node doc = resolved(
      "services:\n  web:\n    build:\n      context: .\n      additional_contexts: [lib=../lib, img=docker-image://x]\n"
      "      ssh: [default, key=./id_rsa]\n");
  const Node& build = *web(doc).find("build");
  CHECK(build.find("additional_contexts")->find("lib")->scalar == "/lib");
  CHECK(build.find("additional_contexts")->find("img")->scalar == "docker-image://x");
  CHECK(build.find("ssh")->find("key")->scalar == "/proj/id_rsa");
  CHECK(build.find("ssh")->find("default")->is_null());
}

TEST_CASE("bind sources become absolute, volume names stay", "[paths]") {
  Node doc = resolved(
      "services:\n  web:\n    volumes:\n      - ./data:/data\n      - data:/named\n      - ~/x:/x\n      - /abs:/abs\n"
      "      - {type: bind, source: rel, target: /rel}\n      - /anon\n");
  const Node& v = *web(doc).find("volumes");
  CHECK(v.items[0].find("source")->scalar == "/proj/data");
  CHECK(v.items[1].find("source")->scalar == "data");
  CHECK(v.items[2].find("source")->scalar == "/home/me/x");
  CHECK(v.items[3].find("source")->scalar == "/abs");
  CHECK(v.items[4].find("source")->scalar == "/proj/rel");
  CHECK(v.items[5].find("source") == nullptr);
}

TEST_CASE("without a home, ~ is left for later and never joined to the base", "[paths]") {
  Node doc = resolved("services:\n  web:\n    volumes: [\"~/x:/x\", \"~:/h\"]\n    env_file: ~user/env\n", "");
  const Node& w = web(doc);
  CHECK(w.find("volumes")->items[0].find("source")->scalar == "~/x");
  CHECK(w.find("volumes")->items[1].find("source")->scalar == "~");
  CHECK(w.find("env_file")->items[0].find("path")->scalar == "~user/env");
  Node with_home = resolved("services:\n  web:\n    volumes: [\"~:/h\"]\n");
  CHECK(web(with_home).find("volumes")->items[0].find("source")->scalar == "/home/me");
}

TEST_CASE("env_file, label_file, extends.file and develop.watch paths", "[paths]") {
  Node doc = resolved(
      "services:\n  web:\n    env_file: [a.env, {path: /etc/b.env, required: false}]\n    label_file: ./labels\n"
      "    extends: {file: ../common.yaml, service: base}\n    develop:\n      watch: [{path: ./src, action: sync}]\n");
  const Node& w = web(doc);
  CHECK(w.find("env_file")->items[0].find("path")->scalar == "/proj/a.env");
  CHECK(w.find("env_file")->items[1].find("path")->scalar == "/etc/b.env");
  CHECK(w.find("label_file")->items[0].scalar == "/proj/labels");
  CHECK(w.find("extends")->find("file")->scalar == "/common.yaml");
  CHECK(w.find("develop")->find("watch")->items[0].find("path")->scalar == "/proj/src");
}

TEST_CASE("top-level secrets/configs files, bind-like local volumes, include entries", "[paths]") {
  Node doc = resolved(
      "secrets:\n  s: {file: ./secret.txt}\n  e: {environment: TOKEN}\nconfigs:\n  c: {file: conf/app.conf}\n"
      "volumes:\n  v: {driver: local, driver_opts: {type: none, o: bind, device: ./vdata}}\n"
      "  w: {driver: local, driver_opts: {device: ./kept}}\n"
      "include:\n  - path: sub/compose.yaml\n    env_file: sub/.env\n    project_directory: sub\n");
  CHECK(doc.find("secrets")->find("s")->find("file")->scalar == "/proj/secret.txt");
  CHECK(doc.find("configs")->find("c")->find("file")->scalar == "/proj/conf/app.conf");
  CHECK(doc.find("volumes")->find("v")->find("driver_opts")->find("device")->scalar == "/proj/vdata");
  CHECK(doc.find("volumes")->find("w")->find("driver_opts")->find("device")->scalar == "./kept");
  const Node& inc = doc.find("include")->items[0];
  CHECK(inc.find("path")->items[0].scalar == "/proj/sub/compose.yaml");
  CHECK(inc.find("env_file")->items[0].scalar == "/proj/sub/.env");
  CHECK(inc.find("project_directory")->scalar == "/proj/sub");
}

TEST_CASE("remote compose files are told apart from paths", "[paths]") {
  CHECK(is_remote_compose_file("oci://docker.io/me/stack:1"));
  CHECK(is_remote_compose_file("https://example.com/compose.yaml"));
  CHECK(is_remote_compose_file("git@github.com:me/stack.git"));
  CHECK_FALSE(is_remote_compose_file("../common/compose.yaml"));
  CHECK_FALSE(is_remote_compose_file("/srv/git@host/compose.yaml"));
  Node doc = resolved("services:\n  web:\n    extends: {file: \"git@github.com:me/stack.git\", service: a}\n");
  CHECK(web(doc).find("extends")->find("file")->scalar == "git@github.com:me/stack.git");
}

TEST_CASE("resolving twice changes nothing more", "[paths]") {
  Node doc = resolved("services:\n  web:\n    build: ../app\n    volumes: [\"./d:/d\", \"~/h:/h\"]\n");
  Node again = doc;
  resolve_paths(again, "/elsewhere", "/home/other");
  CHECK(same_value(doc, again));
}

TEST_CASE("resolve_service_paths rebases one service", "[paths]") {
  Node doc = resolved("services:\n  web:\n    build: .\n", "");
  auto svc = parse_yaml("build: .\nvolumes: [\"./x:/x\"]\nenv_file: e.env\n", "other.yaml");
  REQUIRE(svc.ok());
  Node wrapper = Node::map();
  wrapper.set("services", Node::map()).set("s", *svc);
  REQUIRE(canonicalize(wrapper).ok());
  Node& s = *wrapper.find("services")->find("s");
  resolve_service_paths(s, "/lib/common", "");
  CHECK(s.find("build")->find("context")->scalar == "/lib/common");
  CHECK(s.find("volumes")->items[0].find("source")->scalar == "/lib/common/x");
  CHECK(s.find("env_file")->items[0].find("path")->scalar == "/lib/common/e.env");
}
