#include "support/registry_fixture.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <thread>

namespace racker::test {
int free_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(fd);
  return ntohs(addr.sin_port);
}

namespace {

bool port_open(int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<uint16_t>(port));
  bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  ::close(fd);
  return ok;
}

}  // namespace

bool have_tool(const std::string& tool) { return shell("command -v " + tool + " >/dev/null") == 0; }

RegistryFixture::RegistryFixture(RegistryFixtureOptions options) {
  if (!have_tool("docker-registry")) {
    error_ = "docker-registry is not installed (apt-get install docker-registry)";
    return;
  }
  char tmpl[] = "/tmp/racker-registry-XXXXXX";
  dir_ = ::mkdtemp(tmpl);
  port_ = free_port();
  std::string auth;
  if (!options.username.empty()) {
    std::string out;
    if (shell("htpasswd -Bbn '" + options.username + "' '" + options.password + "' > " + dir_ + "/htpasswd", &out) != 0) {
      error_ = "htpasswd failed (apt-get install apache2-utils): " + out;
      return;
    }
    auth = "auth:\n  htpasswd:\n    realm: racker-test\n    path: " + dir_ + "/htpasswd\n";
  } else if (!options.token_realm.empty()) {
    auth = "auth:\n  token:\n    realm: " + options.token_realm + "\n    service: " + options.token_service +
           "\n    issuer: " + options.token_issuer + "\n    rootcertbundle: " + options.token_rootcert + "\n";
  }
  std::string tls;
  if (!options.tls_cert.empty()) {
    tls_ = true;
    tls = "  tls:\n    certificate: " + options.tls_cert + "\n    key: " + options.tls_key + "\n";
  }
  std::ofstream(dir_ + "/config.yml") << "version: 0.1\n"
                                      << "log:\n  level: warn\n  accesslog:\n    disabled: true\n"
                                      << "storage:\n  filesystem:\n    rootdirectory: " << dir_ << "/data\n"
                                      << "  delete:\n    enabled: true\n"
                                      << "http:\n  addr: 127.0.0.1:" << port_ << "\n"
                                      << tls << auth;
  pid_ = ::fork();
  if (pid_ == 0) {
    int log = ::open((dir_ + "/registry.log").c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    ::dup2(log, 1);
    ::dup2(log, 2);
    ::setpgid(0, 0);
    ::execlp("docker-registry", "docker-registry", "serve", (dir_ + "/config.yml").c_str(), nullptr);
    ::_exit(127);
  }
  for (int i = 0; i < 100; ++i) {
    if (port_open(port_)) return;
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  std::ifstream log(dir_ + "/registry.log");
  std::string text((std::istreambuf_iterator<char>(log)), std::istreambuf_iterator<char>());
  error_ = "docker-registry did not start: " + text;
}

RegistryFixture::~RegistryFixture() {
  if (pid_ > 0) {
    ::kill(pid_, SIGTERM);
    int status = 0;
    for (int i = 0; i < 50 && ::waitpid(pid_, &status, WNOHANG) == 0; ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    if (::waitpid(pid_, &status, WNOHANG) == 0) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, &status, 0);
    }
  }
  if (!dir_.empty()) {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
}

std::string RegistryFixture::blob_data_path(const std::string& hex) const {
  return dir_ + "/data/docker/registry/v2/blobs/sha256/" + hex.substr(0, 2) + "/" + hex + "/data";
}

}  // namespace racker::test
