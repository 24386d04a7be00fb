#include "container_image.h"
#include "container_cli.h"

#include <cstdio>

#include "racker/runtime/image_pull.h"
#include "racker/runtime/registry_client.h"

namespace racker::cli {

using namespace racker::runtime;

namespace {
Status pull(LocalImageStore& store, const ImageRef& ref) {
  auto client_options = registry_options_for(ref);
  if (!client_options) return client_options.error();
  RegistryClient client(ref, *client_options);
  PullOptions options;
  std::fprintf(stderr, "%s: Pulling from %s\n", ref.digest ? ref.digest->str().c_str() : ref.tag.c_str(),
               ref.familiar_repository().c_str());
  auto result = pull_image(store, client, ref, options);
  if (!result) return result.error();
  std::fprintf(stderr, "Digest: %s\nStatus: Downloaded newer image for %s\n", result->repo_digest.str().c_str(),
               ref.familiar().c_str());
  return ok_status();
}
}  // namespace

Result<Image> image_for_run(const std::string& reference, PullPolicy policy) {
  auto store = open_image_store();
  if (!store) return store.error();
  if (policy != PullPolicy::kAlways) {
    auto image = (*store)->get(reference);
    if (image || image.error().code != Errc::kNotFound || policy == PullPolicy::kNever) return image;
  }
  auto ref = parse_image_ref(reference);
  if (!ref) return ref.error();
  if (policy != PullPolicy::kAlways)
    std::fprintf(stderr, "Unable to find image '%s' locally\n", ref->familiar().c_str());
  if (auto st = pull(**store, *ref); !st) return st.error();
  return (*store)->get(reference);
}

}  // namespace racker::cli
