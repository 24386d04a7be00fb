// docker-archive and oci-archive loading, rootfs import. The archive is
// unpacked into scratch space with the layer unpacker (so a hostile archive
// cannot write outside it), then read like a directory.
#include "racker/runtime/image_load.h"

#include <chrono>
#include <ctime>
#include <nlohmann/json.hpp>

#include "image_files.h"
#include "racker/runtime/image_manifest.h"

namespace racker::runtime {
namespace {

using nlohmann::json;

// Unpacks `tar_path` as a new layer; when `expected` is set the diff-ID must match.
Result<Digest> add_layer(LocalImageStore& store, const std::string& tar_path, const Digest* expected,
                         const LayerUnpackOptions& options) {
  auto staged = store.stage_layer();
  if (!staged) return staged.error();
  auto unpacked = unpack_layer(tar_path, staged->diff_dir, options);
  if (!unpacked) {
    store.drop_staged(*staged);
    return unpacked.error();
  }
  if (expected && unpacked->diff_id != *expected) {
    store.drop_staged(*staged);
    return Error(Errc::kIo, "layer " + tar_path + ": diff-ID mismatch: the config says " + expected->str() +
                                ", the content is " + unpacked->diff_id.str());
  }
  if (store.has_layer(unpacked->diff_id)) {
    store.drop_staged(*staged);
    return unpacked->diff_id;
  }
  if (auto st = store.commit_layer(*staged, unpacked->diff_id, unpacked->content_size); !st) return st.error();
  return unpacked->diff_id;
}

// Records an image whose config blob and layers are in place.
Result<ImageRecord> record_image(LocalImageStore& store, const std::string& config_bytes, const ImageConfig& config,
                                 const std::vector<std::string>& tags, const Digest* manifest_digest) {
  Digest id = sha256_of(config_bytes);
  if (auto st = store.write_blob(id, config_bytes); !st) return st.error();
  ImageRecord rec;
  rec.id = id;
  for (const auto& t : tags) {
    auto ref = parse_image_ref(t);
    if (!ref) return ref.error().with_context("while reading tag \"" + t + "\"");
    rec.repo_tags.push_back(ref->str());
  }
  if (manifest_digest) rec.manifest_digest = *manifest_digest;
  rec.layers = config.diff_ids;
  for (const auto& d : rec.layers) rec.size += store.layer_size(d);
  rec.created = config.created;
  rec.platform = config.platform;
  if (auto st = store.add_image(rec); !st) return st.error();
  return rec;
}

std::vector<std::string> loaded_lines(const ImageRecord& rec) {
  std::vector<std::string> out;
  for (const auto& t : rec.repo_tags) out.push_back("Loaded image: " + parse_image_ref(t)->familiar());
  if (out.empty()) out.push_back("Loaded image ID: " + rec.id.str());
  return out;
}

Result<json> read_json(const std::string& path) {
  auto text = files::read(path);
  if (!text) return text.error();
  try {
    return json::parse(*text);
  } catch (const json::exception& e) {
    return Error(Errc::kParse, path + ": " + e.what());
  }
}

// A path from an archive's manifest, kept inside the archive directory.
Result<std::string> inside(const std::string& dir, const std::string& rel) {
  if (rel.empty() || rel[0] == '/' || rel.find("..") != std::string::npos)
    return Error(Errc::kPermission, "archive names a path outside itself: \"" + rel + "\"");
  return dir + "/" + rel;
}

Result<std::vector<std::string>> load_docker_archive(LocalImageStore& store, const std::string& dir,
                                                     const LayerUnpackOptions& options) {
  auto manifest = read_json(dir + "/manifest.json");
  if (!manifest) return manifest.error();
  if (!manifest->is_array()) return Error(Errc::kParse, "manifest.json: expected an array");
  std::vector<std::string> out;
  try {
    for (const auto& entry : *manifest) {
      auto config_path = inside(dir, entry.at("Config").get<std::string>());
      if (!config_path) return config_path.error();
      auto config_bytes = files::read(*config_path);
      if (!config_bytes) return config_bytes.error();
      auto config = parse_image_config(*config_bytes);
      if (!config) return config.error();
      auto layers = entry.at("Layers").get<std::vector<std::string>>();
      if (layers.size() != config->diff_ids.size())
        return Error(Errc::kParse, "manifest.json: " + std::to_string(layers.size()) + " layers, the config lists " +
                                       std::to_string(config->diff_ids.size()));
      for (size_t i = 0; i < layers.size(); ++i) {
        if (store.has_layer(config->diff_ids[i])) continue;
        auto path = inside(dir, layers[i]);
        if (!path) return path.error();
        auto d = add_layer(store, *path, &config->diff_ids[i], options);
        if (!d) return d.error();
      }
      std::vector<std::string> tags;
      if (auto t = entry.find("RepoTags"); t != entry.end() && t->is_array()) tags = t->get<std::vector<std::string>>();
      auto rec = record_image(store, *config_bytes, *config, tags, nullptr);
      if (!rec) return rec.error();
      auto lines = loaded_lines(*rec);
      out.insert(out.end(), lines.begin(), lines.end());
    }
  } catch (const json::exception& e) {
    return Error(Errc::kParse, std::string("manifest.json: ") + e.what());
  }
  return out;
}

// A blob of an OCI layout, verified before use.
Result<std::string> oci_blob_path(const std::string& dir, const Digest& d) {
  std::string path = dir + "/blobs/sha256/" + d.hex();
  auto actual = sha256_of_file(path);
  if (!actual) return actual.error();
  if (auto st = check_digest(d, *actual, "blob " + d.str()); !st) return st.error();
  return path;
}

Result<std::vector<std::string>> load_oci_archive(LocalImageStore& store, const std::string& dir,
                                                  const LayerUnpackOptions& options) {
  auto index_text = files::read(dir + "/index.json");
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
    // Follow nested indexes down to the host's manifest.
    for (int depth = 0; depth < 4; ++depth) {
      auto path = oci_blob_path(dir, desc.digest);
      if (!path) return path.error();
      auto doc = parse_manifest(*files::read(*path), desc.media_type);
      if (!doc) return doc.error();
      if (doc->manifest) break;
      auto chosen = select_platform(*doc->index, host_platform());
      if (!chosen) return chosen.error();
      desc = *chosen;
    }
    auto manifest_path = oci_blob_path(dir, desc.digest);
    if (!manifest_path) return manifest_path.error();
    auto manifest_bytes = files::read(*manifest_path);
    auto doc = parse_manifest(*manifest_bytes, desc.media_type);
    if (!doc || !doc->manifest) return Error(Errc::kParse, "oci-archive: manifest " + desc.digest.str() + " unreadable");
    auto config_path = oci_blob_path(dir, doc->manifest->config.digest);
    if (!config_path) return config_path.error();
    auto config_bytes = files::read(*config_path);
    auto config = parse_image_config(*config_bytes);
    if (!config) return config.error();
    if (config->diff_ids.size() != doc->manifest->layers.size()) return Error(Errc::kParse, "oci-archive: layer count mismatch");
    for (size_t l = 0; l < doc->manifest->layers.size(); ++l) {
      if (store.has_layer(config->diff_ids[l])) continue;
      auto blob = oci_blob_path(dir, doc->manifest->layers[l].digest);
      if (!blob) return blob.error();
      auto d = add_layer(store, *blob, &config->diff_ids[l], options);
      if (!d) return d.error();
    }
    // A bare tag ("v1") names no repository: the image stays untagged.
    std::vector<std::string> tags;
    if (!name.empty() && (name.find('/') != std::string::npos || name.find(':') != std::string::npos)) tags.push_back(name);
    if (auto st = store.write_blob(desc.digest, *manifest_bytes); !st) return st.error();
    auto rec = record_image(store, *config_bytes, *config, tags, &desc.digest);
    if (!rec) return rec.error();
    auto lines = loaded_lines(*rec);
    out.insert(out.end(), lines.begin(), lines.end());
  }
  return out;
}

std::string now_rfc3339() {
  std::time_t t = std::time(nullptr);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&t));
  return buf;
}

}  // namespace

Result<std::vector<std::string>> load_image_archive(LocalImageStore& store, const std::string& archive_path,
                                                    const LayerUnpackOptions& options) {
  auto scratch = store.make_scratch_dir();
  if (!scratch) return scratch.error();
  auto result = [&]() -> Result<std::vector<std::string>> {
    LayerUnpackOptions plain;  // the archive itself: just files
    plain.preserve_ownership = false;
    plain.overlay_whiteouts = false;
    auto unpacked = unpack_layer(archive_path, *scratch, plain);
    if (!unpacked) return unpacked.error().with_context("while reading " + archive_path);
    if (files::exists(*scratch + "/manifest.json")) return load_docker_archive(store, *scratch, options);
    if (files::exists(*scratch + "/index.json")) return load_oci_archive(store, *scratch, options);
    return Error(Errc::kParse, archive_path + ": neither a docker-archive (manifest.json) nor an oci-archive (index.json)");
  }();
  (void)files::remove_tree(*scratch);
  return result;
}

Result<ImageRecord> import_rootfs(LocalImageStore& store, const std::string& tar_path, const std::string& reference,
                                  const ImportOptions& import, const LayerUnpackOptions& options) {
  auto diff_id = add_layer(store, tar_path, nullptr, options);
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
  std::vector<std::string> tags;
  if (!reference.empty()) tags.push_back(reference);
  return record_image(store, bytes, *parsed, tags, nullptr);
}

}  // namespace racker::runtime
