#pragma once
// The local image store under $RACKER_ROOT/images: what the container
// runtime reads to build a root filesystem, and what pull/load/import write.
//
// Layout (everything is content-addressed except refs):
//   blobs/sha256/<hex>        manifests, indexes and configs, verified by digest
//   layers/<diff-hex>/diff/   a layer unpacked once (overlay lower directory),
//                             shared by every image that contains it
//   layers/<diff-hex>/layer.json   {"diff_id", "size"}
//   images/<id-hex>.json      one record per image (id = config digest)
//   repositories.json         tag -> image id ("docker.io/library/debian:12")
//   tmp/session-XXXXXX/       staging of one open store (one process), locked
//                             with flock(2) while it lives; a session whose
//                             lock is free belonged to a dead process and is
//                             removed when a store opens
//   lock                      flock(2) held by writers of refs and records
//
// Atomicity: a layer becomes visible by renaming a fully unpacked directory
// from tmp/ into layers/; blobs and records are written to a temporary file
// and renamed. An image record is written only when all its layers and blobs
// are in place, and a tag only after its record, so an interrupted pull
// (even kill -9) leaves at most garbage in tmp/, which no reader trusts and
// the next open removes.
//
// Containers in use: an image is "in use" when a file
// $RACKER_ROOT/containers/<name>/config.json has "ImageID": "sha256:<id>" or
// "Image": "<reference>" naming it. rmi refuses such images unless forced.

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "racker/runtime/digest.h"
#include "racker/runtime/image_config.h"
#include "racker/runtime/image_ref.h"
#include "racker/runtime/layer_unpack.h"  // kDefaultMaxLayerBytes
#include "racker/util/error.h"

namespace racker::runtime {

struct ImageRecord {
  Digest id;                               // the config digest
  std::vector<std::string> repo_tags;      // fully qualified: "docker.io/library/debian:12"
  std::vector<std::string> repo_digests;   // "docker.io/library/debian@sha256:<manifest>"
  Digest manifest_digest;                  // empty for imported/bootstrapped images
  std::vector<Digest> layers;              // diff-IDs, lowest first
  int64_t size = 0;                        // bytes of unpacked regular files
  std::string created;                     // from the config
  Platform platform;
};

// An image ready to run.
struct Image {
  ImageRecord record;
  ImageConfig config;
  // Unpacked layer directories, absolute, lowest first: the overlayfs
  // lowerdir list is these in reverse order (overlay lists the top first).
  std::vector<std::string> layer_dirs;
};

// What the container runtime needs from images. Abstract so runtime tests
// can use a fake store.
class ImageStore {
 public:
  virtual ~ImageStore() = default;
  // Looks an image up by reference ("debian", "debian:12", "x@sha256:..."),
  // full id ("sha256:<hex>") or id prefix (12+ hex digits). kNotFound with
  // docker's "No such image: NAME" when absent; kInvalidArgument for a bad
  // reference.
  virtual Result<Image> get(std::string_view ref_or_id) = 0;
  // All images, newest first.
  virtual Result<std::vector<ImageRecord>> list() = 0;
};

// One layer staged for commit: fill `diff_dir`, then commit or drop it.
struct StagedLayer {
  std::string dir;       // tmp/session-XXXXXX/layer-XXXXXX
  std::string diff_dir;  // dir + "/diff": unpack here
};

// Bounds on what pulls and loads into a store may unpack (decompressed tar
// bytes): a few MB of gzip can inflate to terabytes.
struct ImageLimits {
  int64_t layer_bytes = kDefaultMaxLayerBytes;
  int64_t image_bytes = kDefaultMaxLayerBytes;
};

class LocalImageStore : public ImageStore {
 public:
  // Opens (creating if needed) the store under `racker_root`/images and
  // removes leftovers of interrupted writes from tmp/: staging sessions whose
  // owner is gone, and anything else there older than a day.
  static Result<std::unique_ptr<LocalImageStore>> open(const std::string& racker_root, const ImageLimits& limits = {});
  const ImageLimits& limits() const { return limits_; }
  // $RACKER_ROOT, else /var/lib/racker.
  static std::string default_root();

  Result<Image> get(std::string_view ref_or_id) override;
  Result<std::vector<ImageRecord>> list() override;

  // --- blobs (manifests, configs) ---
  bool has_blob(const Digest& d) const;
  Result<std::string> read_blob(const Digest& d) const;  // re-checks the digest
  Status write_blob(const Digest& d, const std::string& bytes);  // REQUIRES: sha256_of(bytes) == d

  // --- layers ---
  bool has_layer(const Digest& diff_id) const;
  std::string layer_dir(const Digest& diff_id) const;  // where the unpacked tree is (may not exist)
  int64_t layer_size(const Digest& diff_id) const;     // bytes of its regular files; 0 if unknown
  Result<StagedLayer> stage_layer();
  // Moves a staged layer into place. If another writer committed the same
  // layer meanwhile, the staged copy is dropped and ok is returned.
  Status commit_layer(const StagedLayer& staged, const Digest& diff_id, int64_t size);
  void drop_staged(const StagedLayer& staged);
  // A scratch directory in this store's staging session (removed by the
  // caller, or with the session).
  Result<std::string> make_scratch_dir();

  // --- records and tags ---
  // Writes the record (merging tags/digests with an existing one) and points
  // each of `record.repo_tags` at it, moving tags away from older images.
  // `documents` (the config, the manifest) are stored as blobs first.
  // REQUIRES: every layer and the config blob are committed or in
  // `documents` (checked: kNotFound).
  Status add_image(const ImageRecord& record, const std::vector<std::string>& documents = {});
  // The image a fully qualified tag points at, if any.
  Result<Digest> resolve_tag(const std::string& full_tag);

  // rmi: one line per effect, docker's words ("Untagged: debian:12",
  // "Deleted: sha256:..."). kConflict when the image is in use by a
  // container or (for an id) has several tags, unless `force`.
  Result<std::vector<std::string>> remove(std::string_view ref_or_id, bool force);
  // Deletes images without tags that no container uses, unused layers, and
  // blobs no image record names (left by a failed pull or load).
  // Returns the deleted ids and reclaimed bytes.
  struct PruneReport {
    std::vector<std::string> deleted;
    int64_t reclaimed = 0;
  };
  Result<PruneReport> prune();

  const std::string& root() const { return root_; }

  // Removes this store's staging session.
  ~LocalImageStore() override;

 private:
  LocalImageStore(std::string racker_root, std::string root, const ImageLimits& limits)
      : racker_root_(std::move(racker_root)), root_(std::move(root)), limits_(limits) {}
  struct Refs;
  Result<ImageRecord> find_record(std::string_view ref_or_id);
  Result<ImageRecord> read_record(const Digest& id) const;
  Status write_record(const ImageRecord& r);
  Result<std::vector<std::string>> containers_using(const ImageRecord& r) const;
  Result<std::vector<std::string>> delete_unused_layers(int64_t* reclaimed);
  // REQUIRES: the store lock is held.
  Status delete_unused_blobs(int64_t* reclaimed);
  // This store's locked staging directory, created on first use.
  Result<std::string> session_dir();

  std::string racker_root_;
  std::string root_;
  ImageLimits limits_;
  std::mutex session_mu_;
  std::string session_dir_;  // guarded by session_mu_
  int session_fd_ = -1;      // holds the flock; guarded by session_mu_
};

}  // namespace racker::runtime
