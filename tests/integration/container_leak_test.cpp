// 50 run/rm cycles of one name on real systemd-nspawn leave nothing behind:
// no mount, process, machine, cgroup or state. Root only.
#include <dirent.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "support/container_harness.h"
#include "support/container_images.h"

using namespace racker::test;

namespace {

std::vector<std::string> entries(const std::string& dir) {
  std::vector<std::string> out;
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(dir, ec)) out.push_back(e.path().filename().string());
  return out;
}

std::vector<std::string> racker_cgroups() {
  std::vector<std::string> out;
  for (const char* dir : {"/sys/fs/cgroup/memory/racker", "/sys/fs/cgroup/pids/racker", "/sys/fs/cgroup/cpu/racker",
                          "/sys/fs/cgroup/racker"})
    for (const auto& e : entries(dir))
      if (e.size() == 64) out.push_back(std::string(dir) + "/" + e);
  return out;
}

std::string joined(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) out += s + "\n";
  return out;
}

}  // namespace

TEST_CASE("50 run/rm cycles of the same name leak nothing", "[container][leak]") {
  std::string why;
  if (!container_tests_possible(&why)) {
    WARN("skipping container test: " << why);
    return;
  }
  RackerRoot root;
  TestImage image;
  image.tag = "rk-busybox:latest";
  REQUIRE(add_busybox_image(root.path(), image));
  auto cgroups_before = racker_cgroups();
  auto machines_before = entries("/run/systemd/machines");

  for (int i = 0; i < 50; ++i) {
    INFO("cycle " << i);
    if (i % 2 == 0) {
      // Detached, with limits (a cgroup), killed by rm -f while running.
      auto run = root.racker({"run", "-d", "--name", "cycle", "-m", "32m", "--pids-limit", "20", "-v", "cyc:/data",
                              "rk-busybox", "sleep", "1000"});
      REQUIRE(run.exit_code == 0);
      auto rm = root.racker({"rm", "-f", "cycle"});
      REQUIRE(rm.exit_code == 0);
    } else {
      // Foreground, to completion, then rm.
      auto run = root.racker({"run", "--name", "cycle", "-v", "cyc:/data", "rk-busybox", "sh", "-c", "echo $0", "x"});
      REQUIRE(run.out == "x\n");
      REQUIRE(run.exit_code == 0);
      REQUIRE(root.racker({"rm", "cycle"}).exit_code == 0);
    }
  }

  CHECK(joined(mounts_with_prefix(root.path())) == "");
  // Every nspawn and monitor of this test names the root in its command
  // line; other roots' containers (another suite running) are not ours.
  CHECK(joined(processes_matching(root.path())) == "");
  CHECK(joined(racker_cgroups()) == joined(cgroups_before));
  CHECK(joined(entries("/run/systemd/machines")) == joined(machines_before));
  CHECK(entries(root.path() + "/containers").empty());
  CHECK(entries(root.path() + "/names").empty());
  CHECK(root.racker({"ps", "-a", "-q"}).out.empty());
}
