// racker image inspect|prune|ls: the `image` management group.
#include <chrono>
#include "container_cli.h"
#include <cstdio>
#include <memory>

#include "command.h"
#include "racker/runtime/image_display.h"
#include "racker/runtime/image_store.h"

namespace racker::cli {
namespace {

using namespace racker::runtime;

// The `image` group; cmd_load.cpp adds `image import` and `image bootstrap` to it too.
CLI::App* image_group(CLI::App& parent) {
  auto found = parent.get_subcommands([](CLI::App* app) { return app->get_name() == "image"; });
  if (!found.empty()) return found.front();
  CLI::App* group = parent.add_subcommand("image", "Manage images");
  group->require_subcommand(1);
  return group;
}

int run_inspect(const std::vector<std::string>& names) {
  auto store = open_image_store();
  if (!store) {
    print_error(store.error());
    return 125;
  }
  std::string out = "[";
  int code = 0;
  bool first = true;
  for (const auto& n : names) {
    auto image = (*store)->get(n);
    if (!image) {
      print_error(image.error());
      code = 1;
      continue;
    }
    out += (first ? "\n" : ",\n") + inspect_json(*image);
    first = false;
  }
  out += first ? "]\n" : "\n]\n";
  std::fputs(out.c_str(), stdout);
  return code;
}

int run_prune(bool yes) {
  if (!yes) {
    std::printf("WARNING! This will remove all dangling images.\nAre you sure you want to continue? [y/N] ");
    std::fflush(stdout);
    int c = std::getchar();
    if (c != 'y' && c != 'Y') return 0;
  }
  auto store = open_image_store();
  if (!store) {
    print_error(store.error());
    return 125;
  }
  auto report = (*store)->prune();
  if (!report) {
    print_error(report.error());
    return 125;
  }
  if (!report->deleted.empty()) {
    std::printf("Deleted Images:\n");
    for (const auto& l : report->deleted) std::printf("%s\n", l.c_str());
    std::printf("\n");
  }
  std::printf("Total reclaimed space: %s\n", human_size(report->reclaimed).c_str());
  return 0;
}

CommandRegistration register_image(Parent::kRoot, 230, [](CLI::App& parent, Context& ctx) {
  CLI::App* group = image_group(parent);

  auto* inspect = group->add_subcommand("inspect", "Display detailed information on one or more images");
  auto names = std::make_shared<std::vector<std::string>>();
  inspect->add_option("IMAGE", *names, "Images to inspect")->required();
  inspect->callback([&ctx, names] { ctx.exit_code = run_inspect(*names); });

  auto* prune = group->add_subcommand("prune", "Remove unused images");
  auto yes = std::make_shared<bool>(false);
  prune->add_flag("-f,--force", *yes, "Do not prompt for confirmation");
  prune->callback([&ctx, yes] { ctx.exit_code = run_prune(*yes); });
});

}  // namespace
}  // namespace racker::cli
