#include "racker/runtime/image_manifest.h"

#include <catch2/catch.hpp>

using namespace racker;
using namespace racker::runtime;

namespace {
const std::string kD1 = "sha256:" + std::string(64, '1');
const std::string kD2 = "sha256:" + std::string(64, '2');
const std::string kD3 = "sha256:" + std::string(64, '3');
}  // namespace

TEST_CASE("docker schema2 manifest", "[manifest]") {
  std::string body = R"({"schemaVersion":2,"mediaType":"application/vnd.docker.distribution.manifest.v2+json",
    "config":{"mediaType":"application/vnd.docker.container.image.v1+json","size":10,"digest":")" + kD1 + R"("},
    "layers":[{"mediaType":"application/vnd.docker.image.rootfs.diff.tar.gzip","size":20,"digest":")" + kD2 + R"("},
              {"mediaType":"application/vnd.docker.image.rootfs.diff.tar.gzip","size":30,"digest":")" + kD3 + R"("}]})";
  auto doc = parse_manifest(body, "application/vnd.docker.distribution.manifest.v2+json");
  REQUIRE(doc.ok());
  REQUIRE(doc->manifest);
  CHECK(doc->manifest->config.digest.str() == kD1);
  REQUIRE(doc->manifest->layers.size() == 2);
  CHECK(doc->manifest->layers[1].size == 30);
}

TEST_CASE("OCI manifest without mediaType is recognized by shape", "[manifest]") {
  std::string body = R"({"schemaVersion":2,"config":{"mediaType":"application/vnd.oci.image.config.v1+json","size":1,"digest":")" +
                     kD1 + R"("},"layers":[]})";
  auto doc = parse_manifest(body, "");
  REQUIRE(doc.ok());
  CHECK(doc->manifest->media_type == media_type::kOciManifest);
}

TEST_CASE("index with platform selection", "[manifest]") {
  std::string body = R"({"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[
    {"mediaType":"application/vnd.oci.image.manifest.v1+json","size":1,"digest":")" + kD1 + R"(","platform":{"os":"linux","architecture":"arm","variant":"v7"}},
    {"mediaType":"application/vnd.oci.image.manifest.v1+json","size":1,"digest":")" + kD2 + R"(","platform":{"os":"linux","architecture":"arm64","variant":"v8"}},
    {"mediaType":"application/vnd.oci.image.manifest.v1+json","size":1,"digest":")" + kD3 + R"(","platform":{"os":"linux","architecture":"amd64"}}]})";
  auto doc = parse_manifest(body, "application/vnd.oci.image.index.v1+json");
  REQUIRE(doc.ok());
  REQUIRE(doc->index);
  CHECK(select_platform(*doc->index, *parse_platform("linux/amd64"))->digest.str() == kD3);
  CHECK(select_platform(*doc->index, *parse_platform("linux/arm64"))->digest.str() == kD2);
  CHECK(select_platform(*doc->index, *parse_platform("linux/arm/v7"))->digest.str() == kD1);
  auto miss = select_platform(*doc->index, *parse_platform("linux/s390x"));
  REQUIRE_FALSE(miss.ok());
  CHECK(miss.error().message == "no matching manifest for linux/s390x in the manifest list entries");
}

TEST_CASE("schema1 and garbage are refused", "[manifest]") {
  auto v1 = parse_manifest(R"({"schemaVersion":1,"name":"x"})", "application/vnd.docker.distribution.manifest.v1+prettyjws");
  REQUIRE_FALSE(v1.ok());
  CHECK(v1.error().code == Errc::kUnsupported);
  CHECK(parse_manifest("{not json", "").error().code == Errc::kParse);
  auto bad_digest = parse_manifest(R"({"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"digest":"md5:x"},"layers":[]})", "");
  CHECK(bad_digest.error().code == Errc::kParse);
}

TEST_CASE("platform strings", "[manifest]") {
  CHECK(parse_platform("linux/arm64/v8")->str() == "linux/arm64/v8");
  CHECK_FALSE(parse_platform("linux").ok());
  CHECK_FALSE(parse_platform("linux//v7").ok());
  CHECK(host_platform().os == "linux");
  CHECK_FALSE(host_platform().architecture.empty());
}
