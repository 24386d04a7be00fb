#pragma once
// Named volumes, docker's local driver: $RACKER_ROOT/volumes/<name>/_data.
// A volume that is empty when a container first mounts it is filled with
// what the image has at the mount point (docker's copy-up), ownership,
// modes and symlinks included.

#include <cstdint>
#include <string>
#include <vector>

#include "racker/util/error.h"

namespace racker::runtime {

class VolumeStore {
 public:
  explicit VolumeStore(std::string volumes_dir) : dir_(std::move(volumes_dir)) {}

  std::string data_dir(const std::string& name) const { return dir_ + "/" + name + "/_data"; }
  bool exists(const std::string& name) const;
  // Creates the volume if needed. kInvalidArgument for a bad name.
  Status ensure(const std::string& name);
  // True when the volume's data directory has no entries.
  bool empty(const std::string& name) const;
  Status remove(const std::string& name);
  std::vector<std::string> list() const;

 private:
  std::string dir_;
};

// Docker's rule for volume names: [a-zA-Z0-9][a-zA-Z0-9_.-]+.
bool valid_volume_name(const std::string& name);

// Copies the tree at `source` into the existing directory `dest`, keeping
// modes, numeric ownership, symlinks (never followed) and special files.
// `id_shift`: the source shows ids that much higher than they are to be
// (a container's idmapped root), so they are stored lowered by it.
Status copy_tree(const std::string& source, const std::string& dest, uint32_t id_shift = 0);

}  // namespace racker::runtime
