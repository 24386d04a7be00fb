#pragma once
// Registry manifests: OCI image manifests and indexes, docker schema2
// manifests and manifest lists. Parsing and platform selection only; fetching
// is registry_client.h's job.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "racker/runtime/digest.h"
#include "racker/runtime/image_config.h"
#include "racker/util/error.h"

namespace racker::runtime {

namespace media_type {
inline constexpr std::string_view kOciManifest = "application/vnd.oci.image.manifest.v1+json";
inline constexpr std::string_view kOciIndex = "application/vnd.oci.image.index.v1+json";
inline constexpr std::string_view kOciConfig = "application/vnd.oci.image.config.v1+json";
inline constexpr std::string_view kOciLayer = "application/vnd.oci.image.layer.v1.tar";
inline constexpr std::string_view kOciLayerGzip = "application/vnd.oci.image.layer.v1.tar+gzip";
inline constexpr std::string_view kOciLayerZstd = "application/vnd.oci.image.layer.v1.tar+zstd";
inline constexpr std::string_view kDockerManifest = "application/vnd.docker.distribution.manifest.v2+json";
inline constexpr std::string_view kDockerManifestList = "application/vnd.docker.distribution.manifest.list.v2+json";
inline constexpr std::string_view kDockerConfig = "application/vnd.docker.container.image.v1+json";
inline constexpr std::string_view kDockerLayerGzip = "application/vnd.docker.image.rootfs.diff.tar.gzip";
inline constexpr std::string_view kDockerForeignLayer = "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip";
}  // namespace media_type

// docker's, distribution's and containerd's bound on a manifest or index.
inline constexpr size_t kMaxManifestBytes = size_t{4} << 20;

// The Accept header value for manifest requests: every kind racker reads.
std::string manifest_accept_header();

struct Descriptor {
  std::string media_type;
  Digest digest;
  int64_t size = 0;
  std::optional<Platform> platform;  // index entries only
};

// One image: its config and its layers, lowest first.
struct ImageManifest {
  std::string media_type;
  Descriptor config;
  std::vector<Descriptor> layers;
};

// A multi-platform image.
struct ImageIndex {
  std::string media_type;
  std::vector<Descriptor> manifests;
};

// Either kind, as a manifest request may return.
struct ManifestDocument {
  std::optional<ImageManifest> manifest;
  std::optional<ImageIndex> index;
};

// Parses a manifest body. `content_type` is the response's Content-Type (may
// be empty: the document's own mediaType field then decides). kUnsupported
// for schema1 and unknown kinds, kParse for malformed JSON.
Result<ManifestDocument> parse_manifest(std::string_view body, std::string_view content_type);

// The index entry for `want`: same os and architecture, and variant when
// `want` names one (arm64 treats "" and "v8" as equal). kNotFound with
// docker's "no matching manifest for linux/arm64 in the manifest list entries".
Result<Descriptor> select_platform(const ImageIndex& index, const Platform& want);

}  // namespace racker::runtime
