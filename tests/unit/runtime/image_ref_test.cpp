#include "racker/runtime/image_ref.h"

#include <catch2/catch.hpp>

using namespace racker;
using namespace racker::runtime;

namespace {
std::string full(const char* text) {
  auto r = parse_image_ref(text);
  return r ? r->str() : "error: " + r.error().message;
}
}  // namespace

TEST_CASE("short names normalize to docker.io/library with latest", "[image_ref]") {
  CHECK(full("debian") == "docker.io/library/debian:latest");
  CHECK(full("influxdb:1.8-alpine") == "docker.io/library/influxdb:1.8-alpine");
  CHECK(full("grafana/grafana:8.0.2") == "docker.io/grafana/grafana:8.0.2");
  CHECK(full("docker.io/debian") == "docker.io/library/debian:latest");
  CHECK(full("index.docker.io/library/postgres:15") == "docker.io/library/postgres:15");
}

TEST_CASE("registries are recognized by dot, port or localhost", "[image_ref]") {
  CHECK(full("ghcr.io/o/n:tag") == "ghcr.io/o/n:tag");
  CHECK(full("localhost:5000/x") == "localhost:5000/x:latest");
  CHECK(full("localhost/x") == "localhost/x:latest");
  CHECK(full("127.0.0.1:5000/a/b/c:1") == "127.0.0.1:5000/a/b/c:1");
  CHECK(full("myhost:5000/x") == "myhost:5000/x:latest");
  auto r = parse_image_ref("ghcr.io/o/n:tag");
  REQUIRE(r.ok());
  CHECK(r->domain == "ghcr.io");
  CHECK(r->path == "o/n");
  CHECK(r->tag == "tag");
}

TEST_CASE("digests pin content and suppress the default tag", "[image_ref]") {
  std::string hex(64, 'a');
  auto r = parse_image_ref("debian@sha256:" + hex);
  REQUIRE(r.ok());
  CHECK(r->tag.empty());
  REQUIRE(r->digest);
  CHECK(r->manifest_reference() == "sha256:" + hex);
  CHECK(r->str() == "docker.io/library/debian@sha256:" + hex);
  CHECK(full(("debian:12@sha256:" + hex).c_str()) == "docker.io/library/debian:12@sha256:" + hex);
}

TEST_CASE("familiar names drop docker.io and library", "[image_ref]") {
  CHECK(parse_image_ref("debian")->familiar() == "debian:latest");
  CHECK(parse_image_ref("grafana/grafana:8.0.2")->familiar() == "grafana/grafana:8.0.2");
  CHECK(parse_image_ref("ghcr.io/o/n:tag")->familiar() == "ghcr.io/o/n:tag");
  CHECK(parse_image_ref("docker.io/library/a/b")->familiar_repository() == "library/a/b");
}

TEST_CASE("invalid references get docker's wording", "[image_ref]") {
  CHECK(full("") == "error: invalid reference format");
  CHECK(full("Debian") == "error: invalid reference format: repository name must be lowercase");
  CHECK(full("debian:") == "error: invalid reference format");
  CHECK(full("debian:-bad") == "error: invalid reference format");
  CHECK(full("a//b") == "error: invalid reference format");
  CHECK(full("debian@sha256:abc") == "error: invalid reference format");
  CHECK(full("-debian") == "error: invalid reference format");
  CHECK(full("foo/Bar") == "error: invalid reference format: repository name must be lowercase");
  CHECK(full("debian:12:13") == "error: invalid reference format");
  CHECK(parse_image_ref("x y").error().code == Errc::kInvalidArgument);
}

TEST_CASE("separators inside path components follow docker's grammar", "[image_ref]") {
  CHECK(full("a.b_c__d---e") == "docker.io/library/a.b_c__d---e:latest");
  CHECK(full("a___b") == "error: invalid reference format");
  CHECK(full("a..b") == "error: invalid reference format");
}

TEST_CASE("image ids are told apart from names", "[image_ref]") {
  CHECK(looks_like_image_id("sha256:" + std::string(64, 'b')));
  CHECK(looks_like_image_id("0123456789ab"));
  CHECK_FALSE(looks_like_image_id("debian"));
  CHECK_FALSE(looks_like_image_id("abc"));
}
