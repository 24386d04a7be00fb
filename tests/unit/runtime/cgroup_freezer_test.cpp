// Which freezer a container's /proc/<pid>/cgroup leads to, and the freeze
// and thaw protocol on a fake cgroup tree.
#include <catch2/catch.hpp>

#include "racker/runtime/cgroup_freezer.h"
#include "support/image_tar_builder.h"

using namespace racker;
using namespace racker::runtime;
using racker::test::TempDir;

namespace {

std::string slurp(const std::string& path) { return racker::test::read_file(path); }
void put(const std::string& path, const std::string& text) { racker::test::write_file(path, text); }

}  // namespace

TEST_CASE("freezer: a v1 host uses the freezer hierarchy's group", "[cgroup]") {
  std::string proc =
      "12:pids:/racker/abc\n"
      "5:freezer:/racker/abc\n"
      "1:name=systemd:/\n"
      "0::/\n";
  auto f = freezer_from_proc("/sys/fs/cgroup", proc);
  REQUIRE(f);
  CHECK(f->dir == "/sys/fs/cgroup/freezer/racker/abc");
  CHECK_FALSE(f->v2);
}

TEST_CASE("freezer: the root group is never frozen", "[cgroup]") {
  auto v1 = freezer_from_proc("/sys/fs/cgroup", "5:freezer:/\n0::/\n");
  REQUIRE_FALSE(v1);
  CHECK(v1.error().message.find("root freezer group") != std::string::npos);
  auto v2 = freezer_from_proc("/sys/fs/cgroup", "0::/\n");
  REQUIRE_FALSE(v2);
}

TEST_CASE("freezer: v2 hosts use cgroup.freeze, hybrid ones under unified/", "[cgroup]") {
  TempDir pure, hybrid;
  put(pure.path() + "/cgroup.controllers", "cpu memory pids\n");
  auto f = freezer_from_proc(pure.path(), "0::/racker/abc\n");
  REQUIRE(f);
  CHECK(f->dir == pure.path() + "/racker/abc");
  CHECK(f->v2);
  auto h = freezer_from_proc(hybrid.path(), "1:name=systemd:/x\n0::/machine.slice/c\n");
  REQUIRE(h);
  CHECK(h->dir == hybrid.path() + "/unified/machine.slice/c");
}

TEST_CASE("freezer: v1 freeze and thaw write freezer.state and wait for it", "[cgroup]") {
  TempDir root;
  FreezerControl f{root.path(), false};
  put(root.path() + "/freezer.state", "THAWED\n");
  REQUIRE(set_frozen(f, true));
  CHECK(slurp(root.path() + "/freezer.state") == "FROZEN");
  REQUIRE(set_frozen(f, false));
  CHECK(slurp(root.path() + "/freezer.state") == "THAWED");
}

TEST_CASE("freezer: a v2 freeze that never completes times out and thaws the group again", "[cgroup]") {
  TempDir root;
  FreezerControl f{root.path(), true};
  put(root.path() + "/cgroup.events", "populated 1\nfrozen 0\n");  // the kernel never reports frozen
  auto st = set_frozen(f, true, std::chrono::milliseconds(30));
  REQUIRE_FALSE(st);
  CHECK(st.error().code == Errc::kTimeout);
  CHECK(slurp(root.path() + "/cgroup.freeze") == "0");
  put(root.path() + "/cgroup.events", "populated 1\nfrozen 1\n");
  CHECK(set_frozen(f, true));
  CHECK(slurp(root.path() + "/cgroup.freeze") == "1");
}
