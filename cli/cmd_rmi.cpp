// racker rmi [-f] IMAGE...: untag and delete images (refuses images containers use).
#include <cstdio>
#include "container_cli.h"
#include <memory>

#include "command.h"
#include "racker/runtime/image_store.h"

namespace racker::cli {
namespace {

using namespace racker::runtime;

struct RmiFlags {
  bool force = false;
  std::vector<std::string> images;
};

int run_rmi(const RmiFlags& f) {
  auto store = open_image_store();
  if (!store) {
    print_error(store.error());
    return 125;
  }
  int code = 0;
  for (const auto& name : f.images) {  // like docker: go on after a failure, exit 1 at the end
    auto lines = (*store)->remove(name, f.force);
    if (!lines) {
      print_error(lines.error());
      code = 1;
      continue;
    }
    for (const auto& l : *lines) std::printf("%s\n", l.c_str());
  }
  return code;
}

CommandRegistration register_rmi(Parent::kRoot, 220, [](CLI::App& parent, Context& ctx) {
  auto* cmd = parent.add_subcommand("rmi", "Remove one or more images");
  auto flags = std::make_shared<RmiFlags>();
  cmd->add_flag("-f,--force", flags->force, "Force removal of the image");
  cmd->add_option("IMAGE", flags->images, "Images to remove")->required();
  cmd->callback([&ctx, flags] { ctx.exit_code = run_rmi(*flags); });
});

}  // namespace
}  // namespace racker::cli
