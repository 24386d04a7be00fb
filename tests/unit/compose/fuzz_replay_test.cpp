// Replays the fuzzer's seeds and saved regressions (tests/fuzz/) through the
// same harness as fuzz_compose_loader, in every build: an input that once
// crashed, hung or broke a round trip must now load or fail cleanly.
#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "fuzz/compose_loader_input.h"

namespace {

std::vector<std::filesystem::path> inputs_in(const std::filesystem::path& dir) {
  std::vector<std::filesystem::path> out;
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    if (e.is_regular_file() && e.path().filename() != "README.md") out.push_back(e.path());
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::string contents(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void replay(const char* folder) {
  std::filesystem::path dir = std::filesystem::path(RACKER_SOURCE_DIR) / "tests" / "fuzz" / folder;
  auto files = inputs_in(dir);
  REQUIRE_FALSE(files.empty());
  for (const auto& f : files) {
    INFO(f.string());
    CHECK(racker::fuzz::run_compose_loader(contents(f)) == "");
  }
}

}  // namespace

TEST_CASE("fuzz regressions load or fail cleanly", "[fuzz]") { replay("regressions"); }

TEST_CASE("fuzz seeds load or fail cleanly", "[fuzz]") { replay("seeds"); }

TEST_CASE("fuzz input parts split on marker lines only", "[fuzz]") {
  auto parts = racker::fuzz::split_parts("a\n#--8<--\nb\nx#--8<--\n#--8<--\n#--8<--\nd\n#--8<--\ne");
  REQUIRE(parts.size() == 4);
  CHECK(parts[0] == "a\n");
  CHECK(parts[1] == "b\nx#--8<--\n");
  CHECK(parts[2] == "");
  CHECK(parts[3] == "d\n#--8<--\ne");  // at most four files: the rest is the last one
}
