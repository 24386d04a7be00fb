#pragma once
// Shared pieces of the image integration tests: the test images, a pull
// through the library as `racker pull` does it, and running the racker
// binary.

#include <string>

#include "racker/runtime/image_pull.h"
#include "support/image_oci_layout.h"

namespace racker::test {

// Integration tests need root and the registry tools; without them they
// SUCCEED-skip, saying why.
#define RACKER_REQUIRE_ROOT_AND_REGISTRY()                                           \
  if (!::racker::test::running_as_root()) {                                         \
    SUCCEED("skipped: image integration tests need root");                          \
    return;                                                                          \
  }                                                                                  \
  if (!::racker::test::have_tool("skopeo") || !::racker::test::have_tool("docker-registry")) { \
    SUCCEED("skipped: needs skopeo and docker-registry (scripts/deps/images.list)"); \
    return;                                                                          \
  }

// Two layers: a busybox-static rootfs (gzip) with a file owned by
// 1000:1001 carrying a user.racker xattr, then changes with whiteouts (zstd).
TestImageSpec busybox_image();

// `size` pseudo-random (incompressible) bytes from `seed`.
std::string random_bytes(size_t size, uint64_t seed);

// Opens the store under `root`, builds a client from the host's registry
// configuration (registries.conf, mirrors, credentials, certs.d) and pulls.
Result<runtime::PullResult> pull_into(const std::string& root, const std::string& ref,
                                      const runtime::PullOptions& options = {});

// Runs the racker binary with `args` (a shell word list), stdout+stderr.
std::string run_racker(const std::string& args, int* status = nullptr);

}  // namespace racker::test
