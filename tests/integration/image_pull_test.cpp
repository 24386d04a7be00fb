// racker's pull against a real registry (Debian's docker-registry on
// 127.0.0.1), with images built here and pushed with skopeo.
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>

#include <catch2/catch.hpp>
#include <filesystem>

#include "racker/runtime/image_pull.h"
#include "racker/runtime/image_store.h"
#include "racker/runtime/registry_auth.h"
#include "support/image_oci_layout.h"
#include "support/image_test_env.h"
#include "support/image_test_images.h"
#include "support/registry_fixture.h"

using namespace racker;
using namespace racker::runtime;
using namespace racker::test;

namespace {

#define REQUIRE_ROOT_AND_TOOLS() RACKER_REQUIRE_ROOT_AND_REGISTRY()

Result<PullResult> pull(const std::string& root, const std::string& text, const PullOptions& options = {}) {
  return pull_into(root, text, options);
}

bool is_whiteout(const std::string& path) {
  struct stat st {};
  return ::lstat(path.c_str(), &st) == 0 && S_ISCHR(st.st_mode) && st.st_rdev == makedev(0, 0);
}

// Mounts the layers read-only as overlay; unmounts on destruction.
class OverlayView {
 public:
  OverlayView(const std::vector<std::string>& lower_first, const std::string& target) : target_(target) {
    std::filesystem::create_directories(target);
    std::string lower;
    for (auto it = lower_first.rbegin(); it != lower_first.rend(); ++it) lower += (lower.empty() ? "" : ":") + *it;
    mounted_ = ::mount("overlay", target.c_str(), "overlay", MS_RDONLY, ("lowerdir=" + lower).c_str()) == 0;
  }
  ~OverlayView() {
    if (mounted_) ::umount2(target_.c_str(), MNT_DETACH);
  }
  bool mounted() const { return mounted_; }

 private:
  std::string target_;
  bool mounted_ = false;
};

}  // namespace

TEST_CASE("pull from a plain registry gives the pushed rootfs byte for byte", "[integration][image]") {
  REQUIRE_ROOT_AND_TOOLS();
  RegistryFixture registry;
  REQUIRE(registry.ok());
  ImageTestEnv env;
  TempDir work;
  OciLayout layout(work / "layout");
  auto built = layout.add_image(busybox_image());
  layout.tag("v1", built.manifest);
  REQUIRE(skopeo_push(layout.dir(), "v1", registry.host() + "/test/busybox:v1") == "");

  auto r = pull(env.root(), registry.host() + "/test/busybox:v1");
  REQUIRE(r.ok());
  CHECK(r->newer);
  CHECK(r->image.id.str() == built.config_digest);
  CHECK(r->repo_digest.str() == built.manifest.digest);

  auto store = LocalImageStore::open(env.root());
  REQUIRE(store.ok());
  auto image = (*store)->get(registry.host() + "/test/busybox:v1");
  INFO((image.ok() ? "" : image.error().to_string()));
  REQUIRE(image.ok());
  REQUIRE(image->layer_dirs.size() == 2);
  CHECK(image->config.cmd == std::vector<std::string>{"/bin/sh"});
  CHECK(image->config.env == std::vector<std::string>{"PATH=/bin"});
  CHECK(image->record.layers[0].str() == built.diff_ids[0]);

  const std::string& base = image->layer_dirs[0];
  const std::string& top = image->layer_dirs[1];
  CHECK(read_file(base + "/bin/busybox") == read_file("/bin/busybox"));
  CHECK(std::filesystem::read_symlink(base + "/bin/sh") == "busybox");
  struct stat st {};
  REQUIRE(::stat((base + "/bin/ls").c_str(), &st) == 0);
  CHECK(st.st_nlink == 2);
  CHECK((st.st_mode & 0777) == 0755);
  CHECK(is_whiteout(top + "/etc/motd"));
  // Ownership, mode and xattrs survive the registry round trip.
  REQUIRE(::lstat((base + "/home/app/owned").c_str(), &st) == 0);
  CHECK(st.st_uid == 1000u);
  CHECK(st.st_gid == 1001u);
  CHECK((st.st_mode & 07777) == 0600);
  char xattr[8] = {};
  CHECK(::getxattr((base + "/home/app/owned").c_str(), "user.racker", xattr, sizeof xattr) == 3);
  CHECK(std::string(xattr) == "yes");
  char opq[4] = {};
  CHECK(::getxattr((top + "/var/cache").c_str(), "trusted.overlay.opaque", opq, sizeof opq) == 1);

  // The merged view is what the image describes.
  OverlayView view(image->layer_dirs, work / "merged");
  if (view.mounted()) {
    CHECK(read_file(work / "merged/etc/issue") == "racker v2\n");
    CHECK_FALSE(std::filesystem::exists(work / "merged/etc/motd"));
    CHECK_FALSE(std::filesystem::exists(work / "merged/var/cache/a"));
    CHECK(read_file(work / "merged/var/cache/c") == "c");
    CHECK(read_file(work / "merged/bin/busybox") == read_file("/bin/busybox"));
  } else {
    WARN("overlayfs not mountable here; merged view not checked");
  }

  // A second pull finds everything in place.
  auto again = pull(env.root(), registry.host() + "/test/busybox:v1");
  REQUIRE(again.ok());
  CHECK_FALSE(again->newer);
  // Nothing is left in staging.
  CHECK(std::filesystem::is_empty(env.root() + "/images/tmp"));
}

TEST_CASE("pull picks the requested platform from a multi-platform index", "[integration][image]") {
  REQUIRE_ROOT_AND_TOOLS();
  RegistryFixture registry;
  REQUIRE(registry.ok());
  ImageTestEnv env;
  TempDir work;
  OciLayout layout(work / "layout");
  TestImageSpec amd = busybox_image();
  TestImageSpec arm;
  arm.architecture = "arm64";
  arm.variant = "v8";
  arm.layers.push_back({TarBuilder().file("arch", "arm64\n"), TarCompression::kGzip});
  auto a = layout.add_image(amd);
  auto b = layout.add_image(arm);
  layout.tag("multi", layout.add_index({a.manifest, b.manifest}));
  REQUIRE(skopeo_push(layout.dir(), "multi", registry.host() + "/test/multi:1", "", true) == "");

  PullOptions options;
  options.platform = *parse_platform("linux/arm64");
  auto r = pull(env.root(), registry.host() + "/test/multi:1", options);
  REQUIRE(r.ok());
  CHECK(r->image.id.str() == b.config_digest);
  CHECK(r->image.platform.architecture == "arm64");

  options.platform = *parse_platform("linux/s390x");
  auto none = pull(env.root(), registry.host() + "/test/multi:1", options);
  REQUIRE_FALSE(none.ok());
  CHECK_THAT(none.error().message, Catch::Contains("no matching manifest for linux/s390x"));

  options.platform = *parse_platform("linux/amd64");
  auto x86 = pull(env.root(), registry.host() + "/test/multi:1", options);
  INFO((x86.ok() ? "" : x86.error().to_string()));
  REQUIRE(x86.ok());
  CHECK(x86->image.id.str() == a.config_digest);
  CHECK(x86->newer);  // the tag moved from the arm64 image to the amd64 one
}

TEST_CASE("Basic auth: anonymous pulls are denied, stored credentials work", "[integration][image]") {
  REQUIRE_ROOT_AND_TOOLS();
  RegistryFixture registry(basic_auth("racker", "s3cret"));
  REQUIRE(registry.ok());
  ImageTestEnv env;
  TempDir work;
  OciLayout layout(work / "layout");
  auto built = layout.add_image(busybox_image());
  layout.tag("v1", built.manifest);
  REQUIRE(skopeo_push(layout.dir(), "v1", registry.host() + "/private/app:v1", "racker:s3cret") == "");

  auto denied = pull(env.root(), registry.host() + "/private/app:v1");
  REQUIRE_FALSE(denied.ok());
  CHECK(denied.error().code == Errc::kPermission);

  // Wrong password: login check fails.
  auto ref = *parse_image_ref(registry.host() + "/private/app");
  RegistryClientOptions bad;
  bad.endpoints = {{"http://" + registry.host(), false}};
  bad.credentials = {"racker", "wrong"};
  auto st = RegistryClient(ref, bad).check_login();
  REQUIRE_FALSE(st.ok());
  CHECK(st.error().message == "unauthorized: incorrect username or password");

  REQUIRE(store_credentials(registry.host(), {"racker", "s3cret"}, env.docker_config()).ok());
  auto r = pull(env.root(), registry.host() + "/private/app:v1");
  REQUIRE(r.ok());
  CHECK(r->image.id.str() == built.config_digest);
}

TEST_CASE("a corrupted blob is rejected and leaves the store clean", "[integration][image][security]") {
  REQUIRE_ROOT_AND_TOOLS();
  RegistryFixture registry;
  REQUIRE(registry.ok());
  ImageTestEnv env;
  TempDir work;
  OciLayout layout(work / "layout");
  auto built = layout.add_image(busybox_image());
  layout.tag("v1", built.manifest);
  REQUIRE(skopeo_push(layout.dir(), "v1", registry.host() + "/test/corrupt:v1") == "");
  // Flip bytes of the second layer in the registry's storage, keeping its size.
  std::string path = registry.blob_data_path(built.layer_digests[1].substr(7));
  std::string bytes = read_file(path);
  REQUIRE(bytes.size() > 10);
  bytes[bytes.size() / 2] ^= 0x5a;
  write_file(path, bytes);

  auto r = pull(env.root(), registry.host() + "/test/corrupt:v1");
  REQUIRE_FALSE(r.ok());
  CHECK_THAT(r.error().message, Catch::Contains("digest mismatch"));
  auto store = LocalImageStore::open(env.root());
  REQUIRE(store.ok());
  CHECK((*store)->list()->empty());
  CHECK_FALSE((*store)->get(registry.host() + "/test/corrupt:v1").ok());
  CHECK_FALSE((*store)->has_layer(*Digest::parse(built.diff_ids[1])));
  CHECK(std::filesystem::is_empty(env.root() + "/images/tmp"));
}

TEST_CASE("a layer escaping its root is rejected and leaves the store clean", "[integration][image][security]") {
  REQUIRE_ROOT_AND_TOOLS();
  RegistryFixture registry;
  REQUIRE(registry.ok());
  ImageTestEnv env;
  TempDir work;
  OciLayout layout(work / "layout");
  std::string victim = work / "victim";
  TestImageSpec evil;
  evil.layers.push_back({TarBuilder().file("ok", "fine"), TarCompression::kGzip});
  evil.layers.push_back({TarBuilder().symlink("up", work.path()).file("up/victim", "pwned"), TarCompression::kGzip});
  auto built = layout.add_image(evil);
  layout.tag("v1", built.manifest);
  REQUIRE(skopeo_push(layout.dir(), "v1", registry.host() + "/test/evil:v1") == "");

  PullOptions serial;
  serial.max_concurrent_downloads = 1;
  auto r = pull(env.root(), registry.host() + "/test/evil:v1", serial);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().code == Errc::kPermission);
  CHECK_THAT(r.error().message, Catch::Contains("symlink"));
  CHECK_FALSE(std::filesystem::exists(victim));
  auto store = LocalImageStore::open(env.root());
  CHECK((*store)->list()->empty());
  CHECK_FALSE((*store)->has_layer(*Digest::parse(built.diff_ids[1])));
  CHECK(std::filesystem::is_empty(env.root() + "/images/tmp"));
}

TEST_CASE("unknown repositories and tags get docker's messages", "[integration][image]") {
  REQUIRE_ROOT_AND_TOOLS();
  RegistryFixture registry;
  REQUIRE(registry.ok());
  ImageTestEnv env;
  auto r = pull(env.root(), registry.host() + "/nope/nothing:1");
  REQUIRE_FALSE(r.ok());
  // What docker says for this registry, which answers MANIFEST_UNKNOWN.
  CHECK(r.error().message == "manifest for " + registry.host() + "/nope/nothing:1 not found: manifest unknown: manifest unknown");
  CHECK(r.error().code == Errc::kNotFound);
}
