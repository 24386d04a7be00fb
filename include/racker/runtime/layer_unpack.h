#pragma once
// Unpacks one image layer tarball (gzip, zstd or uncompressed; detected from
// the bytes) into an empty directory, in the form overlayfs takes as a lower
// layer:
//   - ".wh.NAME" becomes a 0:0 character device NAME (an overlay whiteout);
//   - ".wh..wh..opq" marks its directory opaque (xattr trusted.overlay.opaque=y);
//   - hard links, symlinks, devices, permissions, numeric ownership (when
//     root), timestamps and xattrs are kept.
// Entries whose name or hard-link target is absolute, contains "..", or
// resolves through a symlink are rejected, so no entry can write outside the
// directory: every entry is made relative to directory fds opened with
// openat2(RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS), whatever its length.
// trusted.* xattrs in the tar are dropped (overlayfs keeps its own state
// there). While reading, the uncompressed stream is hashed: the result is
// the layer's diff-ID, which the caller must compare with the image config.
// Blocking; safe to run concurrently on different destinations.

#include <cstdint>
#include <string>

#include "racker/runtime/digest.h"
#include "racker/util/error.h"

namespace racker::runtime {

// What a tar may create.
enum class LayerEntries {
  kImageLayer,  // everything an image layer holds, device nodes and FIFOs included
  kPlainFiles,  // an archive of files (docker-archive, oci-archive): no nodes, FIFOs or sockets
};

// Bounds the decompressed stream: a few MB of gzip can inflate to terabytes.
// Also the default of a store's ImageLimits.
inline constexpr int64_t kDefaultMaxLayerBytes = int64_t{64} << 30;  // 64 GiB

struct LayerUnpackOptions {
  // chown entries to their numeric uid/gid. Needs root; off for unprivileged tests.
  bool preserve_ownership = true;
  // Turn .wh. entries into overlay whiteouts (needs CAP_MKNOD/CAP_SYS_ADMIN).
  // When false they are skipped; only useful to tests without root.
  bool overlay_whiteouts = true;
  LayerEntries entries = LayerEntries::kImageLayer;
  // Refuse a tar stream longer than this (decompressed bytes); pulls and
  // loads set it from their store's ImageLimits.
  int64_t max_bytes = kDefaultMaxLayerBytes;
  // Threads that create a layer's small regular files while the stream is
  // read on (file creation, not bytes, bounds unpacking on most disks);
  // 0 writes every file on the reading thread.
  int file_writers = 4;
};

// Options fitting the current process: ownership and whiteouts only as root.
LayerUnpackOptions default_unpack_options();

struct UnpackedLayer {
  Digest diff_id;              // sha256 of the uncompressed tar stream
  int64_t tar_size = 0;        // bytes of the uncompressed stream
  int64_t content_size = 0;    // sum of regular file sizes
};

// REQUIRES: dest exists, is empty and belongs to the caller alone.
// Errors: kIo (unreadable or corrupt archive, write failure), kPermission
// ("layer entry \"../x\" escapes the layer root" and other unsafe entries).
// On error dest holds a partial tree; the caller discards it.
Result<UnpackedLayer> unpack_layer(const std::string& blob_path, const std::string& dest,
                                   const LayerUnpackOptions& options);
// The same from an open blob (read from its current offset); `shown` names it in errors.
Result<UnpackedLayer> unpack_layer_fd(int blob_fd, const std::string& shown, const std::string& dest,
                                      const LayerUnpackOptions& options);

}  // namespace racker::runtime
