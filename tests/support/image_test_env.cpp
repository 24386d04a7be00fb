#include "support/image_test_env.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>

#include "support/registry_fixture.h"

namespace racker::test {

ImageTestEnv::ImageTestEnv() {
  for (size_t i = 0; i < 5; ++i) {
    const char* v = std::getenv(kVars[i]);
    had_[i] = v != nullptr;
    if (v) saved_[i] = v;
  }
  ::setenv("RACKER_ROOT", root_.path().c_str(), 1);
  ::setenv("DOCKER_CONFIG", config_.path().c_str(), 1);
  ::setenv("RACKER_REGISTRIES_CONF", registries_conf().c_str(), 1);
  ::setenv("RACKER_CERTS_DIR", certs_dir().c_str(), 1);
  ::unsetenv("RACKER_REGISTRY_MIRROR");
  std::filesystem::create_directories(certs_dir());
  // A bound socket that never listens: connections to it are refused.
  refusing_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  ::bind(refusing_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  ::getsockname(refusing_fd_, reinterpret_cast<sockaddr*>(&addr), &len);
  refusing_port_ = ntohs(addr.sin_port);
  write_registries_conf("");
}

ImageTestEnv::~ImageTestEnv() {
  for (size_t i = 0; i < 5; ++i) {
    if (had_[i]) ::setenv(kVars[i], saved_[i].c_str(), 1);
    else ::unsetenv(kVars[i]);
  }
  if (refusing_fd_ >= 0) ::close(refusing_fd_);
}

void ImageTestEnv::write_registries_conf(const std::string& extra) {
  write_file(registries_conf(), "# written by ImageTestEnv: never the real Docker Hub\nendpoint docker.io " + refusing_url() +
                                    "\n" + extra);
}

std::string skopeo_push(const std::string& layout_dir, const std::string& tag, const std::string& dest,
                        const std::string& creds, bool all, const std::string& extra) {
  std::string cmd = "skopeo --insecure-policy copy -q --dest-tls-verify=false ";
  if (all) cmd += "--all ";
  if (!creds.empty()) cmd += "--dest-creds '" + creds + "' ";
  if (!extra.empty()) cmd += extra + " ";
  cmd += "oci:" + layout_dir + ":" + tag + " docker://" + dest;
  std::string out;
  if (shell(cmd, &out) != 0) return "skopeo failed: " + cmd + "\n" + out;
  return "";
}

bool running_as_root() { return ::geteuid() == 0; }

}  // namespace racker::test
