// racker images [-q] [--format json]: list the local images.
#include <chrono>
#include "container_cli.h"
#include <cstdio>
#include <memory>
#include <set>

#include "command.h"
#include "racker/runtime/image_display.h"
#include "racker/runtime/image_store.h"

namespace racker::cli {
namespace {

using namespace racker::runtime;

struct ImagesFlags {
  bool quiet = false;
  std::string format;
};

int run_images(const ImagesFlags& f) {
  auto store = open_image_store();
  if (!store) {
    print_error(store.error());
    return 125;
  }
  auto images = (*store)->list();
  if (!images) {
    print_error(images.error());
    return 125;
  }
  auto rows = image_rows(*images, std::chrono::system_clock::now());
  if (f.quiet) {
    std::set<std::string> seen;
    for (const auto& r : rows)
      if (seen.insert(r.id).second) std::printf("%s\n", r.id.c_str());
  } else if (f.format == "json") {
    std::fputs(format_image_json_lines(rows).c_str(), stdout);
  } else if (f.format.empty() || f.format == "table") {
    std::fputs(format_image_table(rows).c_str(), stdout);
  } else {
    print_error(Error(Errc::kInvalidArgument, "unsupported --format \"" + f.format + "\" (use table or json)"));
    return 125;
  }
  return 0;
}

void add_list_flags(CLI::App* cmd, const std::shared_ptr<ImagesFlags>& flags) {
  cmd->add_flag("-q,--quiet", flags->quiet, "Only show image IDs");
  cmd->add_option("--format", flags->format, "Format output: table or json");
}

CommandRegistration register_images(Parent::kRoot, 210, [](CLI::App& parent, Context& ctx) {
  auto* cmd = parent.add_subcommand("images", "List images");
  auto flags = std::make_shared<ImagesFlags>();
  add_list_flags(cmd, flags);
  cmd->callback([&ctx, flags] { ctx.exit_code = run_images(*flags); });
});

}  // namespace
}  // namespace racker::cli
