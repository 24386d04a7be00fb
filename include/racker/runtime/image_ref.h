#pragma once
// Image references as docker reads them: "debian" is
// docker.io/library/debian:latest, "grafana/grafana:8.0.2" lives on
// docker.io, "ghcr.io/o/n:tag" and "localhost:5000/x" name their registry,
// and "name@sha256:..." pins content. Pure: no I/O.

#include <optional>
#include <string>
#include <string_view>

#include "racker/runtime/digest.h"
#include "racker/util/error.h"

namespace racker::runtime {

inline constexpr std::string_view kDockerHubDomain = "docker.io";

struct ImageRef {
  std::string domain;             // "docker.io", "ghcr.io", "localhost:5000"
  std::string path;               // "library/debian", "grafana/grafana"
  std::string tag;                // "latest" when neither tag nor digest was given
  std::optional<Digest> digest;   // set for name@sha256:...

  // "docker.io/library/debian" (no tag or digest).
  std::string repository() const { return domain + "/" + path; }
  // Fully qualified: "docker.io/library/debian:12@sha256:..." (parts present).
  std::string str() const;
  // docker's short form for display: "debian:12", "grafana/grafana:8.0.2",
  // "ghcr.io/o/n:tag"; the docker.io/library/ prefixes are dropped.
  std::string familiar() const;
  // The familiar repository without tag or digest: "debian", "ghcr.io/o/n".
  std::string familiar_repository() const;
  // What to ask the registry for: the digest if pinned, else the tag.
  std::string manifest_reference() const { return digest ? digest->str() : tag; }

  bool operator==(const ImageRef&) const = default;
};

// Parses and normalizes a reference. Errors are kInvalidArgument with
// docker's wording: "invalid reference format", "invalid reference format:
// repository name must be lowercase".
Result<ImageRef> parse_image_ref(std::string_view text);

// True for text that can only be an image id ("sha256:<hex>", or 12-64 hex digits).
bool looks_like_image_id(std::string_view text);

}  // namespace racker::runtime
