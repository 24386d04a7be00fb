// racker ps [-a] [-q] [--no-trunc] [--format json|table]: list containers, as docker ps.
#include <cstdio>
#include <memory>
#include <nlohmann/json.hpp>

#include "command.h"
#include "container_cli.h"
#include "published_ports.h"

namespace racker::cli {
namespace {

using namespace racker::runtime;

struct PsFlags {
  bool all = false, quiet = false, no_trunc = false;
  std::string format;
};




int run_ps(const PsFlags& f) {
  auto containers = open_containers();
  auto list = containers.driver->list(f.all);
  if (!list) return daemon_error(list.error());
  if (f.quiet) {
    for (const auto& c : *list) std::printf("%s\n", f.no_trunc ? c.spec.id.c_str() : c.spec.id.substr(0, 12).c_str());
    return 0;
  }
  auto ports = PublishedPortsView::read(*list);
  if (f.format == "json" || f.format == "{{json .}}") {
    for (const auto& c : *list) {
      std::string labels;
      for (const auto& [k, v] : c.spec.labels) {
        if (!labels.empty()) labels += ',';
        labels += k;
        labels += '=';
        labels += v;
      }
      nlohmann::json j = {{"Command", "\"" + truncate(command_text(c.spec), f.no_trunc ? 1 << 20 : 20) + "\""},
                          {"CreatedAt", c.spec.created},
                          {"ID", f.no_trunc ? c.spec.id : c.spec.id.substr(0, 12)},
                          {"Image", c.spec.image},
                          {"Labels", labels},
                          {"Names", c.spec.name},
                          {"Networks", c.spec.network_mode},
                          {"Ports", PublishedPortsView::column(ports.of(c))},
                          {"RunningFor", human_since(c.spec.created) + " ago"},
                          {"State", state_status_name(c.state)},
                          {"Status", human_status(c)}};
      std::printf("%s\n", j.dump().c_str());
    }
    return 0;
  }
  if (!f.format.empty() && f.format != "table") {
    std::fprintf(stderr, "unsupported format: %s (racker supports json and table)\n", f.format.c_str());
    return 1;
  }
  std::vector<std::vector<std::string>> rows = {{"CONTAINER ID", "IMAGE", "COMMAND", "CREATED", "STATUS", "PORTS", "NAMES"}};
  for (const auto& c : *list) {
    std::string command = command_text(c.spec);
    rows.push_back({f.no_trunc ? c.spec.id : c.spec.id.substr(0, 12), c.spec.image,
                    "\"" + (f.no_trunc ? command : truncate(command, 20)) + "\"", human_since(c.spec.created) + " ago",
                    human_status(c), PublishedPortsView::column(ports.of(c)), c.spec.name});
  }
  print_table(rows);
  return 0;
}

CommandRegistration register_ps(Parent::kRoot, 110, [](CLI::App& parent, Context& ctx) {
  auto* cmd = parent.add_subcommand("ps", "List containers");
  auto f = std::make_shared<PsFlags>();
  cmd->add_flag("-a,--all", f->all, "Show all containers (default shows just running)");
  cmd->add_flag("-q,--quiet", f->quiet, "Only display container IDs");
  cmd->add_flag("--no-trunc", f->no_trunc, "Don't truncate output");
  cmd->add_option("--format", f->format, "Format output using a custom template: 'table' or 'json'");
  cmd->callback([&ctx, f] { ctx.exit_code = run_ps(*f); });
});

}  // namespace
}  // namespace racker::cli
