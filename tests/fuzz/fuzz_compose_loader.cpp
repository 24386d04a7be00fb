// libFuzzer target: the whole compose loader on in-memory files, then
// everything `racker compose config` does with the result. The input format
// and the checks are in compose_loader_input.h (shared with the replay unit
// test); any failed check aborts, so libFuzzer saves the input.
//
// RACKER_FUZZ_VERBOSE=1 with -runs=0 shows what each input does.
#include <cstdint>
#include <cstdio>
#include <cstdlib>

#include "fuzz/compose_loader_input.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  // Bigger inputs only slow the fuzzer down; the loader's own size limits
  // are exercised well below this.
  if (size > 64 * 1024) return 0;
  static const bool verbose = std::getenv("RACKER_FUZZ_VERBOSE") != nullptr;
  std::string problem =
      racker::fuzz::run_compose_loader(std::string_view(reinterpret_cast<const char*>(data), size), verbose);
  if (!problem.empty()) {
    std::fprintf(stderr, "fuzz_compose_loader: %s\n", problem.c_str());
    std::abort();
  }
  return 0;
}
