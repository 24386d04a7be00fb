// docker-archive and oci-archive loading, rootfs import. The archive is
// unpacked into scratch space with the layer unpacker (so a hostile archive
// cannot write outside it), then read like a directory: every path it names
// is resolved beneath the scratch directory's fd and must be a regular file,
// so a member that is a symlink to a host file, a FIFO or a device is refused
// without being opened.
#include "racker/runtime/image_load.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <ctime>
#include <nlohmann/json.hpp>

#include "beneath.h"
#include "image_files.h"
#include "racker/runtime/container_state.h"
#include "racker/runtime/image_manifest.h"

namespace racker::runtime {
namespace {

using nlohmann::json;

// Unpacks the open `tar` as a new layer; when `expected` is set the diff-ID must match.
Result<Digest> add_layer(LocalImageStore& store, int tar, const std::string& shown, const Digest* expected,
                         const LayerUnpackOptions& options) {
  auto staged = store.stage_layer();
  if (!staged) return staged.error();
  LayerUnpackOptions bounded = options;
  bounded.max_bytes = store.limits().layer_bytes;
  auto unpacked = unpack_layer_fd(tar, shown, staged->diff_dir, bounded);
  if (!unpacked) {
    store.drop_staged(*staged);
    return unpacked.error();
  }
  if (expected && unpacked->diff_id != *expected) {
    store.drop_staged(*staged);
    return Error(Errc::kIo, "layer " + shown + ": diff-ID mismatch: the config says " + expected->str() +
                                ", the content is " + unpacked->diff_id.str());
  }
  if (store.has_layer(unpacked->diff_id)) {
    store.drop_staged(*staged);
    return unpacked->diff_id;
  }
  if (auto st = store.commit_layer(*staged, unpacked->diff_id, unpacked->content_size); !st) return st.error();
  return unpacked->diff_id;
}

// Tags are checked before anything is stored, so a bad one leaves nothing behind.
Result<std::vector<std::string>> parse_tags(const std::vector<std::string>& tags) {
  std::vector<std::string> out;
  for (const auto& t : tags) {
    auto ref = parse_image_ref(t);
    if (!ref) return ref.error().with_context("while reading tag \"" + t + "\"");
    if (ref->digest) return Error(Errc::kInvalidArgument, "tag \"" + t + "\": a tag cannot name a digest");
    out.push_back(ref->str());
  }
  return out;
}

// Records an image whose layers are in place; its config (and manifest)
// blobs are written with the record, under the store's lock.
// REQUIRES: tags went through parse_tags.
Result<ImageRecord> record_image(LocalImageStore& store, const std::string& config_bytes, const ImageConfig& config,
                                 const std::vector<std::string>& tags, const std::string* manifest_bytes) {
  ImageRecord rec;
  rec.id = sha256_of(config_bytes);
  rec.repo_tags = tags;
  std::vector<std::string> blobs{config_bytes};
  if (manifest_bytes) {
    rec.manifest_digest = sha256_of(*manifest_bytes);
    blobs.push_back(*manifest_bytes);
  }
  rec.layers = config.diff_ids;
  for (const auto& d : rec.layers) rec.size += store.layer_size(d);
  rec.created = config.created;
  rec.platform = config.platform;
  if (auto st = store.add_image(rec, blobs); !st) return st.error();
  return rec;
}

std::vector<std::string> loaded_lines(const ImageRecord& rec) {
  std::vector<std::string> out;
  for (const auto& t : rec.repo_tags) out.push_back("Loaded image: " + parse_image_ref(t)->familiar());
  if (out.empty()) out.push_back("Loaded image ID: " + rec.id.str());
  return out;
}

// docker's bound on manifests and configs (distribution and containerd agree).
constexpr size_t kMaxDocumentBytes = 4 << 20;

// The unpacked archive: every member is looked up beneath its directory fd.
class ArchiveDir {
 public:
  explicit ArchiveDir(UniqueFd dir) : dir_(std::move(dir)) {}

  // In-archive symlinks (docker save links repeated layers) are followed
  // while they stay inside; "..", absolute paths and links out are refused.
  Result<UniqueFd> open(const std::string& rel) const {
    return open_regular_beneath(dir_.get(), rel, Symlinks::kFollowBeneath, "archive member \"" + rel + "\"");
  }
  Result<std::string> read(const std::string& rel) const {
    return read_regular_beneath(dir_.get(), rel, Symlinks::kFollowBeneath, kMaxDocumentBytes,
                                "archive member \"" + rel + "\"");
  }
  bool has(const std::string& rel) const {
    UniqueFd fd(open_beneath(dir_.get(), rel, O_PATH, Symlinks::kFollowBeneath));
    return fd.valid();
  }
  Result<json> read_json(const std::string& rel) const {
    auto text = read(rel);
    if (!text) return text.error();
    try {
      return json::parse(*text);
    } catch (const json::exception& e) {
      return Error(Errc::kParse, rel + ": " + e.what());
    }
  }

 private:
  UniqueFd dir_;
};

std::string member_name(const json& entry, const char* key) {
  auto it = entry.find(key);
  return it != entry.end() && it->is_string() ? it->get<std::string>() : "";
}

Result<std::vector<std::string>> load_docker_archive(LocalImageStore& store, const ArchiveDir& dir,
                                                     const LayerUnpackOptions& options) {
  auto manifest = dir.read_json("manifest.json");
  if (!manifest) return manifest.error();
  if (!manifest->is_array()) return Error(Errc::kParse, "manifest.json: expected an array");
  std::vector<std::string> out;
  try {
    for (const auto& entry : *manifest) {
      if (!entry.is_object()) return Error(Errc::kParse, "manifest.json: an entry is not an object");
      std::vector<std::string> wanted;
      if (auto t = entry.find("RepoTags"); t != entry.end() && t->is_array()) wanted = t->get<std::vector<std::string>>();
      auto tags = parse_tags(wanted);
      if (!tags) return tags.error();
      std::string config_name = member_name(entry, "Config");
      if (config_name.empty()) return Error(Errc::kParse, "manifest.json: an entry names no Config");
      auto config_bytes = dir.read(config_name);
      if (!config_bytes) return config_bytes.error();
      auto config = parse_image_config(*config_bytes);
      if (!config) return config.error();
      auto layers = entry.at("Layers").get<std::vector<std::string>>();
      if (layers.size() != config->diff_ids.size())
        return Error(Errc::kParse, "manifest.json: " + std::to_string(layers.size()) + " layers, the config lists " +
                                       std::to_string(config->diff_ids.size()));
      for (size_t i = 0; i < layers.size(); ++i) {
        if (store.has_layer(config->diff_ids[i])) continue;
        auto tar = dir.open(layers[i]);
        if (!tar) return tar.error();
        auto d = add_layer(store, tar->get(), layers[i], &config->diff_ids[i], options);
        if (!d) return d.error();
      }
      auto rec = record_image(store, *config_bytes, *config, *tags, nullptr);
      if (!rec) return rec.error();
      auto lines = loaded_lines(*rec);
      out.insert(out.end(), lines.begin(), lines.end());
    }
  } catch (const json::exception& e) {
    return Error(Errc::kParse, std::string("manifest.json: ") + e.what());
  }
  return out;
}

std::string blob_member(const Digest& d) { return "blobs/sha256/" + d.hex(); }

// A blob of an OCI layout, opened and verified before use (read from offset 0).
Result<UniqueFd> open_oci_blob(const ArchiveDir& dir, const Digest& d) {
  auto fd = dir.open(blob_member(d));
  if (!fd) return fd.error();
  Sha256 hash;
  char buf[1 << 16];
  for (;;) {
    ssize_t n = ::read(fd->get(), buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Error(Errc::kIo, "blob " + d.str() + ": " + std::strerror(errno));
    if (n == 0) break;
    hash.update(buf, static_cast<size_t>(n));
  }
  if (auto st = check_digest(d, hash.finish(), "blob " + d.str()); !st) return st.error();
  if (::lseek(fd->get(), 0, SEEK_SET) != 0) return Error(Errc::kIo, "blob " + d.str() + ": " + std::strerror(errno));
  return fd;
}

Result<std::string> read_oci_blob(const ArchiveDir& dir, const Digest& d) {
  auto bytes = dir.read(blob_member(d));
  if (!bytes) return bytes.error();
  if (auto st = check_digest(d, sha256_of(*bytes), "blob " + d.str()); !st) return st.error();
  return bytes;
}

Result<std::vector<std::string>> load_oci_archive(LocalImageStore& store, const ArchiveDir& dir,
                                                  const LayerUnpackOptions& options) {
  auto index_text = dir.read("index.json");
  if (!index_text) return index_text.error();
  auto index = parse_manifest(*index_text, media_type::kOciIndex);
  if (!index || !index->index) return Error(Errc::kParse, "index.json: not an OCI image index");
  json raw_index = json::parse(*index_text, nullptr, false);
  std::vector<std::string> out;
  for (size_t i = 0; i < index->index->manifests.size(); ++i) {
    Descriptor desc = index->index->manifests[i];
    std::string name;
    if (raw_index.is_object() && raw_index.contains("manifests")) {
      const json& ann = raw_index["manifests"][i].value("annotations", json::object());
      name = ann.value("io.containerd.image.name", ann.value("org.opencontainers.image.ref.name", ""));
    }
    // A bare tag ("v1") names no repository: the image stays untagged.
    std::vector<std::string> wanted;
    if (!name.empty() && (name.find('/') != std::string::npos || name.find(':') != std::string::npos)) wanted.push_back(name);
    auto tags = parse_tags(wanted);
    if (!tags) return tags.error();
    // Follow nested indexes down to the host's manifest.
    std::string manifest_bytes;
    for (int depth = 0;; ++depth) {
      if (depth == 4) return Error(Errc::kParse, "oci-archive: image indexes nested more than 4 deep");
      auto bytes = read_oci_blob(dir, desc.digest);
      if (!bytes) return bytes.error();
      auto doc = parse_manifest(*bytes, desc.media_type);
      if (!doc) return doc.error();
      if (doc->manifest) {
        manifest_bytes = std::move(*bytes);
        break;
      }
      auto chosen = select_platform(*doc->index, host_platform());
      if (!chosen) return chosen.error();
      desc = *chosen;
    }
    auto doc = parse_manifest(manifest_bytes, desc.media_type);
    if (!doc || !doc->manifest) return Error(Errc::kParse, "oci-archive: manifest " + desc.digest.str() + " unreadable");
    auto config_bytes = read_oci_blob(dir, doc->manifest->config.digest);
    if (!config_bytes) return config_bytes.error();
    auto config = parse_image_config(*config_bytes);
    if (!config) return config.error();
    if (config->diff_ids.size() != doc->manifest->layers.size()) return Error(Errc::kParse, "oci-archive: layer count mismatch");
    for (size_t l = 0; l < doc->manifest->layers.size(); ++l) {
      if (store.has_layer(config->diff_ids[l])) continue;
      const Digest& blob_digest = doc->manifest->layers[l].digest;
      auto blob = open_oci_blob(dir, blob_digest);
      if (!blob) return blob.error();
      auto d = add_layer(store, blob->get(), blob_digest.str(), &config->diff_ids[l], options);
      if (!d) return d.error();
    }
    auto rec = record_image(store, *config_bytes, *config, *tags, &manifest_bytes);
    if (!rec) return rec.error();
    auto lines = loaded_lines(*rec);
    out.insert(out.end(), lines.begin(), lines.end());
  }
  return out;
}


}  // namespace

Result<std::vector<std::string>> load_image_archive(LocalImageStore& store, const std::string& archive_path,
                                                    const LayerUnpackOptions& options) {
  auto scratch = store.make_scratch_dir();
  if (!scratch) return scratch.error();
  auto result = [&]() -> Result<std::vector<std::string>> {
    LayerUnpackOptions plain = options;  // the archive itself: just files
    plain.preserve_ownership = false;
    plain.overlay_whiteouts = false;
    plain.entries = LayerEntries::kPlainFiles;
    plain.max_bytes = store.limits().image_bytes;  // the archive holds the whole image
    auto unpacked = unpack_layer(archive_path, *scratch, plain);
    if (!unpacked) return unpacked.error().with_context("while reading " + archive_path);
    UniqueFd fd(::open(scratch->c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!fd.valid()) return Error(Errc::kIo, "open " + *scratch + ": " + std::strerror(errno));
    ArchiveDir dir(std::move(fd));
    if (dir.has("manifest.json")) return load_docker_archive(store, dir, options);
    if (dir.has("index.json")) return load_oci_archive(store, dir, options);
    return Error(Errc::kParse, archive_path + ": neither a docker-archive (manifest.json) nor an oci-archive (index.json)");
  }();
  (void)files::remove_tree(*scratch);
  return result;
}

Result<ImageRecord> import_rootfs(LocalImageStore& store, const std::string& tar_path, const std::string& reference,
                                  const ImportOptions& import, const LayerUnpackOptions& options) {
  std::vector<std::string> wanted;
  if (!reference.empty()) wanted.push_back(reference);
  auto tags = parse_tags(wanted);
  if (!tags) return tags.error();
  UniqueFd tar(::open(tar_path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!tar.valid()) return Error(Errc::kIo, "open " + tar_path + ": " + std::strerror(errno));
  auto diff_id = add_layer(store, tar.get(), tar_path, nullptr, options);
  if (!diff_id) return diff_id.error().with_context("while importing " + tar_path);
  json config = {{"created", now_rfc3339()},
                 {"architecture", import.platform.architecture},
                 {"os", import.platform.os},
                 {"config", json::object()},
                 {"rootfs", {{"type", "layers"}, {"diff_ids", {diff_id->str()}}}}};
  if (!import.platform.variant.empty()) config["variant"] = import.platform.variant;
  if (!import.cmd.empty()) config["config"]["Cmd"] = import.cmd;
  if (!import.env.empty()) config["config"]["Env"] = import.env;
  std::string bytes = config.dump();
  auto parsed = parse_image_config(bytes);
  if (!parsed) return parsed.error();
  return record_image(store, bytes, *parsed, *tags, nullptr);
}

}  // namespace racker::runtime
