// pull_image: manifest -> config -> layers (parallel) -> record. Layers are
// verified twice: the compressed blob against the manifest digest while it
// downloads, the uncompressed stream against the config's diff-ID while it
// unpacks. Only then is the layer published under its diff-ID.
#include "racker/runtime/image_pull.h"

#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <mutex>
#include <set>
#include <thread>

#include "beneath.h"  // UniqueFd
#include "image_files.h"

namespace racker::runtime {
namespace {

struct LayerJob {
  Descriptor blob;
  Digest diff_id;
};

class LayerWorkers {
 public:
  LayerWorkers(LocalImageStore& store, RegistryClient& client, const PullOptions& options, std::vector<LayerJob> jobs)
      : store_(store), client_(client), options_(options), jobs_(std::move(jobs)) {}

  Status run() {
    size_t n = std::min<size_t>(jobs_.size(), static_cast<size_t>(std::max(1, options_.max_concurrent_downloads)));
    std::vector<std::thread> threads;
    for (size_t i = 0; i < n; ++i) threads.emplace_back([this] { work(); });
    for (auto& t : threads) t.join();
    if (first_error_) return *first_error_;
    return ok_status();
  }

 private:
  void work() {
    for (;;) {
      size_t i = next_++;
      if (i >= jobs_.size() || failed_) return;
      if (auto st = pull_layer(jobs_[i]); !st) {
        std::lock_guard<std::mutex> lock(mu_);
        if (!first_error_) first_error_ = st.error();
        failed_ = true;
      }
    }
  }

  void report(const Digest& blob, LayerPhase phase, int64_t current = 0, int64_t total = 0) {
    if (options_.observer) options_.observer->on_layer(blob, phase, current, total);
  }

  Status pull_layer(const LayerJob& job) {
    auto staged = store_.stage_layer();
    if (!staged) return staged.error();
    Status st = fetch_and_unpack(job, *staged);
    if (!st) store_.drop_staged(*staged);
    return st;
  }

  Status fetch_and_unpack(const LayerJob& job, const StagedLayer& staged) {
    std::string blob_path = staged.dir + "/blob";
    const Digest& id = job.blob.digest;
    report(id, LayerPhase::kDownloading, 0, job.blob.size);
    auto progress = [&](int64_t got) { report(id, LayerPhase::kDownloading, got, job.blob.size); };
    if (auto st = client_.fetch_blob(job.blob, blob_path, progress); !st) return st;
    report(id, LayerPhase::kExtracting);
    UniqueFd blob(::open(blob_path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!blob.valid()) return Error(Errc::kIo, "layer " + id.str() + ": " + std::strerror(errno));
    LayerUnpackOptions unpack = options_.unpack;
    unpack.max_bytes = store_.limits().layer_bytes;
    // Named by digest in errors: the staging path means nothing to the user.
    auto unpacked = unpack_layer_fd(blob.get(), id.str(), staged.diff_dir, unpack);
    if (!unpacked) return unpacked.error();
    if ((image_bytes_ += unpacked->tar_size) > store_.limits().image_bytes)
      return Error(Errc::kIo, "image decompresses to more than " + std::to_string(store_.limits().image_bytes) +
                                  " bytes, the limit");
    std::remove(blob_path.c_str());
    if (unpacked->diff_id != job.diff_id)
      return Error(Errc::kIo, "layer " + id.str() + ": diff-ID mismatch: the config says " + job.diff_id.str() +
                                  ", the content is " + unpacked->diff_id.str());
    if (auto st = store_.commit_layer(staged, job.diff_id, unpacked->content_size); !st) return st;
    report(id, LayerPhase::kPullComplete);
    return ok_status();
  }

  LocalImageStore& store_;
  RegistryClient& client_;
  const PullOptions& options_;
  std::vector<LayerJob> jobs_;
  std::atomic<size_t> next_{0};
  std::atomic<bool> failed_{false};
  std::atomic<int64_t> image_bytes_{0};  // decompressed, over the layers unpacked so far
  std::mutex mu_;
  std::optional<Error> first_error_;
};

Result<std::string> fetch_config(LocalImageStore& store, RegistryClient& client, const Descriptor& d) {
  if (store.has_blob(d.digest)) return store.read_blob(d.digest);
  if (static_cast<uint64_t>(d.size) > kMaxManifestBytes)
    return Error(Errc::kParse, "image config " + d.digest.str() + ": " + std::to_string(d.size) + " bytes, more than the " +
                                   std::to_string(kMaxManifestBytes >> 20) + " MiB limit");
  auto scratch = store.make_scratch_dir();
  if (!scratch) return scratch.error();
  std::string path = *scratch + "/config";
  Status st = client.fetch_blob(d, path);
  Result<std::string> bytes = st ? files::read(path) : Result<std::string>(st.error());
  (void)files::remove_tree(*scratch);
  return bytes;
}

Result<PullResult> pull(LocalImageStore& store, RegistryClient& client, const ImageRef& ref, const PullOptions& options) {
  auto top = client.fetch_manifest(ref.manifest_reference());
  if (!top) return top.error();
  auto doc = parse_manifest(top->body, top->media_type);
  if (!doc) return doc.error();
  FetchedManifest manifest_bytes = *top;
  if (doc->index) {
    auto chosen = select_platform(*doc->index, options.platform);
    if (!chosen) return chosen.error();
    auto m = client.fetch_manifest(chosen->digest.str());
    if (!m) return m.error();
    doc = parse_manifest(m->body, m->media_type);
    if (!doc) return doc.error();
    if (!doc->manifest) return Error(Errc::kUnsupported, "nested image indexes are not supported");
    manifest_bytes = *m;
  }
  const ImageManifest& manifest = *doc->manifest;

  auto config_bytes = fetch_config(store, client, manifest.config);
  if (!config_bytes) return config_bytes.error();
  auto config = parse_image_config(*config_bytes);
  if (!config) return config.error();
  if (config->diff_ids.size() != manifest.layers.size())
    return Error(Errc::kParse, "image config lists " + std::to_string(config->diff_ids.size()) +
                                   " layers, the manifest " + std::to_string(manifest.layers.size()));

  std::vector<Digest> blob_ids;
  for (const auto& l : manifest.layers) blob_ids.push_back(l.digest);
  if (options.observer) options.observer->on_layers(blob_ids);
  std::vector<LayerJob> jobs;
  std::set<Digest> queued;
  for (size_t i = 0; i < manifest.layers.size(); ++i) {
    const auto& layer = manifest.layers[i];
    if (layer.media_type == media_type::kDockerForeignLayer)
      return Error(Errc::kUnsupported, "layer " + layer.digest.str() + ": foreign (non-distributable) layers are not supported");
    if (store.has_layer(config->diff_ids[i]) || !queued.insert(config->diff_ids[i]).second) {
      if (options.observer) options.observer->on_layer(layer.digest, LayerPhase::kAlreadyExists, 0, 0);
      continue;
    }
    if (options.observer) options.observer->on_layer(layer.digest, LayerPhase::kWaiting, 0, layer.size);
    jobs.push_back({layer, config->diff_ids[i]});
  }
  LayerWorkers workers(store, client, options, std::move(jobs));
  if (auto st = workers.run(); !st) return st.error();

  PullResult result;
  result.repo_digest = top->digest;
  ImageRecord& rec = result.image;
  rec.id = manifest.config.digest;
  if (!ref.tag.empty()) {
    ImageRef tagged = ref;
    tagged.digest.reset();
    rec.repo_tags.push_back(tagged.str());
  }
  rec.repo_digests.push_back(ref.repository() + "@" + top->digest.str());
  rec.manifest_digest = manifest_bytes.digest;
  rec.layers = config->diff_ids;
  rec.created = config->created;
  rec.platform = config->platform;
  rec.size = 0;
  for (const auto& d : rec.layers) rec.size += store.layer_size(d);
  Digest before;
  if (!rec.repo_tags.empty())
    if (auto old = store.resolve_tag(rec.repo_tags[0])) before = *old;
  result.newer = before != rec.id;
  if (auto st = store.add_image(rec, {manifest_bytes.body, *config_bytes}); !st) return st.error();
  return result;
}

}  // namespace

Result<PullResult> pull_image(LocalImageStore& store, RegistryClient& client, const ImageRef& ref,
                              const PullOptions& options) {
  auto r = pull(store, client, ref, options);
  if (!r) return r.error().with_context("while pulling " + ref.familiar());
  return r;
}

}  // namespace racker::runtime
