#pragma once
// Test images in a real image store (LocalImageStore under a test
// RACKER_ROOT), built from the host's busybox-static: layers are tarballs
// unpacked by the store's own unpacker, so the runtime sees exactly what a
// pulled image gives it.

#include <string>
#include <vector>

#include "racker/util/error.h"

namespace racker::test {

inline constexpr const char* kHostBusybox = "/bin/busybox";

struct TestImage {
  std::string tag;  // "rk-busybox:latest"
  std::vector<std::string> env = {"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"};
  std::vector<std::string> entrypoint, cmd = {"sh"};
  std::vector<std::string> volumes;
  std::string working_dir, user, stop_signal;
};

// A busybox userland: /bin/busybox with applet links in /bin, /etc/passwd
// (root, nobody, app=1000:1000) and /etc/group, /tmp, /data/seed.txt.
// Returns the image id ("sha256:...").
Result<std::string> add_busybox_image(const std::string& racker_root, const TestImage& image);

// An image with no OS tree: one file, /busybox, a static binary.
Result<std::string> add_static_binary_image(const std::string& racker_root, const TestImage& image);

// True when the host has what the container tests need: root,
// systemd-nspawn, overlayfs, /bin/busybox static.
bool container_tests_possible(std::string* why);

}  // namespace racker::test
