#include "support/image_test_env.h"

#include <unistd.h>

#include <cstdlib>

#include "support/registry_fixture.h"

namespace racker::test {
namespace {
void save(const char* name, std::string& value, bool& had) {
  const char* v = std::getenv(name);
  had = v != nullptr;
  if (v) value = v;
}
void restore(const char* name, const std::string& value, bool had) {
  if (had) ::setenv(name, value.c_str(), 1);
  else ::unsetenv(name);
}
}  // namespace

ImageTestEnv::ImageTestEnv() {
  save("RACKER_ROOT", old_root_, had_root_);
  save("DOCKER_CONFIG", old_config_, had_config_);
  save("RACKER_REGISTRIES_CONF", old_conf_, had_conf_);
  ::setenv("RACKER_ROOT", root_.path().c_str(), 1);
  ::setenv("DOCKER_CONFIG", config_.path().c_str(), 1);
  ::setenv("RACKER_REGISTRIES_CONF", (config_.path() + "/registries.conf").c_str(), 1);
}

ImageTestEnv::~ImageTestEnv() {
  restore("RACKER_ROOT", old_root_, had_root_);
  restore("DOCKER_CONFIG", old_config_, had_config_);
  restore("RACKER_REGISTRIES_CONF", old_conf_, had_conf_);
}

std::string skopeo_push(const std::string& layout_dir, const std::string& tag, const std::string& dest,
                        const std::string& creds, bool all) {
  std::string cmd = "skopeo --insecure-policy copy -q --dest-tls-verify=false ";
  if (all) cmd += "--all ";
  if (!creds.empty()) cmd += "--dest-creds '" + creds + "' ";
  cmd += "oci:" + layout_dir + ":" + tag + " docker://" + dest;
  std::string out;
  if (run_command(cmd, &out) != 0) return "skopeo failed: " + cmd + "\n" + out;
  return "";
}

bool running_as_root() { return ::geteuid() == 0; }

}  // namespace racker::test
