#include "support/image_oci_layout.h"

#include <filesystem>
#include <nlohmann/json.hpp>

#include "racker/runtime/digest.h"

namespace racker::test {

using nlohmann::json;

OciLayout::OciLayout(std::string dir) : dir_(std::move(dir)) {
  std::filesystem::create_directories(dir_ + "/blobs/sha256");
  write_file(dir_ + "/oci-layout", R"({"imageLayoutVersion":"1.0.0"})");
  write_index_json();
}

std::string OciLayout::add_blob(const std::string& bytes) {
  auto d = runtime::sha256_of(bytes);
  write_file(dir_ + "/blobs/sha256/" + d.hex(), bytes);
  return d.str();
}

BuiltImage OciLayout::add_image(const TestImageSpec& spec) {
  BuiltImage out;
  json layers = json::array();
  json diff_ids = json::array();
  for (const auto& l : spec.layers) {
    std::string plain = l.tar.build(TarCompression::kNone);
    std::string packed = l.compression == TarCompression::kNone ? plain : l.tar.build(l.compression);
    std::string digest = add_blob(packed);
    const char* type = l.compression == TarCompression::kGzip   ? "application/vnd.oci.image.layer.v1.tar+gzip"
                       : l.compression == TarCompression::kZstd ? "application/vnd.oci.image.layer.v1.tar+zstd"
                                                                : "application/vnd.oci.image.layer.v1.tar";
    layers.push_back({{"mediaType", type}, {"digest", digest}, {"size", packed.size()}});
    out.layer_digests.push_back(digest);
    out.diff_ids.push_back(runtime::sha256_of(plain).str());
    diff_ids.push_back(out.diff_ids.back());
  }
  json config = {{"created", "2024-01-02T03:04:05Z"},
                 {"architecture", spec.architecture},
                 {"os", "linux"},
                 {"config", {{"Cmd", spec.cmd}, {"Env", spec.env}, {"WorkingDir", "/"}}},
                 {"rootfs", {{"type", "layers"}, {"diff_ids", diff_ids}}}};
  if (!spec.variant.empty()) config["variant"] = spec.variant;
  std::string config_bytes = config.dump();
  out.config_digest = add_blob(config_bytes);
  json manifest = {{"schemaVersion", 2},
                   {"mediaType", "application/vnd.oci.image.manifest.v1+json"},
                   {"config",
                    {{"mediaType", "application/vnd.oci.image.config.v1+json"},
                     {"digest", out.config_digest},
                     {"size", config_bytes.size()}}},
                   {"layers", layers}};
  std::string manifest_bytes = manifest.dump();
  out.manifest = {"application/vnd.oci.image.manifest.v1+json", add_blob(manifest_bytes),
                  static_cast<int64_t>(manifest_bytes.size()), spec.architecture, spec.variant};
  return out;
}

TestDescriptor OciLayout::add_index(const std::vector<TestDescriptor>& manifests) {
  json list = json::array();
  for (const auto& m : manifests) {
    json platform = {{"os", "linux"}, {"architecture", m.architecture}};
    if (!m.variant.empty()) platform["variant"] = m.variant;
    list.push_back({{"mediaType", m.media_type}, {"digest", m.digest}, {"size", m.size}, {"platform", platform}});
  }
  std::string bytes = json{{"schemaVersion", 2}, {"mediaType", "application/vnd.oci.image.index.v1+json"}, {"manifests", list}}.dump();
  return {"application/vnd.oci.image.index.v1+json", add_blob(bytes), static_cast<int64_t>(bytes.size()), "", ""};
}

void OciLayout::tag(const std::string& name, const TestDescriptor& target) {
  tags_.emplace_back(name, target);
  write_index_json();
}

void OciLayout::write_index_json() {
  json list = json::array();
  for (const auto& [name, d] : tags_)
    list.push_back({{"mediaType", d.media_type},
                    {"digest", d.digest},
                    {"size", d.size},
                    {"annotations", {{"org.opencontainers.image.ref.name", name}}}});
  write_file(dir_ + "/index.json", json{{"schemaVersion", 2}, {"manifests", list}}.dump());
}

}  // namespace racker::test
