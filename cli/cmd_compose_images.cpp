// racker compose images [-q] [SERVICE...]: the images the project's
// containers use.
#include <algorithm>
#include <cstdio>
#include <memory>

#include "cmd_compose_common.h"
#include "command.h"
#include "racker/runtime/image_store.h"

namespace racker::cli {
namespace {

using namespace racker::runtime;

struct ImagesFlags {
  bool quiet = false;
  std::vector<std::string> services;
};

int run_images(const ImagesFlags& f) {
  auto session = open_compose();
  if (!session) return 1;
  auto& s = *session;
  if (auto st = check_services(s, f.services); !st) return compose_fail(st.error());
  auto list = s.driver().list(true);
  if (!list) return compose_fail(list.error());
  auto observed = observe_project(s.name(), *list);
  std::printf(f.quiet ? "" : "CONTAINER            REPOSITORY           TAG                  IMAGE ID       SIZE\n");
  for (const auto& info : *list) {
    auto c = observe_container(info);
    bool mine = false;
    for (const auto& o : observed) mine = mine || o.id == c.id;
    if (!mine || (!f.services.empty() && std::find(f.services.begin(), f.services.end(), c.service) == f.services.end()))
      continue;
    std::string id = info.spec.image_id.rfind("sha256:", 0) == 0 ? info.spec.image_id.substr(7) : info.spec.image_id;
    if (f.quiet) {
      std::printf("%s\n", info.spec.image_id.c_str());
      continue;
    }
    std::string repo = info.spec.image, tag = "latest";
    auto colon = repo.rfind(':');
    if (colon != std::string::npos && repo.find('/', colon) == std::string::npos) {
      tag = repo.substr(colon + 1);
      repo = repo.substr(0, colon);
    }
    std::printf("%-20s %-20s %-20s %-14s %s\n", c.name.c_str(), repo.c_str(), tag.c_str(), id.substr(0, 12).c_str(), "-");
  }
  return 0;
}

CommandRegistration register_compose_images(Parent::kCompose, 41, [](CLI::App& parent, Context& ctx) {
  auto* cmd = parent.add_subcommand("images", "List images used by the created containers");
  auto f = std::make_shared<ImagesFlags>();
  cmd->add_flag("-q,--quiet", f->quiet, "Only display IDs");
  cmd->add_option("SERVICE", f->services, "Services");
  cmd->callback([&ctx, f] { ctx.exit_code = run_images(*f); });
});

}  // namespace
}  // namespace racker::cli
