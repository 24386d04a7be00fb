#pragma once
// Building and tearing down a container's root filesystem in its directory
// (containers/<id>/): the overlay at rootfs/ over the image layers with
// upper/ and work/, what nspawn needs in an image that has no OS tree
// (/usr), mount points for read-only roots, docker's /etc/hostname,
// /etc/hosts and /etc/resolv.conf, and named volumes (created and filled from
// the image on first use).

#include <cstdint>
#include <string>

#include "racker/runtime/container_spec.h"
#include "racker/util/error.h"

namespace racker::runtime {

struct RootfsPaths {
  std::string container_dir;  // containers/<id>
  std::string volumes_dir;    // $RACKER_ROOT/volumes
  std::string rootfs() const { return container_dir + "/rootfs"; }
  std::string upper() const { return container_dir + "/upper"; }
  std::string work() const { return container_dir + "/work"; }
  std::string empty_lower() const { return container_dir + "/empty"; }
};

// Mounts and fills the root filesystem. On error nothing stays mounted.
Status prepare_rootfs(const ContainerSpec& spec, const RootfsPaths& paths);

// Unmounts everything under rootfs/ (waiting out EBUSY). Idempotent.
Status teardown_rootfs(const RootfsPaths& paths);

// Creates `path` (absolute, inside the tree at `root_fd`) as a directory, or
// as an empty file when `file`, resolving symlinks inside the tree so an
// image's links can never point racker outside it. Existing entries are fine.
// What it creates belongs to host id `owner` (a private user namespace's root).
Status make_in_root(int root_fd, const std::string& path, bool file, uint32_t owner = 0);

}  // namespace racker::runtime
