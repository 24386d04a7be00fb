#pragma once
// Writes OCI image layouts (the directory format skopeo reads as "oci:DIR:TAG")
// from layers built with TarBuilder, so integration tests push images they
// made themselves and know byte for byte.

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "support/image_tar_builder.h"

namespace racker::test {

struct TestLayer {
  TarBuilder tar;
  TarCompression compression = TarCompression::kGzip;
};

struct TestImageSpec {
  std::vector<TestLayer> layers;
  std::string architecture = "amd64";
  std::string variant;
  std::vector<std::string> cmd;
  std::vector<std::string> env;
};

struct TestDescriptor {
  std::string media_type;
  std::string digest;  // "sha256:..."
  int64_t size = 0;
  std::string architecture, variant;
};

struct BuiltImage {
  TestDescriptor manifest;
  std::string config_digest;
  std::vector<std::string> layer_digests;  // compressed blobs
  std::vector<std::string> diff_ids;
};

class OciLayout {
 public:
  explicit OciLayout(std::string dir);
  const std::string& dir() const { return dir_; }

  // Writes a blob, returns "sha256:<hex>".
  std::string add_blob(const std::string& bytes);
  BuiltImage add_image(const TestImageSpec& spec);
  // Writes an image index over `manifests` (with their platforms) as a blob.
  TestDescriptor add_index(const std::vector<TestDescriptor>& manifests);
  // Names a manifest or index in index.json (skopeo's oci:DIR:TAG).
  void tag(const std::string& name, const TestDescriptor& target);

 private:
  void write_index_json();
  std::string dir_;
  std::vector<std::pair<std::string, TestDescriptor>> tags_;
};

}  // namespace racker::test
