#include "support/image_test_images.h"

#include <random>

#include "racker/runtime/image_store.h"
#include "racker/runtime/registry_client.h"
#include "support/image_test_env.h"
#include "support/registry_fixture.h"

namespace racker::test {

TestImageSpec busybox_image() {
  TestImageSpec spec;
  TarBuilder base;
  base.dir("bin").file("bin/busybox", read_file("/bin/busybox"), 0755).symlink("bin/sh", "busybox")
      .hardlink("bin/ls", "bin/busybox").dir("etc").file("etc/motd", "hello\n").file("etc/issue", "racker\n")
      .dir("var").dir("var/cache").file("var/cache/a", "a").file("var/cache/b", "b");
  TarEntry owned;
  owned.name = "home/app/owned";
  owned.content = "mine\n";
  owned.mode = 0600;
  owned.uid = 1000;
  owned.gid = 1001;
  owned.xattrs = {{"user.racker", "yes"}};
  base.dir("home").add(owned);
  TarBuilder top;
  top.file("etc/.wh.motd", "").dir("var/cache").file("var/cache/.wh..wh..opq", "").file("var/cache/c", "c")
      .file("etc/issue", "racker v2\n");
  spec.layers.push_back({base, TarCompression::kGzip});
  spec.layers.push_back({top, TarCompression::kZstd});
  spec.cmd = {"/bin/sh"};
  spec.env = {"PATH=/bin"};
  return spec;
}

std::string random_bytes(size_t size, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::string out(size, '\0');
  for (size_t i = 0; i < size; i += 8) {
    uint64_t v = rng();
    for (size_t k = 0; k < 8 && i + k < size; ++k) out[i + k] = static_cast<char>(v >> (8 * k));
  }
  return out;
}

Result<runtime::PullResult> pull_into(const std::string& root, const std::string& text,
                                      const runtime::PullOptions& options) {
  using namespace racker::runtime;
  auto ref = parse_image_ref(text);
  if (!ref) return ref.error();
  auto store = LocalImageStore::open(root);
  if (!store) return store.error();
  auto client_options = registry_options_for(*ref);
  if (!client_options) return client_options.error();
  RegistryClient client(*ref, *client_options);
  return pull_image(**store, client, *ref, options);
}

std::string run_racker(const std::string& args, int* status) {
  std::string out;
  int rc = shell(std::string(RACKER_BINARY) + " " + args, &out);
  if (status) *status = rc;
  return out;
}

}  // namespace racker::test
