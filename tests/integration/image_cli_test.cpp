// The image commands as a user sees them: progress on a terminal (a real
// pty), --platform against a docker manifest list, layers shared between
// images, and the management commands (inspect, images --format json,
// rmi -f, import, prune, load).
#include <pty.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "racker/runtime/image_manifest.h"
#include "support/image_oci_layout.h"
#include "support/image_test_env.h"
#include "support/image_test_images.h"
#include "support/registry_fixture.h"

using namespace racker;
using namespace racker::runtime;
using namespace racker::test;
using nlohmann::json;

namespace {

// Runs racker on a pseudo-terminal; returns everything it wrote there.
std::string run_racker_on_pty(const std::vector<std::string>& args, int* status) {
  int master = -1;
  winsize ws{40, 160, 0, 0};
  pid_t pid = ::forkpty(&master, nullptr, nullptr, &ws);
  if (pid == 0) {
    std::vector<char*> argv;
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  std::string out;
  if (pid < 0) return out;
  char buf[4096];
  for (;;) {
    ssize_t n = ::read(master, buf, sizeof buf);
    if (n <= 0) break;  // EIO once the child has exited and closed the terminal
    out.append(buf, static_cast<size_t>(n));
  }
  ::close(master);
  int st = 0;
  ::waitpid(pid, &st, 0);
  *status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  return out;
}

json inspect(const std::string& name) {
  int rc = 0;
  std::string out = run_racker("image inspect " + name, &rc);
  if (rc != 0) return json();
  return json::parse(out, nullptr, false);
}

}  // namespace

TEST_CASE("racker pull on a terminal draws and redraws a progress line per layer", "[integration][image][cli]") {
  RACKER_REQUIRE_ROOT_AND_REGISTRY();
  RegistryFixture registry;
  REQUIRE(registry.ok());
  ImageTestEnv env;
  TempDir work;
  OciLayout layout(work / "layout");
  auto built = layout.add_image(busybox_image());
  layout.tag("v1", built.manifest);
  REQUIRE(skopeo_push(layout.dir(), "v1", registry.host() + "/test/tty:v1") == "");
  std::string name = registry.host() + "/test/tty:v1";

  int rc = 0;
  std::string out = run_racker_on_pty({RACKER_BINARY, "pull", name}, &rc);
  INFO(out);
  CHECK(rc == 0);
  CHECK_THAT(out, Catch::Contains("v1: Pulling from test/tty"));
  // Each layer has its line, drawn with erase-line and redrawn by moving the cursor up.
  for (const auto& d : built.layer_digests) CHECK_THAT(out, Catch::Contains("\033[2K" + d.substr(7, 12) + ": "));
  CHECK_THAT(out, Catch::Contains("\033[2A"));
  CHECK_THAT(out, Catch::Contains(": Downloading ["));
  CHECK_THAT(out, Catch::Contains(": Extracting"));
  CHECK_THAT(out, Catch::Contains(": Pull complete"));
  CHECK_THAT(out, Catch::Contains("Digest: " + built.manifest.digest));
  CHECK_THAT(out, Catch::Contains("Status: Downloaded newer image for " + name));

  // Not a terminal: only final states, no escape sequences.
  run_racker("rmi " + name);
  std::string piped = run_racker("pull " + name, &rc);
  CHECK(rc == 0);
  CHECK(piped.find('\033') == std::string::npos);
  CHECK(piped.find("Downloading") == std::string::npos);
  CHECK_THAT(piped, Catch::Contains(built.layer_digests[0].substr(7, 12) + ": Pull complete\n"));
}

TEST_CASE("pull --platform picks from a docker manifest list, the default is the host's platform", "[integration][image][cli]") {
  RACKER_REQUIRE_ROOT_AND_REGISTRY();
  RegistryFixture registry;
  REQUIRE(registry.ok());
  ImageTestEnv env;
  TempDir work;
  OciLayout layout(work / "layout");
  Platform host = host_platform();
  TestImageSpec native;
  native.architecture = host.architecture;
  native.variant = host.variant;
  native.layers.push_back({TarBuilder().file("arch", host.architecture + "\n"), TarCompression::kGzip});
  TestImageSpec foreign;
  foreign.architecture = host.architecture == "s390x" ? "ppc64le" : "s390x";
  foreign.layers.push_back({TarBuilder().file("arch", foreign.architecture + "\n"), TarCompression::kGzip});
  auto a = layout.add_image(native);
  auto b = layout.add_image(foreign);
  layout.tag("multi", layout.add_index({a.manifest, b.manifest}));
  // Converted to docker schema2: a manifest list over schema2 manifests.
  REQUIRE(skopeo_push(layout.dir(), "multi", registry.host() + "/test/list:1", "", true, "--format v2s2") == "");
  std::string raw;
  REQUIRE(shell("skopeo inspect --raw --tls-verify=false docker://" + registry.host() + "/test/list:1", &raw) == 0);
  REQUIRE_THAT(raw, Catch::Contains(std::string(media_type::kDockerManifestList)));
  std::string name = registry.host() + "/test/list:1";

  int rc = 0;
  std::string out = run_racker("pull -q --platform linux/" + foreign.architecture + " " + name, &rc);
  INFO(out);
  CHECK(rc == 0);
  json j = inspect(name);
  REQUIRE(j.is_array());
  CHECK(j[0]["Architecture"] == foreign.architecture);
  CHECK(read_file(j[0]["LayerDirs"][0].get<std::string>() + "/arch") == foreign.architecture + "\n");

  out = run_racker("pull " + name, &rc);
  CHECK(rc == 0);
  CHECK_THAT(out, Catch::Contains("Status: Downloaded newer image for " + name));
  j = inspect(name);
  REQUIRE(j.is_array());
  CHECK(j[0]["Architecture"] == host.architecture);
  CHECK(read_file(j[0]["LayerDirs"][0].get<std::string>() + "/arch") == host.architecture + "\n");

  out = run_racker("pull --platform windows/amd64 " + name, &rc);
  CHECK(rc == 125);
  CHECK_THAT(out, Catch::Contains("no matching manifest for windows/amd64 in the manifest list entries"));
  out = run_racker("pull --platform nonsense " + name, &rc);
  CHECK(rc == 125);
}

TEST_CASE("images share layers, inspect, images --format json, rmi -f, import, prune and load", "[integration][image][cli]") {
  RACKER_REQUIRE_ROOT_AND_REGISTRY();
  RegistryFixture registry;
  REQUIRE(registry.ok());
  ImageTestEnv env;
  TempDir work;
  OciLayout layout(work / "layout");
  TestImageSpec first = busybox_image();
  TestImageSpec second = busybox_image();
  second.layers.push_back({TarBuilder().file("etc/second", "2\n"), TarCompression::kGzip});
  auto one = layout.add_image(first);
  auto two = layout.add_image(second);
  layout.tag("one", one.manifest);
  layout.tag("two", two.manifest);
  REQUIRE(skopeo_push(layout.dir(), "one", registry.host() + "/test/one:1") == "");
  REQUIRE(skopeo_push(layout.dir(), "two", registry.host() + "/test/two:1") == "");
  std::string one_name = registry.host() + "/test/one:1", two_name = registry.host() + "/test/two:1";

  int rc = 0;
  REQUIRE(run_racker("pull " + one_name, &rc).find("Pull complete") != std::string::npos);
  std::string out = run_racker("pull " + two_name, &rc);
  INFO(out);
  CHECK(rc == 0);
  // The two base layers (same diff-IDs; gzip made different blobs) are unpacked once and shared.
  REQUIRE(one.diff_ids[0] == two.diff_ids[0]);
  CHECK_THAT(out, Catch::Contains(two.layer_digests[0].substr(7, 12) + ": Already exists"));
  CHECK_THAT(out, Catch::Contains(two.layer_digests[1].substr(7, 12) + ": Already exists"));
  CHECK_THAT(out, Catch::Contains(two.layer_digests[2].substr(7, 12) + ": Pull complete"));
  size_t layer_dirs = 0;
  for (const auto& e : std::filesystem::directory_iterator(env.root() + "/images/layers")) layer_dirs += e.is_directory();
  CHECK(layer_dirs == 3);

  json j = inspect(two_name);
  REQUIRE(j.is_array());
  CHECK(j[0]["Id"] == two.config_digest);
  CHECK(j[0]["RepoTags"] == json::array({two_name}));
  CHECK(j[0]["RepoDigests"] == json::array({registry.host() + "/test/two@" + two.manifest.digest}));
  CHECK(j[0]["Config"]["Cmd"] == json::array({"/bin/sh"}));
  CHECK(j[0]["RootFS"]["Layers"].size() == 3);
  out = run_racker("image inspect nothing:here", &rc);
  CHECK(rc == 1);
  CHECK_THAT(out, Catch::Contains("No such image: nothing:here"));

  out = run_racker("images --format json", &rc);
  CHECK(rc == 0);
  std::vector<std::string> repos;
  size_t start = 0;
  while (start < out.size()) {
    size_t nl = out.find('\n', start);
    json row = json::parse(out.substr(start, nl - start), nullptr, false);
    REQUIRE(row.is_object());
    repos.push_back(row["Repository"].get<std::string>() + ":" + row["Tag"].get<std::string>());
    CHECK(row["ID"].get<std::string>().size() == 12);
    start = nl + 1;
  }
  std::sort(repos.begin(), repos.end());
  CHECK(repos == std::vector<std::string>{one_name, two_name});

  // rmi -f removes an image a container uses.
  std::filesystem::create_directories(env.root() + "/containers/c-1");
  write_file(env.root() + "/containers/c-1/config.json", "{\"ImageID\":\"" + two.config_digest + "\"}");
  out = run_racker("rmi " + two_name, &rc);
  CHECK(rc == 1);
  out = run_racker("rmi -f " + two_name, &rc);
  INFO(out);
  CHECK(rc == 0);
  CHECK_THAT(out, Catch::Contains("Untagged: " + two_name));
  std::filesystem::remove_all(env.root() + "/containers");

  // import without a name gives an untagged image; prune removes it.
  TarBuilder().file("hello", "world\n").write(work / "rootfs.tar", TarCompression::kNone);
  out = run_racker("image import " + (work / "rootfs.tar"), &rc);
  CHECK(rc == 0);
  std::string imported = out.substr(0, out.find('\n'));
  CHECK(imported.rfind("sha256:", 0) == 0);
  j = inspect(imported);
  REQUIRE(j.is_array());
  CHECK(read_file(j[0]["LayerDirs"][0].get<std::string>() + "/hello") == "world\n");
  out = run_racker("image import " + (work / "rootfs.tar") + " local/named:1", &rc);
  CHECK(rc == 0);
  out = run_racker("image prune -f", &rc);
  INFO(out);
  CHECK(rc == 0);
  CHECK_THAT(out, Catch::Contains("Total reclaimed space:"));
  CHECK(run_racker("images -q").find(two.config_digest.substr(7, 12)) == std::string::npos);
  CHECK_THAT(run_racker("images"), Catch::Contains("local/named"));

  // load -i: an archive written by skopeo (docker-archive has no zstd: gzip layers only).
  TestImageSpec plain;
  plain.layers.push_back({TarBuilder().file("loaded", "yes\n"), TarCompression::kGzip});
  auto three = layout.add_image(plain);
  layout.tag("three", three.manifest);
  std::string skopeo_out;
  rc = shell("skopeo --insecure-policy copy -q oci:" + layout.dir() + ":three docker-archive:" + (work / "three.tar") +
                       ":example.com/three:loaded", &skopeo_out);
  INFO(skopeo_out);
  REQUIRE(rc == 0);
  out = run_racker("load -i " + (work / "three.tar"), &rc);
  CHECK(rc == 0);
  CHECK(out == "Loaded image: example.com/three:loaded\n");
  j = inspect("example.com/three:loaded");
  REQUIRE(j.is_array());
  CHECK(j[0]["Id"] == three.config_digest);
  CHECK(read_file(j[0]["LayerDirs"][0].get<std::string>() + "/loaded") == "yes\n");
}
