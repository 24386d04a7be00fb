// racker load -i FILE, racker image import ROOTFS.tar NAME,
// racker image bootstrap NAME --suite S: images from files, not registries.
#include <cstdio>
#include "container_cli.h"
#include <memory>

#include "command.h"
#include "racker/runtime/image_load.h"

namespace racker::cli {
namespace {

using namespace racker::runtime;

CLI::App* image_group(CLI::App& parent) {
  auto found = parent.get_subcommands([](CLI::App* app) { return app->get_name() == "image"; });
  if (!found.empty()) return found.front();
  CLI::App* group = parent.add_subcommand("image", "Manage images");
  group->require_subcommand(1);
  return group;
}

template <class Fn>
int with_store(Fn&& fn) {
  auto store = open_image_store();
  if (!store) {
    print_error(store.error());
    return 125;
  }
  return fn(**store);
}

struct BootstrapFlags {
  std::string name, suite = "bookworm", include, mirror, variant = "minbase";
};

CommandRegistration load_reg(Parent::kRoot, 240, [](CLI::App& parent, Context& ctx) {
  auto* cmd = parent.add_subcommand("load", "Load an image from a tar archive (docker-archive or oci-archive)");
  auto input = std::make_shared<std::string>();
  auto quiet = std::make_shared<bool>(false);
  cmd->add_option("-i,--input", *input, "Read from tar archive file")->required();
  cmd->add_flag("-q,--quiet", *quiet, "Suppress the load output");
  cmd->callback([&ctx, input, quiet] {
    ctx.exit_code = with_store([&](LocalImageStore& store) {
      auto lines = load_image_archive(store, *input);
      if (!lines) {
        print_error(lines.error());
        return 125;
      }
      if (!*quiet)
        for (const auto& l : *lines) std::printf("%s\n", l.c_str());
      return 0;
    });
  });
});

CommandRegistration import_reg(Parent::kRoot, 241, [](CLI::App& parent, Context& ctx) {
  CLI::App* group = image_group(parent);
  auto* cmd = group->add_subcommand("import", "Import the contents from a tarball to create a filesystem image");
  auto file = std::make_shared<std::string>();
  auto name = std::make_shared<std::string>();
  cmd->add_option("FILE", *file, "Root filesystem tarball")->required();
  cmd->add_option("REPOSITORY[:TAG]", *name, "Name for the image");
  cmd->callback([&ctx, file, name] {
    ctx.exit_code = with_store([&](LocalImageStore& store) {
      auto rec = import_rootfs(store, *file, *name);
      if (!rec) {
        print_error(rec.error());
        return 125;
      }
      std::printf("%s\n", rec->id.str().c_str());
      return 0;
    });
  });

  auto* boot = group->add_subcommand("bootstrap", "Build a Debian OS image from Debian packages (mmdebstrap)");
  auto flags = std::make_shared<BootstrapFlags>();
  boot->add_option("NAME", flags->name, "Name for the image")->required();
  boot->add_option("--suite", flags->suite, "Debian suite (bookworm, trixie, ...)");
  boot->add_option("--include", flags->include, "Extra packages, comma-separated");
  boot->add_option("--mirror", flags->mirror, "Debian mirror URL");
  boot->add_option("--variant", flags->variant, "mmdebstrap variant: minbase (default), essential, apt, important, standard, extract, custom");
  boot->callback([&ctx, flags] {
    ctx.exit_code = with_store([&](LocalImageStore& store) {
      BootstrapOptions o;
      o.suite = flags->suite;
      o.mirror = flags->mirror;
      o.variant = flags->variant;
      size_t start = 0;
      while (start < flags->include.size()) {
        size_t comma = flags->include.find(',', start);
        std::string pkg = flags->include.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
        if (!pkg.empty()) o.include.push_back(pkg);
        if (comma == std::string::npos) break;
        start = comma + 1;
      }
      auto rec = bootstrap_debian(store, flags->name, o);
      if (!rec) {
        print_error(rec.error());
        return 125;
      }
      std::printf("%s\n", rec->id.str().c_str());
      return 0;
    });
  });
});

}  // namespace
}  // namespace racker::cli
