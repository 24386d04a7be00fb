// racker load (archives written by skopeo), image import, and the CLI's
// pull/login/images/rmi output against a real registry.
#include <catch2/catch.hpp>
#include <filesystem>

#include "racker/runtime/image_load.h"
#include "racker/runtime/image_store.h"
#include "support/image_oci_layout.h"
#include "support/image_test_env.h"
#include "support/image_test_images.h"
#include "support/registry_fixture.h"

using namespace racker;
using namespace racker::runtime;
using namespace racker::test;

namespace {

TestImageSpec small_image() {
  TestImageSpec spec;
  spec.layers.push_back({TarBuilder().dir("bin").file("bin/busybox", read_file("/bin/busybox"), 0755), TarCompression::kGzip});
  spec.layers.push_back({TarBuilder().file("etc/hello", "hi\n").file("bin/.wh.busybox", ""), TarCompression::kGzip});
  spec.cmd = {"/bin/busybox", "sh"};
  return spec;
}

}  // namespace

TEST_CASE("racker load reads skopeo's docker-archive and oci-archive", "[integration][image]") {
  if (!running_as_root() || !have_tool("skopeo")) {
    SUCCEED("skipped: needs root and skopeo");
    return;
  }
  ImageTestEnv env;
  TempDir work;
  OciLayout layout(work / "layout");
  auto built = layout.add_image(small_image());
  layout.tag("v1", built.manifest);
  std::string out;
  REQUIRE(shell("skopeo --insecure-policy copy -q oci:" + layout.dir() + ":v1 docker-archive:" + (work / "d.tar") +
                          ":example.com/app:v1", &out) == 0);
  REQUIRE(shell("skopeo --insecure-policy copy -q oci:" + layout.dir() + ":v1 oci-archive:" + (work / "o.tar") +
                          ":example.com/other:v2", &out) == 0);

  auto store = LocalImageStore::open(env.root());
  REQUIRE(store.ok());
  auto lines = load_image_archive(**store, work / "d.tar");
  INFO((lines.ok() ? "" : lines.error().to_string()));
  REQUIRE(lines.ok());
  CHECK(*lines == std::vector<std::string>{"Loaded image: example.com/app:v1"});
  auto image = (*store)->get("example.com/app:v1");
  REQUIRE(image.ok());
  CHECK(image->record.id.str() == built.config_digest);
  CHECK(image->config.cmd == std::vector<std::string>{"/bin/busybox", "sh"});
  REQUIRE(image->layer_dirs.size() == 2);
  CHECK(read_file(image->layer_dirs[0] + "/bin/busybox") == read_file("/bin/busybox"));
  CHECK(read_file(image->layer_dirs[1] + "/etc/hello") == "hi\n");

  auto oci = load_image_archive(**store, work / "o.tar");
  INFO((oci.ok() ? "" : oci.error().to_string()));
  REQUIRE(oci.ok());
  REQUIRE((*store)->get("example.com/other:v2").ok());
  CHECK((*store)->get("example.com/other:v2")->record.id.str() == built.config_digest);
  store->reset();  // the store's staging session goes with it
  CHECK(std::filesystem::is_empty(env.root() + "/images/tmp"));
}

TEST_CASE("image import makes a one-layer image from a rootfs tarball", "[integration][image]") {
  if (!running_as_root()) {
    SUCCEED("skipped: needs root");
    return;
  }
  ImageTestEnv env;
  TempDir work;
  TarBuilder().dir("bin").file("bin/busybox", read_file("/bin/busybox"), 0755).symlink("bin/sh", "busybox")
      .write(work / "rootfs.tar.gz", TarCompression::kGzip);
  auto store = LocalImageStore::open(env.root());
  auto rec = import_rootfs(**store, work / "rootfs.tar.gz", "local/rootfs:1");
  REQUIRE(rec.ok());
  auto image = (*store)->get("local/rootfs:1");
  REQUIRE(image.ok());
  REQUIRE(image->layer_dirs.size() == 1);
  CHECK(std::filesystem::read_symlink(image->layer_dirs[0] + "/bin/sh") == "busybox");
}

TEST_CASE("the racker CLI pulls, lists, logs in and refuses images in use", "[integration][image][cli]") {
  if (!running_as_root() || !have_tool("skopeo") || !have_tool("docker-registry")) {
    SUCCEED("skipped: needs root, skopeo and docker-registry");
    return;
  }
  RegistryFixture registry(basic_auth("cli", "pw"));
  REQUIRE(registry.ok());
  ImageTestEnv env;
  TempDir work;
  OciLayout layout(work / "layout");
  auto built = layout.add_image(small_image());
  layout.tag("v1", built.manifest);
  REQUIRE(skopeo_push(layout.dir(), "v1", registry.host() + "/cli/app:v1", "cli:pw") == "");
  std::string name = registry.host() + "/cli/app:v1";

  int rc = 0;
  std::string out = run_racker("pull " + name, &rc);
  CHECK(rc == 125);
  CHECK_THAT(out, Catch::Contains("pull access denied for " + registry.host() + "/cli/app"));

  out = run_racker("login -u cli -p wrong " + registry.host(), &rc);
  CHECK(rc == 1);
  CHECK_THAT(out, Catch::Contains("unauthorized: incorrect username or password"));
  out = run_racker("login -u cli -p pw " + registry.host(), &rc);
  CHECK(rc == 0);
  CHECK_THAT(out, Catch::Contains("Login Succeeded"));

  out = run_racker("pull " + name, &rc);
  INFO(out);
  CHECK(rc == 0);
  CHECK_THAT(out, Catch::Contains("v1: Pulling from cli/app"));
  CHECK_THAT(out, Catch::Contains("Pull complete"));
  CHECK_THAT(out, Catch::Contains("Digest: " + built.manifest.digest));
  CHECK_THAT(out, Catch::Contains("Status: Downloaded newer image for " + name));
  out = run_racker("pull -q " + name, &rc);
  CHECK(out == name + "\n");

  out = run_racker("images -q", &rc);
  CHECK(out == built.config_digest.substr(7, 12) + "\n");

  std::filesystem::create_directories(env.root() + "/containers/app-1");
  write_file(env.root() + "/containers/app-1/config.json", "{\"ImageID\":\"" + built.config_digest + "\"}");
  out = run_racker("rmi " + name, &rc);
  CHECK(rc == 1);
  CHECK_THAT(out, Catch::Contains("container app-1 is using its referenced image"));
  std::filesystem::remove_all(env.root() + "/containers");
  out = run_racker("rmi " + name, &rc);
  CHECK(rc == 0);
  CHECK_THAT(out, Catch::Contains("Deleted: " + built.config_digest));
  CHECK(run_racker("images -q") == "");
  CHECK(std::filesystem::is_empty(env.root() + "/images/layers"));

  out = run_racker("logout " + registry.host(), &rc);
  CHECK_THAT(out, Catch::Contains("Removing login credentials"));
}
