#pragma once
// Images that come from files instead of a registry:
//   - load_image_archive: `racker load -i FILE`, a docker-archive
//     (manifest.json + layer tars, as `docker save` / `skopeo copy
//     docker-archive:` write) or an oci-archive (an OCI layout in a tar);
//   - import_rootfs: `racker image import ROOTFS.tar NAME`, one layer and a
//     minimal config;
//   - bootstrap_debian: `racker image bootstrap NAME --suite S`, a Debian
//     rootfs made by mmdebstrap from Debian's packages, then imported.
// Every layer is unpacked with the same defences as a pull and checked
// against the config's diff-IDs; archives are read from a scratch copy that is
// removed afterwards.

#include <string>
#include <vector>

#include "racker/runtime/image_config.h"
#include "racker/runtime/image_store.h"
#include "racker/runtime/layer_unpack.h"
#include "racker/util/error.h"

namespace racker::runtime {

// Returns docker's lines: "Loaded image: debian:12" (or "Loaded image ID:
// sha256:..." for untagged images). kParse for archives of neither kind.
Result<std::vector<std::string>> load_image_archive(LocalImageStore& store, const std::string& archive_path,
                                                    const LayerUnpackOptions& options = default_unpack_options());

struct ImportOptions {
  std::vector<std::string> cmd;         // empty: none, like docker import
  std::vector<std::string> env;
  Platform platform = host_platform();
};

// Adds a single-layer image from a rootfs tarball (any compression) and tags
// it `reference` when non-empty.
Result<ImageRecord> import_rootfs(LocalImageStore& store, const std::string& tar_path, const std::string& reference,
                                  const ImportOptions& import = {},
                                  const LayerUnpackOptions& options = default_unpack_options());

struct BootstrapOptions {
  std::string suite = "bookworm";
  std::vector<std::string> include;  // extra packages
  std::string mirror;                // empty: mmdebstrap's default (deb.debian.org or the host's sources)
  std::string variant = "minbase";
};

// Runs mmdebstrap into a tarball in scratch space and imports the result
// with Cmd ["/bin/bash"]. kNotFound when mmdebstrap is not installed; kIo
// with its exit status when it fails.
Result<ImageRecord> bootstrap_debian(LocalImageStore& store, const std::string& reference, const BootstrapOptions& options);

}  // namespace racker::runtime
