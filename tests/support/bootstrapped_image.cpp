#include "support/bootstrapped_image.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "support/container_harness.h"

namespace racker::test {
namespace fs = std::filesystem;
namespace {

std::string read_all(const std::string& path) {
  std::ifstream in(path);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

// FNV-1a: a stable key for the package list (std::hash need not be stable).
std::string hex_key(const std::string& text) {
  uint64_t h = 1469598103934665603ull;
  for (unsigned char c : text) h = (h ^ c) * 1099511628211ull;
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(h));
  return buf;
}

}  // namespace

std::string package_list(const std::string& packages_file) {
  std::istringstream in(read_all(packages_file));
  std::string line, out;
  while (std::getline(in, line)) {
    line = line.substr(0, line.find('#'));
    std::string name;
    for (char c : line)
      if (!std::isspace(static_cast<unsigned char>(c))) name += c;
    if (name.empty()) continue;
    if (!out.empty()) out += ',';
    out += name;
  }
  return out;
}

BootstrappedImage examples_image() {
  return {"racker-examples/debian:bookworm", RACKER_SOURCE_DIR "/examples/images/packages",
          {RACKER_SOURCE_DIR "/examples/images/build"}, "examples-root"};
}

BootstrappedImage debian_systemd_image() {
  return {"racker-tests/debian-systemd:bookworm", RACKER_SOURCE_DIR "/tests/data/images/debian-systemd.packages",
          {}, "systemd-root"};
}

std::string bootstrapped_image_root(const BootstrappedImage& image, std::string* why) {
  if (::geteuid() != 0 || ::access("/usr/bin/mmdebstrap", X_OK) != 0) {
    *why = "needs root and mmdebstrap";
    return "";
  }
  std::string root = RACKER_BUILD_DIR "/" + image.root_prefix + "-" + hex_key(read_all(image.packages_file));
  std::error_code ec;
  fs::create_directories(root, ec);
  int lock = ::open((root + ".lock").c_str(), O_CREAT | O_RDWR | O_CLOEXEC, 0600);
  if (lock < 0 || ::flock(lock, LOCK_EX) != 0) {
    *why = "cannot lock " + root + ".lock";
    if (lock >= 0) ::close(lock);
    return "";
  }
  std::vector<std::string> env = {"RACKER_ROOT=" + root, std::string("RACKER=") + RACKER_BINARY};
  auto present = run_command({RACKER_BINARY, "image", "inspect", image.tag}, env);
  if (present.exit_code != 0) {
    std::vector<std::string> build = image.build_command;
    if (build.empty())
      build = {RACKER_BINARY, "image", "bootstrap", image.tag, "--suite", "bookworm",
               "--include", package_list(image.packages_file)};
    auto start = std::chrono::steady_clock::now();
    auto built = run_command(build, env, "", std::chrono::minutes(15));
    auto seconds = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() - start);
    if (built.exit_code != 0) {
      *why = "bootstrapping " + image.tag + " failed: " + built.out + built.err;
      ::close(lock);
      return "";
    }
    // For the CI log: how long bootstrapping took.
    std::fprintf(stderr, "bootstrapped %s in %lld s\n", image.tag.c_str(), static_cast<long long>(seconds.count()));
  }
  ::close(lock);
  return root;
}

}  // namespace racker::test
