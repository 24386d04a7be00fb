#pragma once
// Pulling an image from a registry into the local store: resolve the
// manifest (choosing a platform from an index), fetch the config, then
// download, verify and unpack the missing layers concurrently, and finally
// record and tag the image. Layers already in the store are not fetched.

#include <cstdint>
#include <string>

#include "racker/runtime/image_config.h"
#include "racker/runtime/image_ref.h"
#include "racker/runtime/image_store.h"
#include "racker/runtime/layer_unpack.h"
#include "racker/runtime/registry_client.h"
#include "racker/util/error.h"

namespace racker::runtime {

enum class LayerPhase { kAlreadyExists, kWaiting, kDownloading, kExtracting, kPullComplete };

// Progress of a pull, for `racker pull`'s display. Called from worker
// threads: implementations synchronize themselves.
class PullObserver {
 public:
  virtual ~PullObserver() = default;
  // The layer list is known (in manifest order).
  virtual void on_layers(const std::vector<Digest>& blobs) = 0;
  // `current`/`total` are bytes for kDownloading, 0 otherwise.
  virtual void on_layer(const Digest& blob, LayerPhase phase, int64_t current, int64_t total) = 0;
};

struct PullOptions {
  Platform platform = host_platform();
  int max_concurrent_downloads = 3;  // docker's default
  LayerUnpackOptions unpack = default_unpack_options();
  PullObserver* observer = nullptr;  // may be null
};

struct PullResult {
  ImageRecord image;
  Digest repo_digest;  // the digest the registry serves for the reference (index or manifest)
  bool newer = false;  // the tag now points at a different image than before
};

// Errors carry docker's wording (see registry_client.h) plus "while pulling NAME".
Result<PullResult> pull_image(LocalImageStore& store, RegistryClient& client, const ImageRef& ref,
                              const PullOptions& options);

}  // namespace racker::runtime
