// Manifest JSON -> ImageManifest / ImageIndex, and platform selection.
#include "racker/runtime/image_manifest.h"

#include <cstdint>
#include <nlohmann/json.hpp>

namespace racker::runtime {
namespace {

using nlohmann::json;

Result<Descriptor> parse_descriptor(const json& j, const std::string& where) {
  if (!j.is_object()) return Error(Errc::kParse, where + ": not an object");
  Descriptor d;
  d.media_type = j.value("mediaType", "");
  auto digest = Digest::parse(j.value("digest", ""));
  if (!digest) return Error(Errc::kParse, where + ": " + digest.error().message);
  d.digest = *digest;
  // An integer that fits: 1e300 or "12" must not reach an int64 cast. Zero
  // or none would leave the download unbounded.
  auto size = j.find("size");
  if (size == j.end()) return Error(Errc::kParse, where + ": no size");
  if (size->is_number_unsigned()) {
    if (size->get<uint64_t>() > static_cast<uint64_t>(INT64_MAX)) return Error(Errc::kParse, where + ": size out of range");
    d.size = static_cast<int64_t>(size->get<uint64_t>());
  } else if (size->is_number_integer()) {
    d.size = size->get<int64_t>();
  } else {
    return Error(Errc::kParse, where + ": size is not an integer");
  }
  if (d.size <= 0) return Error(Errc::kParse, where + ": size must be positive, not " + std::to_string(d.size));
  auto p = j.find("platform");
  if (p != j.end() && p->is_object()) {
    Platform plat;
    plat.os = p->value("os", "");
    plat.architecture = p->value("architecture", "");
    plat.variant = p->value("variant", "");
    d.platform = plat;
  }
  return d;
}

bool is_index_type(std::string_view t) { return t == media_type::kOciIndex || t == media_type::kDockerManifestList; }
bool is_manifest_type(std::string_view t) { return t == media_type::kOciManifest || t == media_type::kDockerManifest; }

}  // namespace

std::string manifest_accept_header() {
  return std::string(media_type::kOciIndex) + ", " + std::string(media_type::kDockerManifestList) + ", " +
         std::string(media_type::kOciManifest) + ", " + std::string(media_type::kDockerManifest);
}

Result<ManifestDocument> parse_manifest(std::string_view body, std::string_view content_type) {
  if (body.size() > kMaxManifestBytes)
    return Error(Errc::kParse, "manifest: larger than " + std::to_string(kMaxManifestBytes >> 20) + " MiB, the limit");
  try {
    json doc = json::parse(body);
    if (!doc.is_object()) return Error(Errc::kParse, "manifest: not a JSON object");
    // Content-Type may carry parameters ("; charset=utf-8").
    std::string type(content_type.substr(0, content_type.find(';')));
    std::string own = doc.value("mediaType", "");
    if (!own.empty() || type.empty() || type == "application/json" || type == "text/plain") type = own.empty() ? type : own;
    // A document that could be read both ways is refused, as distribution
    // and containerd do (CVE-2021-41190): the digest must pin one meaning.
    if (doc.contains("manifests") && (doc.contains("layers") || doc.contains("config")))
      return Error(Errc::kParse, "manifest: ambiguous document, it has both \"manifests\" and \"layers\" or \"config\"");
    if (type.empty() || type == "application/json") {
      // OCI allows mediaType to be absent: tell the kinds apart by shape.
      if (doc.contains("manifests")) type = media_type::kOciIndex;
      else if (doc.contains("layers")) type = media_type::kOciManifest;
    }
    if (doc.value("schemaVersion", 0) == 1 || type.find("distribution.manifest.v1") != std::string::npos)
      return Error(Errc::kUnsupported, "manifest: docker schema1 manifests are not supported (deprecated)");

    ManifestDocument out;
    if (is_index_type(type)) {
      ImageIndex idx;
      idx.media_type = type;
      auto list = doc.find("manifests");
      if (list == doc.end() || !list->is_array()) return Error(Errc::kParse, "manifest list: missing \"manifests\"");
      for (size_t i = 0; i < list->size(); ++i) {
        auto d = parse_descriptor((*list)[i], "manifests[" + std::to_string(i) + "]");
        if (!d) return d.error();
        idx.manifests.push_back(*d);
      }
      out.index = std::move(idx);
      return out;
    }
    if (is_manifest_type(type)) {
      ImageManifest m;
      m.media_type = type;
      auto cfg = parse_descriptor(doc.value("config", json::object()), "config");
      if (!cfg) return cfg.error();
      m.config = *cfg;
      auto layers = doc.find("layers");
      if (layers == doc.end() || !layers->is_array()) return Error(Errc::kParse, "manifest: missing \"layers\"");
      for (size_t i = 0; i < layers->size(); ++i) {
        auto d = parse_descriptor((*layers)[i], "layers[" + std::to_string(i) + "]");
        if (!d) return d.error();
        m.layers.push_back(*d);
      }
      out.manifest = std::move(m);
      return out;
    }
    return Error(Errc::kUnsupported, "manifest: unsupported media type \"" + type + "\"");
  } catch (const json::exception& e) {
    return Error(Errc::kParse, std::string("manifest: ") + e.what());
  }
}

Result<Descriptor> select_platform(const ImageIndex& index, const Platform& want) {
  auto variant_matches = [&](const std::string& have) {
    if (want.variant.empty()) return true;
    if (have == want.variant) return true;
    return want.architecture == "arm64" && (have.empty() || have == "v8") && want.variant == "v8";
  };
  for (const auto& d : index.manifests) {
    if (!d.platform) continue;
    if (d.platform->os == want.os && d.platform->architecture == want.architecture && variant_matches(d.platform->variant))
      return d;
  }
  return Error(Errc::kNotFound, "no matching manifest for " + want.str() + " in the manifest list entries");
}

}  // namespace racker::runtime
