#pragma once
// Environment for image integration tests: a temporary RACKER_ROOT,
// DOCKER_CONFIG, registries.conf (RACKER_REGISTRIES_CONF) and certs.d
// (RACKER_CERTS_DIR), so the host's store, credentials and configuration are
// never touched; RACKER_REGISTRY_MIRROR is cleared. All restored on
// destruction. registries.conf always points docker.io at a loopback port
// that refuses connections, so no test can reach the real Docker Hub.

#include <string>

#include "support/image_tar_builder.h"

namespace racker::test {

class ImageTestEnv {
 public:
  ImageTestEnv();
  ~ImageTestEnv();
  ImageTestEnv(const ImageTestEnv&) = delete;
  ImageTestEnv& operator=(const ImageTestEnv&) = delete;

  const std::string& root() const { return root_.path(); }          // RACKER_ROOT
  std::string docker_config() const { return config_.path() + "/config.json"; }
  std::string certs_dir() const { return config_.path() + "/certs.d"; }  // RACKER_CERTS_DIR
  std::string registries_conf() const { return config_.path() + "/registries.conf"; }
  // "http://127.0.0.1:PORT": bound, never listening; docker.io's endpoint here.
  std::string refusing_url() const { return "http://127.0.0.1:" + std::to_string(refusing_port_); }
  // Rewrites registries.conf: the docker.io endpoint line, then `extra`.
  void write_registries_conf(const std::string& extra);

 private:
  TempDir root_, config_;
  int refusing_fd_ = -1, refusing_port_ = 0;
  static constexpr const char* kVars[5] = {"RACKER_ROOT", "DOCKER_CONFIG", "RACKER_REGISTRIES_CONF", "RACKER_CERTS_DIR",
                                           "RACKER_REGISTRY_MIRROR"};
  std::string saved_[5];
  bool had_[5] = {};
};

// skopeo copy [--all] oci:LAYOUT:TAG docker://HOST/NAME; returns "" or skopeo's output on failure.
// `extra` goes before the source (e.g. "--format v2s2").
std::string skopeo_push(const std::string& layout_dir, const std::string& tag, const std::string& dest,
                        const std::string& creds = "", bool all = false, const std::string& extra = "");

// True when the process is root; integration tests SUCCEED-skip otherwise.
bool running_as_root();

}  // namespace racker::test
