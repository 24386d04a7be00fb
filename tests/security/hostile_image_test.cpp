// Hostile images offered to racker through every way in: `pull` from a
// registry on 127.0.0.1, `load` of a docker-archive and `image import` of a
// rootfs tarball. Every image is built here by hand. What counts is the
// evidence outside the state root (a checksummed canary directory in
// /var/tmp, /etc/shadow's inode, links and times) and what the store holds
// after the refusal and an `image prune`, not racker's word.
#include <sys/stat.h>
#include <sys/xattr.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <sstream>

#include "racker/runtime/digest.h"
#include "racker/runtime/image_store.h"
#include "support/container_harness.h"
#include "support/host_canary.h"
#include "support/image_oci_layout.h"
#include "support/image_test_env.h"
#include "support/image_test_images.h"
#include "support/registry_fixture.h"
#include "support/static_registry.h"

using namespace racker;
using namespace racker::test;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

enum class WayIn { kPull, kLoad, kImport };
constexpr WayIn kEveryWayIn[] = {WayIn::kPull, WayIn::kLoad, WayIn::kImport};

const char* way_name(WayIn way) {
  switch (way) {
    case WayIn::kPull: return "pull";
    case WayIn::kLoad: return "load";
    case WayIn::kImport: return "image import";
  }
  return "?";
}

// An image config whose rootfs lists `diff_ids`.
json image_config(const json& diff_ids) {
  return {{"architecture", "amd64"}, {"os", "linux"}, {"config", json::object()},
          {"rootfs", {{"type", "layers"}, {"diff_ids", diff_ids}}}};
}

// What the store under `root` holds: image records, layers, blobs and
// staging leftovers, one path per line ("" when empty).
std::string store_contents(const std::string& root) {
  std::string out;
  for (const char* sub : {"images", "layers", "blobs/sha256", "tmp"}) {
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(root + "/images/" + sub, ec)) out += e.path().string() + "\n";
  }
  return out;
}

// A docker-archive (what `docker save` writes) of one image: manifest.json,
// the config and the layers as the members named; `extra` members go first
// (symlinks, FIFOs, devices standing in for a config or a layer).
std::string docker_archive(const std::string& tag, const std::vector<std::string>& layer_tars,
                           TarBuilder members = {}) {
  json diff_ids = json::array(), layer_names = json::array();
  for (size_t i = 0; i < layer_tars.size(); ++i) {
    std::string name = "layer" + std::to_string(i) + ".tar";
    diff_ids.push_back(runtime::sha256_of(layer_tars[i]).str());
    layer_names.push_back(name);
    members.file(name, layer_tars[i]);
  }
  members.file("config.json", image_config(diff_ids).dump());
  members.file("manifest.json", json::array({{{"Config", "config.json"}, {"RepoTags", {tag}}, {"Layers", layer_names}}}).dump());
  return members.build();
}

// The store, a registry and a work directory for one test; offer() hands a
// layer to racker one way and returns what the racker binary did.
class HostileLab {
 public:
  HostileLab() { REQUIRE(registry_.ok()); }

  const ImageTestEnv& env() const { return env_; }
  const TempDir& work() const { return work_; }
  std::string registry_host() const { return registry_.host(); }

  CommandResult offer(WayIn way, const TarBuilder& layer, const std::vector<std::string>& env_overrides = {}) {
    std::string name = "hostile/case" + std::to_string(++cases_);
    switch (way) {
      case WayIn::kPull: {
        OciLayout layout(work_ / name);
        TestImageSpec spec;
        spec.layers.push_back({layer, TarCompression::kGzip});
        layout.tag("v1", layout.add_image(spec).manifest);
        std::string pushed = skopeo_push(layout.dir(), "v1", registry_.host() + "/" + name + ":v1");
        REQUIRE(pushed == "");
        return racker({"pull", registry_.host() + "/" + name + ":v1"}, env_overrides);
      }
      case WayIn::kLoad: {
        std::string path = work_ / ("case" + std::to_string(cases_) + ".tar");
        write_file(path, docker_archive(name + ":v1", {layer.build()}));
        return racker({"load", "-i", path}, env_overrides);
      }
      case WayIn::kImport: {
        std::string path = work_ / ("case" + std::to_string(cases_) + ".tar.gz");
        layer.write(path, TarCompression::kGzip);
        return racker({"image", "import", path, name + ":v1"}, env_overrides);
      }
    }
    return {};
  }

  CommandResult racker(const std::vector<std::string>& args, const std::vector<std::string>& env_overrides = {}) const {
    std::vector<std::string> argv{RACKER_BINARY};
    argv.insert(argv.end(), args.begin(), args.end());
    return run_command(argv, env_overrides, "", std::chrono::seconds(120));
  }

  // Removes every image in the store (the ones a test let in on purpose).
  void remove_all_images() const {
    auto ids = racker({"images", "-q"});
    std::istringstream lines(ids.out);
    for (std::string id; std::getline(lines, id);)
      if (!id.empty()) racker({"rmi", "-f", id});
  }

  // What the store still holds after `racker image prune -f`: images, tags,
  // layers, blobs and staging leftovers, one per line ("" when empty).
  std::string leftovers_after_prune() const {
    auto pruned = racker({"image", "prune", "-f"});
    std::string out = pruned.exit_code == 0 ? "" : "image prune failed: " + pruned.err + "\n";
    out += store_contents(env_.root());
    std::string tags = read_file(env_.root() + "/images/repositories.json");
    if (!tags.empty() && json::parse(tags).value("tags", json::object()).size() > 0) out += "tags: " + tags;
    return out;
  }

 private:
  RegistryFixture registry_;
  ImageTestEnv env_;
  TempDir work_;
  int cases_ = 0;
};

std::string describe(WayIn way, const CommandResult& r) {
  return std::string(way_name(way)) + ": exit " + std::to_string(r.exit_code) + (r.timed_out ? " (timed out)" : "") +
         "\nstdout: " + r.out + "\nstderr: " + r.err;
}

// ~21 components of 200 bytes: the path is past PATH_MAX (4096).
std::string long_prefix() {
  std::string path;
  for (int i = 0; i < 21; ++i) path += (path.empty() ? "" : "/") + std::string(200, static_cast<char>('a' + i));
  return path;
}

}  // namespace

TEST_CASE("a symlink at the end of a path past PATH_MAX leads nowhere outside the layer", "[security][image]") {
  RACKER_REQUIRE_ROOT_AND_REGISTRY();
  HostCanary canary;
  HostileLab lab;
  std::string deep = long_prefix();
  // Overwrite an existing host file and make it setuid, or create a new one.
  TarEntry setuid_victim;
  setuid_victim.name = deep + "/link/victim";
  setuid_victim.content = "pwned\n";
  setuid_victim.mode = 04755;
  TarBuilder overwrite, create;
  overwrite.dir(deep).symlink(deep + "/link", canary.dir()).add(setuid_victim);
  create.dir(deep).symlink(deep + "/link", canary.subdir()).file(deep + "/link/payload-racker-sec", "pwned\n");
  for (WayIn way : kEveryWayIn) {
    for (const TarBuilder* layer : {&overwrite, &create}) {
      auto r = lab.offer(way, *layer);
      INFO(describe(way, r));
      CHECK_FALSE(r.timed_out);
      CHECK(r.exit_code != 0);
      CHECK_THAT(r.err, Catch::Contains("symlink"));
      CHECK(canary.changes() == "");
    }
  }
  CHECK(lab.leftovers_after_prune() == "");
}

TEST_CASE("load reads only regular files inside the archive, never a host file or device it points at",
          "[security][image]") {
  RACKER_REQUIRE_ROOT_AND_REGISTRY();
  HostCanary canary;
  HostileLab lab;
  std::string layer = TarBuilder().file("ok", "fine\n").build();
  std::string secret = read_file(canary.secret());
  // A manifest.json whose config or layer is a member that is not a file.
  auto archive_with = [&](const std::string& member, TarBuilder stand_in, bool as_config, const std::string& diff_source) {
    if (!as_config) stand_in.file("config.json", image_config({runtime::sha256_of(diff_source).str()}).dump());
    if (as_config) stand_in.file("layer0.tar", layer);
    json manifest = json::array({{{"Config", as_config ? member : "config.json"},
                                  {"RepoTags", {"hostile/load:v1"}},
                                  {"Layers", {as_config ? "layer0.tar" : member}}}});
    stand_in.file("manifest.json", manifest.dump());
    return stand_in.build();
  };
  std::string up = "../../../../../../../../../../../..";
  struct Case {
    const char* what;
    std::string archive;
  } cases[] = {
      {"config -> root-only host file", archive_with("c.json", TarBuilder().symlink("c.json", canary.secret()), true, layer)},
      {"config -> ../ host file", archive_with("c.json", TarBuilder().symlink("c.json", up + canary.secret()), true, layer)},
      {"layer -> root-only host file", archive_with("l.tar", TarBuilder().symlink("l.tar", canary.secret()), false, secret)},
      {"layer -> /dev/zero", archive_with("l.tar", TarBuilder().symlink("l.tar", "/dev/zero"), false, layer)},
      {"layer is a FIFO", archive_with("l.tar", TarBuilder().fifo("l.tar"), false, layer)},
      {"layer is a character device", archive_with("l.tar", TarBuilder().char_device("l.tar", 1, 5), false, layer)},
      {"manifest.json -> host file", TarBuilder().symlink("manifest.json", canary.secret()).build()},
  };
  for (const auto& c : cases) {
    std::string path = lab.work() / "hostile.tar";
    write_file(path, c.archive);
    auto r = lab.racker({"load", "-i", path});
    INFO(c.what << "\n" << describe(WayIn::kLoad, r));
    CHECK_FALSE(r.timed_out);
    CHECK(r.exit_code != 0);
    CHECK(files_containing(lab.env().root(), HostCanary::secret_marker()) == "");
    CHECK(canary.changes() == "");
    CHECK(lab.leftovers_after_prune() == "");
  }
}

TEST_CASE("an opaque directory replaced by a symlink puts no xattr on the host", "[security][image]") {
  RACKER_REQUIRE_ROOT_AND_REGISTRY();
  HostCanary canary;
  HostileLab lab;
  TarBuilder layer;
  layer.dir("d").file("d/.wh..wh..opq", "").symlink("d", canary.dir()).file("after", "x\n");
  for (WayIn way : kEveryWayIn) {
    auto r = lab.offer(way, layer);
    INFO(describe(way, r));
    CHECK_FALSE(r.timed_out);
    CHECK(canary.changes() == "");
  }
  lab.remove_all_images();
  CHECK(lab.leftovers_after_prune() == "");
}

TEST_CASE("trusted.* xattrs from a layer are dropped, user.* kept", "[security][image]") {
  RACKER_REQUIRE_ROOT_AND_REGISTRY();
  HostileLab lab;
  TarEntry marked;
  marked.name = "marked";
  marked.content = "x\n";
  marked.xattrs = {{"trusted.overlay.redirect", "/etc"}, {"trusted.racker-test", "1"}, {"user.racker", "kept"}};
  TarBuilder layer;
  layer.dir("d").add(marked);
  for (WayIn way : kEveryWayIn) {
    auto r = lab.offer(way, layer);
    INFO(describe(way, r));
    REQUIRE(r.exit_code == 0);
  }
  auto store = runtime::LocalImageStore::open(lab.env().root());
  REQUIRE(store.ok());
  auto images = (*store)->list();
  REQUIRE(images.ok());
  REQUIRE(images->size() >= 1);
  for (const auto& image : *images) {
    auto full = (*store)->get(image.id.str());
    REQUIRE(full.ok());
    std::string path = full->layer_dirs.at(0) + "/marked";
    char value[64];
    CHECK(::lgetxattr(path.c_str(), "trusted.racker-test", value, sizeof value) < 0);
    CHECK(::lgetxattr(path.c_str(), "trusted.overlay.redirect", value, sizeof value) < 0);
    ssize_t n = ::lgetxattr(path.c_str(), "user.racker", value, sizeof value);
    CHECK(std::string(value, n > 0 ? static_cast<size_t>(n) : 0) == "kept");
  }
}

TEST_CASE("decompression bombs stop at the layer and image limits and leave nothing", "[security][image][limits]") {
  RACKER_REQUIRE_ROOT_AND_REGISTRY();
  HostileLab lab;
  TarBuilder bomb;
  bomb.file("zeros", std::string(24 << 20, '\0'));  // 24 MiB of zeros: ~24 KiB of gzip
  for (WayIn way : kEveryWayIn) {
    auto r = lab.offer(way, bomb, {"RACKER_MAX_LAYER_BYTES=" + std::to_string(8 << 20)});
    INFO(describe(way, r));
    CHECK(r.exit_code != 0);
    CHECK_THAT(r.err, Catch::Contains("decompresses to more than 8388608 bytes"));
    CHECK(lab.leftovers_after_prune() == "");
  }
  // Two layers of 6 MiB each under an 8 MiB image limit: each layer passes, the image does not.
  TestImageSpec two;
  two.layers.push_back({TarBuilder().file("a", random_bytes(6 << 20, 1)), TarCompression::kGzip});
  two.layers.push_back({TarBuilder().file("b", random_bytes(6 << 20, 2)), TarCompression::kGzip});
  OciLayout layout(lab.work() / "two");
  layout.tag("v1", layout.add_image(two).manifest);
  REQUIRE(skopeo_push(layout.dir(), "v1", lab.registry_host() + "/hostile/two:v1") == "");
  auto r = lab.racker({"pull", lab.registry_host() + "/hostile/two:v1"}, {"RACKER_MAX_IMAGE_BYTES=" + std::to_string(8 << 20)});
  INFO(describe(WayIn::kPull, r));
  CHECK(r.exit_code != 0);
  CHECK_THAT(r.err, Catch::Contains("image decompresses to more than 8388608 bytes"));
  CHECK(lab.leftovers_after_prune() == "");
}

TEST_CASE("manifests that lie about their kind or their sizes are refused", "[security][image]") {
  RACKER_REQUIRE_ROOT_AND_REGISTRY();
  HostileLab lab;
  StaticRegistry registry;
  REQUIRE(registry.ok());
  std::string layer = TarBuilder().file("f", "x\n").build(TarCompression::kGzip);
  std::string config = image_config({runtime::sha256_of(TarBuilder().file("f", "x\n").build()).str()}).dump();
  std::string layer_digest = registry.put_blob(layer), config_digest = registry.put_blob(config);
  auto descriptor = [](const std::string& media_type, const std::string& digest, json size) {
    json d = {{"mediaType", media_type}, {"digest", digest}};
    if (!size.is_null()) d["size"] = size;
    return d;
  };
  auto manifest = [&](json config_size, json layer_size) {
    return json{{"schemaVersion", 2},
                {"mediaType", "application/vnd.oci.image.manifest.v1+json"},
                {"config", descriptor("application/vnd.oci.image.config.v1+json", config_digest, config_size)},
                {"layers", {descriptor("application/vnd.oci.image.layer.v1.tar+gzip", layer_digest, layer_size)}}};
  };
  const std::string oci_manifest = "application/vnd.oci.image.manifest.v1+json";
  json sound = manifest(config.size(), layer.size());
  json ambiguous = sound;
  ambiguous.erase("mediaType");
  ambiguous["manifests"] = json::array({descriptor(oci_manifest, config_digest, config.size())});
  json padded = sound;
  padded["annotations"] = {{"pad", std::string(5 << 20, 'p')}};
  struct Case {
    const char* reference;
    StaticObject manifest;
    const char* says;
  } cases[] = {
      {"sound", {oci_manifest, sound.dump()}, ""},
      {"ambiguous", {"application/vnd.oci.image.index.v1+json", ambiguous.dump()}, "ambiguous"},
      {"ambiguous-as-manifest", {oci_manifest, ambiguous.dump()}, "ambiguous"},
      {"oversized", {oci_manifest, padded.dump()}, "larger than 4 MiB"},
      {"size-1e300", {oci_manifest, manifest(1e300, layer.size()).dump()}, "size"},
      {"size-zero", {oci_manifest, manifest(config.size(), 0).dump()}, "size must be positive"},
      {"size-negative", {oci_manifest, manifest(config.size(), -1).dump()}, "size"},
      {"size-fraction", {oci_manifest, manifest(config.size(), 1.5).dump()}, "size is not an integer"},
      {"size-missing", {oci_manifest, manifest(config.size(), nullptr).dump()}, "no size"},
      {"size-short", {oci_manifest, manifest(config.size(), layer.size() - 10).dump()}, ""},
  };
  for (const auto& c : cases) registry.put_manifest(c.reference, c.manifest);
  for (const auto& c : cases) {
    auto r = lab.racker({"pull", registry.host() + "/hostile/docs:" + c.reference});
    INFO(c.reference << "\n" << describe(WayIn::kPull, r));
    CHECK_FALSE(r.timed_out);
    if (std::string(c.reference) == "sound") {
      CHECK(r.exit_code == 0);  // the server itself serves a real image
      REQUIRE(lab.racker({"rmi", registry.host() + "/hostile/docs:sound"}).exit_code == 0);
    } else {
      CHECK(r.exit_code != 0);
      CHECK_THAT(r.err, Catch::Contains(c.says));
    }
    CHECK(lab.leftovers_after_prune() == "");
  }
}

TEST_CASE("a refused tag or reference stores nothing, before any prune", "[security][image]") {
  RACKER_REQUIRE_ROOT_AND_REGISTRY();
  HostileLab lab;
  std::string layer = TarBuilder().file("f", "x\n").build();
  auto nothing_stored = [&] { return store_contents(lab.env().root()); };
  for (const char* tag : {"Bad Tag:v1", "x:../../etc", "a@sha256:" "0000000000000000000000000000000000000000000000000000000000000000"}) {
    std::string path = lab.work() / "tagged.tar";
    write_file(path, docker_archive(tag, {layer}));
    auto r = lab.racker({"load", "-i", path});
    INFO(tag << "\n" << describe(WayIn::kLoad, r));
    CHECK(r.exit_code != 0);
    CHECK(nothing_stored() == "");
  }
  // An oci-archive whose ref.name names a repository no reference allows.
  OciLayout layout(lab.work() / "oci");
  TestImageSpec spec;
  spec.layers.push_back({TarBuilder().file("f", "x\n"), TarCompression::kGzip});
  layout.tag("Bad/Repo:v1", layout.add_image(spec).manifest);
  std::string oci_tar = lab.work() / "oci.tar";
  REQUIRE(shell("tar -C " + layout.dir() + " -cf " + oci_tar + " .") == 0);
  auto oci = lab.racker({"load", "-i", oci_tar});
  INFO(describe(WayIn::kLoad, oci));
  CHECK(oci.exit_code != 0);
  CHECK(nothing_stored() == "");

  std::string rootfs = lab.work() / "rootfs.tar";
  write_file(rootfs, layer);
  auto imported = lab.racker({"image", "import", rootfs, "Not A Reference"});
  INFO(describe(WayIn::kImport, imported));
  CHECK(imported.exit_code != 0);
  CHECK(nothing_stored() == "");
}

TEST_CASE("the store keeps what it holds private", "[security][image]") {
  RACKER_REQUIRE_ROOT_AND_REGISTRY();
  HostileLab lab;
  REQUIRE(lab.offer(WayIn::kImport, TarBuilder().file("f", "x\n")).exit_code == 0);
  auto mode_of = [](const std::string& path) {
    struct stat st {};
    return ::lstat(path.c_str(), &st) == 0 ? static_cast<int>(st.st_mode & 07777) : -1;
  };
  const std::string root = lab.env().root();
  CHECK(mode_of(root) == 0711);
  CHECK(mode_of(root + "/images") == 0700);
  for (const char* sub : {"/images/layers", "/images/blobs", "/images/images", "/images/tmp"}) CHECK(mode_of(root + sub) == 0700);
  for (const auto& e : fs::directory_iterator(root + "/images/layers")) CHECK(mode_of(e.path()) == 0700);
  int blobs = 0;
  for (const auto& e : fs::directory_iterator(root + "/images/blobs/sha256")) {
    INFO(e.path());
    CHECK((mode_of(e.path()) & 077) == 0);
    ++blobs;
  }
  CHECK(blobs >= 1);
}
