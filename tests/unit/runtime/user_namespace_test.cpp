#include <catch2/catch.hpp>

#include <unistd.h>

#include <filesystem>
#include <set>

#include "racker/runtime/user_namespace.h"

using namespace racker;
using namespace racker::runtime;

TEST_CASE("user namespace blocks: one per container, aligned, in nspawn's range, past the taken ones", "[userns]") {
  std::string id(64, 'a');
  auto base = pick_userns_base(id, {});
  REQUIRE(base.ok());
  CHECK(*base % kUsernsSize == 0);
  CHECK(*base >= kUsernsPickFirst);
  CHECK(*base <= kUsernsPickLast);
  CHECK(*pick_userns_base(id, {}) == *base);  // the same id, the same block
  auto next = pick_userns_base(id, {*base});
  REQUIRE(next.ok());
  CHECK(*next != *base);
  CHECK(*next % kUsernsSize == 0);
  CHECK(*pick_userns_base(std::string(64, 'b'), {}) != *base);

  std::set<uint32_t> all;
  for (uint64_t b = kUsernsPickFirst; b <= kUsernsPickLast; b += kUsernsSize) all.insert(static_cast<uint32_t>(b));
  auto none = pick_userns_base(id, all);
  REQUIRE_FALSE(none.ok());
  CHECK(none.error().code == Errc::kConflict);
}

TEST_CASE("a user namespace lease is exclusive and its lock file goes with it", "[userns]") {
  namespace fs = std::filesystem;
  fs::path dir = fs::temp_directory_path() / ("racker-userns-test-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  {
    auto first = UsernsLease::take(0x00090000, dir.string());
    REQUIRE(first.ok());
    CHECK(fs::exists(dir / "589824"));
    auto second = UsernsLease::take(0x00090000, dir.string());
    REQUIRE_FALSE(second.ok());
    CHECK(second.error().code == Errc::kConflict);
    CHECK(UsernsLease::take(0x000A0000, dir.string()).ok());
  }
  CHECK_FALSE(fs::exists(dir / "589824"));
  CHECK(UsernsLease::take(0x00090000, dir.string()).ok());
  fs::remove_all(dir);
}
