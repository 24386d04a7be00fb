#pragma once
// The container root filesystem: an overlayfs mounted by racker over the
// image's shared, read-only layer directories plus a per-container upper
// directory, and the teardown that makes sure nothing stays mounted.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "racker/util/error.h"

namespace racker::runtime {

// A container in its own user namespace (user_namespace.h): the layers are
// mounted idmapped into it, and the upper layer's root belongs to its root.
struct OverlayIdmap {
  int userns_fd = -1;
  uint32_t root_uid = 0;  // the host id of the container's root
};

struct OverlayDirs {
  std::vector<std::string> lower;  // image layers, lowest first; empty is allowed
  std::string upper, work;         // per container; created if missing
  std::string empty_lower;         // used as the only lower dir when `lower` is empty
  std::string target;              // mount point; created if missing
  std::optional<OverlayIdmap> idmap;
};

// Mounts the overlay at dirs.target, "volatile" where the kernel has it (no
// syncs of the upper layer: unmounting stays fast on a busy host; a host
// crash may lose a stopped container's recent writes, never a volume's).
// The work dir is emptied first. Errors: kIo with the kernel's errno,
// kUnsupported when the layer list does not fit one mount(2) call.
Status mount_overlay(const OverlayDirs& dirs);

// The overlay's mount options ("lowerdir=top:...:bottom,upperdir=...,workdir=..."),
// exposed for tests.
std::string overlay_options(const OverlayDirs& dirs);

// Mount points at or below `path` (from /proc/self/mountinfo), deepest first.
std::vector<std::string> mounts_under(const std::string& path);

// Unmounts every mount at or below `path`, deepest first, retrying while the
// kernel says EBUSY (a process of the container may still be exiting) for up
// to `busy_wait_ms`, then detaching lazily. Absent mounts are fine.
Status unmount_tree(const std::string& path, int busy_wait_ms = 2000);

// Decodes mountinfo's octal escapes ("\040" for a space). For tests.
std::string unescape_mount_path(const std::string& field);

}  // namespace racker::runtime
