#pragma once
// Shared by the convert tests: loading a stack from the repository, and
// golden files under tests/data/convert/golden/. A golden test fails on any
// difference; RACKER_UPDATE_GOLDEN=1 rewrites the files instead (review the
// diff before committing).

#include <catch2/catch.hpp>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

#include "racker/compose/load.h"
#include "racker/convert/output.h"

namespace racker::test {

inline std::string repo_path(const std::string& rel) { return std::string(RACKER_SOURCE_DIR) + "/" + rel; }

// Loads `rel_dir` of the repository with an empty process environment, so
// ${VAR:-default} takes its default whatever the test's environment is.
inline compose::LoadedProject load_stack(const std::string& rel_dir, const std::string& file = "") {
  compose::DiskFileReader files;
  compose::ProjectOptions opts;
  opts.working_dir = repo_path(rel_dir);
  if (!file.empty()) opts.files = {opts.working_dir + "/" + file};
  auto loaded = compose::load_project(opts, files, {});
  if (!loaded) FAIL("load " << rel_dir << ": " << loaded.error().message << " at " << loaded.error().key_path);
  return std::move(*loaded);
}

inline void check_golden(const std::string& name, const std::string& actual) {
  std::string path = repo_path("tests/data/convert/golden/" + name);
  const char* update = std::getenv("RACKER_UPDATE_GOLDEN");
  if (update && std::string(update) == "1") {
    std::ofstream(path, std::ios::binary | std::ios::trunc) << actual;
    WARN("rewrote " << path);
    return;
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) FAIL("missing golden file " << path << " (RACKER_UPDATE_GOLDEN=1 writes it)");
  std::stringstream expected;
  expected << in.rdbuf();
  if (expected.str() == actual) return;
  // Point at the first differing line; the whole text follows.
  std::istringstream a(actual), e(expected.str());
  std::string la, le;
  int line = 1;
  while (std::getline(a, la) && std::getline(e, le) && la == le) ++line;
  FAIL_CHECK(path << ":" << line << ": differs\n  expected: " << le << "\n  actual:   " << la
                  << "\n(RACKER_UPDATE_GOLDEN=1 rewrites it)\n--- actual ---\n"
                  << actual);
}

// The content of the file called `name` in a conversion; fails the test
// when there is none.
inline std::string file_named(const convert::Conversion& c, const std::string& name) {
  for (const auto& f : c.files)
    if (f.name == name) return f.content;
  FAIL("no file " << name);
  return "";
}

}  // namespace racker::test
