#include "support/container_images.h"

#include <unistd.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "racker/runtime/image_store.h"
#include "racker/runtime/layer_unpack.h"
#include "support/image_tar_builder.h"

namespace racker::test {

using namespace racker::runtime;

namespace {

const char* const kApplets[] = {"sh",   "echo",  "cat",   "ls",     "sleep", "true",  "false", "env",   "id",
                                "mkdir", "touch", "ps",   "kill",   "hostname", "whoami", "head", "tail", "wc",
                                "grep", "sed",   "date",  "printf", "test",  "yes",   "seq",   "pwd",   "ln",
                                "rm",   "cp",    "mv",    "chmod",  "stat",  "readlink", "dd", "mount", "cut",
                                "tr",   "sort",  "uname", "domainname", "nproc", "umask", "timeout", "nc", "top",
                                "ip",   "wget",  "nslookup", "httpd", "ping"};

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

Result<std::string> add_image(const std::string& racker_root, const TestImage& image, const TarBuilder& layer) {
  auto store = LocalImageStore::open(racker_root);
  if (!store) return store.error();
  TempDir scratch;
  std::string tar = scratch / "layer.tar";
  layer.write(tar);
  auto staged = (*store)->stage_layer();
  if (!staged) return staged.error();
  auto unpacked = unpack_layer(tar, staged->diff_dir, default_unpack_options());
  if (!unpacked) {
    (*store)->drop_staged(*staged);
    return unpacked.error();
  }
  if (auto st = (*store)->commit_layer(*staged, unpacked->diff_id, unpacked->content_size); !st) return st.error();

  nlohmann::json config_obj = {{"Env", image.env}};
  if (!image.cmd.empty()) config_obj["Cmd"] = image.cmd;
  if (!image.entrypoint.empty()) config_obj["Entrypoint"] = image.entrypoint;
  if (!image.working_dir.empty()) config_obj["WorkingDir"] = image.working_dir;
  if (!image.user.empty()) config_obj["User"] = image.user;
  if (!image.stop_signal.empty()) config_obj["StopSignal"] = image.stop_signal;
  if (!image.volumes.empty()) {
    nlohmann::json volumes = nlohmann::json::object();
    for (const auto& v : image.volumes) volumes[v] = nlohmann::json::object();
    config_obj["Volumes"] = volumes;
  }
  nlohmann::json config = {{"architecture", "amd64"},
                           {"os", "linux"},
                           {"created", "2024-01-01T00:00:00Z"},
                           {"config", config_obj},
                           {"rootfs", {{"type", "layers"}, {"diff_ids", {unpacked->diff_id.str()}}}}};
  std::string bytes = config.dump();
  Digest id = sha256_of(bytes);
  if (auto st = (*store)->write_blob(id, bytes); !st) return st.error();
  ImageRecord record;
  record.id = id;
  auto ref = parse_image_ref(image.tag);
  if (!ref) return ref.error();
  record.repo_tags = {ref->str()};
  record.layers = {unpacked->diff_id};
  record.size = unpacked->content_size;
  record.created = "2024-01-01T00:00:00Z";
  record.platform = host_platform();
  if (auto st = (*store)->add_image(record); !st) return st.error();
  return id.str();
}

}  // namespace

Result<std::string> add_busybox_image(const std::string& racker_root, const TestImage& image) {
  TarBuilder layer;
  layer.dir("bin").file("bin/busybox", slurp(kHostBusybox), 0755);
  for (const char* applet : kApplets) layer.symlink(std::string("bin/") + applet, "busybox");
  layer.dir("etc")
      .file("etc/passwd",
            "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n"
            "app:x:1000:1000:app:/home/app:/bin/sh\n")
      .file("etc/group", "root:x:0:\nnogroup:x:65534:\napp:x:1000:\nextra:x:2000:app\n")
      .dir("tmp", 01777)
      .dir("root", 0700)
      .dir("home")
      .dir("home/app")
      .dir("data")
      .file("data/seed.txt", "seeded by the image\n");
  return add_image(racker_root, image, layer);
}

Result<std::string> add_static_binary_image(const std::string& racker_root, const TestImage& image) {
  TarBuilder layer;
  layer.file("busybox", slurp(kHostBusybox), 0755);
  return add_image(racker_root, image, layer);
}

bool container_tests_possible(std::string* why) {
  if (::geteuid() != 0) {
    *why = "needs root";
    return false;
  }
  if (::access("/usr/bin/systemd-nspawn", X_OK) != 0) {
    *why = "needs systemd-nspawn (systemd-container)";
    return false;
  }
  if (::access(kHostBusybox, X_OK) != 0) {
    *why = "needs busybox-static";
    return false;
  }
  return true;
}

}  // namespace racker::test
