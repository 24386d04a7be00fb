// racker inspect [-f FORMAT] CONTAINER...: docker's inspect JSON for containers.
#include <cstdio>
#include <memory>

#include "command.h"
#include "container_cli.h"
#include "racker/runtime/container_inspect.h"

namespace racker::cli {
namespace {

using namespace racker::runtime;

struct InspectFlags {
  std::string format;
  std::vector<std::string> containers;
};

int run_inspect(const InspectFlags& f) {
  auto containers = open_containers();
  std::vector<std::string> objects;
  int code = 0;
  for (const auto& name : f.containers) {
    auto info = containers.driver->inspect(name);
    if (!info) {
      std::fprintf(stderr, "Error: No such object: %s\n", name.c_str());
      code = 1;
      continue;
    }
    std::string json = container_inspect_json(*info, containers.store->volumes_dir());
    if (!f.format.empty()) {
      auto text = format_inspect(json, f.format);
      if (!text) {
        std::fprintf(stderr, "%s\n", text.error().message.c_str());
        return 1;
      }
      std::printf("%s\n", text->c_str());
      continue;
    }
    objects.push_back(json);
  }
  if (f.format.empty()) {
    std::printf("[");
    for (size_t i = 0; i < objects.size(); ++i) {
      // Indent each object by four spaces inside the array, as docker prints it.
      std::string indented = "\n    ";
      for (char c : objects[i]) {
        indented += c;
        if (c == '\n') indented += "    ";
      }
      std::printf("%s%s", indented.c_str(), i + 1 < objects.size() ? "," : "");
    }
    std::printf("%s]\n", objects.empty() ? "" : "\n");
  }
  return code;
}

CommandRegistration register_inspect(Parent::kRoot, 135, [](CLI::App& parent, Context& ctx) {
  auto* cmd = parent.add_subcommand("inspect", "Return low-level information on containers");
  auto f = std::make_shared<InspectFlags>();
  cmd->add_option("-f,--format", f->format, "Format output using a Go template subset ({{.Path.To.Field}}, {{json .X}})");
  cmd->add_option("CONTAINER", f->containers, "Containers to inspect")->required();
  cmd->callback([&ctx, f] { ctx.exit_code = run_inspect(*f); });
});

}  // namespace
}  // namespace racker::cli
