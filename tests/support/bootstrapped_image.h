#pragma once
// Debian images bootstrapped from Debian packages (mmdebstrap, minutes) for
// the tests that need a real OS tree: each lives in a state root of its own
// under the build directory, keyed by the package list, so one test run (and
// later runs) builds it at most once. Builders take a lock; the others wait
// and then find the image.

#include <string>
#include <vector>

namespace racker::test {

struct BootstrappedImage {
  std::string tag;            // "racker-tests/debian-systemd:bookworm"
  std::string packages_file;  // one Debian package per line, '#' comments
  // The command that builds `tag` into $RACKER_ROOT (RACKER is set to the
  // racker binary); empty: `racker image bootstrap TAG --suite bookworm
  // --include <packages>`.
  std::vector<std::string> build_command;
  std::string root_prefix;  // state root: RACKER_BUILD_DIR/<prefix>-<key>
};

// The state root holding `image`, built on first use. Empty with `why` set
// when the host cannot build it (not root, no mmdebstrap) or the build failed.
std::string bootstrapped_image_root(const BootstrappedImage& image, std::string* why);

// racker-examples/debian:bookworm, the image every example stack runs on
// (examples/images/build and examples/images/packages).
BootstrappedImage examples_image();

// Debian bookworm with systemd as /sbin/init (tests/data/images/debian-systemd.packages):
// for tests that boot an OS container (`systemd-nspawn -b`).
BootstrappedImage debian_systemd_image();

// The packages of a packages file joined by commas.
std::string package_list(const std::string& packages_file);

}  // namespace racker::test
