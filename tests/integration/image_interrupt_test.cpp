// A pull killed with SIGKILL in the middle of its downloads: the store must
// hold nothing half-written that anything trusts, and the next pull must
// finish, verify every layer and clean up what the dead one left. The
// registry sits behind a RegistryProxy that stops forwarding after a byte
// budget, so the kill lands mid-download every time, not by luck.
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <thread>

#include "racker/runtime/digest.h"
#include "racker/runtime/image_store.h"
#include "support/image_oci_layout.h"
#include "support/image_test_env.h"
#include "support/image_test_images.h"
#include "support/registry_fixture.h"
#include "support/registry_proxy.h"

extern char** environ;

using namespace racker;
using namespace racker::runtime;
using namespace racker::test;
namespace fs = std::filesystem;

namespace {

// Kills and reaps the child if the test ends early.
class Child {
 public:
  explicit Child(const std::vector<std::string>& args) {
    std::vector<char*> argv;
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);
    if (posix_spawn(&pid_, argv[0], &actions, nullptr, argv.data(), environ) != 0) pid_ = -1;
    posix_spawn_file_actions_destroy(&actions);
  }
  ~Child() { kill9(); }
  pid_t pid() const { return pid_; }
  int kill9() {
    if (pid_ <= 0) return -1;
    ::kill(pid_, SIGKILL);
    int status = 0;
    ::waitpid(pid_, &status, 0);
    pid_ = -1;
    return status;
  }

 private:
  pid_t pid_ = -1;
};

// Largest partially downloaded blob in any staging session, in bytes.
int64_t largest_staged_blob(const std::string& tmp) {
  int64_t best = 0;
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(tmp, ec); !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    std::error_code size_ec;
    if (it->path().filename() == "blob" && it->is_regular_file(size_ec)) {
      auto size = static_cast<int64_t>(fs::file_size(it->path(), size_ec));
      if (!size_ec) best = std::max(best, size);
    }
  }
  return best;
}

}  // namespace

TEST_CASE("a pull killed mid-download leaves nothing trusted, and the next pull completes and verifies",
          "[integration][image][atomic]") {
  RACKER_REQUIRE_ROOT_AND_REGISTRY();
  RegistryFixture registry;
  REQUIRE(registry.ok());
  ImageTestEnv env;
  TempDir work;
  OciLayout layout(work / "layout");
  // A small layer, then three of 4 MiB random (incompressible) data each.
  TestImageSpec spec;
  spec.layers.push_back({TarBuilder().file("small", "small layer\n"), TarCompression::kGzip});
  std::vector<std::string> data;
  for (uint64_t i = 0; i < 3; ++i) {
    data.push_back(random_bytes(4 << 20, 42 + i));
    spec.layers.push_back({TarBuilder().dir("data").file("data/big" + std::to_string(i), data.back()), TarCompression::kGzip});
  }
  auto built = layout.add_image(spec);
  layout.tag("v1", built.manifest);
  REQUIRE(skopeo_push(layout.dir(), "v1", registry.host() + "/test/big:v1") == "");

  RegistryProxy proxy(registry.port());
  REQUIRE(proxy.ok());
  proxy.hold_after(5 << 20);  // past manifest and config, well short of 12 MiB of layers
  std::string name = proxy.host() + "/test/big:v1";
  std::string tmp = env.root() + "/images/tmp";
  {
    Child pull({RACKER_BINARY, "pull", "-q", name});
    REQUIRE(pull.pid() > 0);
    // Bounded wait for the proxy to stop the transfer with a blob partly on disk.
    bool stalled = false;
    for (int i = 0; i < 3000 && !stalled; ++i) {
      stalled = proxy.holding() && largest_staged_blob(tmp) > 0;
      if (!stalled) std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    REQUIRE(stalled);
    // Layers were being fetched over several connections at once.
    CHECK(proxy.max_concurrent() >= 2);
    int status = pull.kill9();
    CHECK(WIFSIGNALED(status));
  }
  // The dead pull left a partial blob in its staging session...
  int64_t partial = largest_staged_blob(tmp);
  CHECK(partial > 0);

  // ...and nothing anything trusts: no image, no tag, and every published
  // layer complete with its metadata and content.
  CHECK(fs::is_empty(env.root() + "/images/images"));
  CHECK(read_file(env.root() + "/images/repositories.json").find("test/big") == std::string::npos);
  for (const auto& entry : fs::directory_iterator(env.root() + "/images/layers")) {
    INFO(entry.path());
    CHECK(fs::exists(entry.path() / "layer.json"));
    std::string hex = entry.path().filename();
    bool known = false;
    for (size_t i = 0; i < built.diff_ids.size(); ++i) {
      if (built.diff_ids[i] != "sha256:" + hex) continue;
      known = true;
      if (i == 0) CHECK(read_file(entry.path() / "diff/small") == "small layer\n");
      else CHECK(read_file(entry.path() / ("diff/data/big" + std::to_string(i - 1))) == data[i - 1]);
    }
    CHECK(known);
  }
  for (const auto& entry : fs::directory_iterator(env.root() + "/images/blobs/sha256")) {
    INFO(entry.path());
    CHECK(sha256_of(read_file(entry.path())).hex() == entry.path().filename().string());
  }

  // The next pull finishes, checks every digest, and the dead pull's staging is gone.
  proxy.release();
  int rc = 0;
  std::string out = run_racker("pull -q " + name, &rc);
  INFO(out);
  REQUIRE(rc == 0);
  auto store = LocalImageStore::open(env.root());
  REQUIRE(store.ok());
  auto image = (*store)->get(name);
  REQUIRE(image.ok());
  CHECK(image->record.id.str() == built.config_digest);
  REQUIRE(image->layer_dirs.size() == 4);
  CHECK(read_file(image->layer_dirs[0] + "/small") == "small layer\n");
  for (size_t i = 0; i < 3; ++i) CHECK(read_file(image->layer_dirs[i + 1] + "/data/big" + std::to_string(i)) == data[i]);
  for (size_t i = 0; i < 4; ++i) CHECK(image->record.layers[i].str() == built.diff_ids[i]);
  CHECK(fs::is_empty(tmp));
}
