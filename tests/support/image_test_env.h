#pragma once
// Environment for image integration tests: a temporary RACKER_ROOT and
// DOCKER_CONFIG (so the host's credentials and store are never touched),
// restored on destruction; and skopeo pushes of OCI layouts.

#include <string>

#include "support/image_tar_builder.h"

namespace racker::test {

class ImageTestEnv {
 public:
  ImageTestEnv();
  ~ImageTestEnv();
  const std::string& root() const { return root_.path(); }          // RACKER_ROOT
  std::string docker_config() const { return config_.path() + "/config.json"; }

 private:
  TempDir root_, config_;
  std::string old_root_, old_config_, old_conf_;
  bool had_root_ = false, had_config_ = false, had_conf_ = false;
};

// skopeo copy [--all] oci:LAYOUT:TAG docker://HOST/NAME; returns "" or skopeo's output on failure.
std::string skopeo_push(const std::string& layout_dir, const std::string& tag, const std::string& dest,
                        const std::string& creds = "", bool all = false);

// True when the process is root; integration tests SUCCEED-skip otherwise.
bool running_as_root();

}  // namespace racker::test
