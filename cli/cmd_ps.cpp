// racker ps [-a] [-q] [--no-trunc] [--format json|table]: list containers, as docker ps.
#include <cstdio>
#include <memory>
#include <nlohmann/json.hpp>

#include "command.h"
#include "container_cli.h"

namespace racker::cli {
namespace {

using namespace racker::runtime;

struct PsFlags {
  bool all = false, quiet = false, no_trunc = false;
  std::string format;
};

std::string command_text(const ContainerSpec& spec) {
  std::string out;
  for (const auto& a : spec.argv()) {
    if (!out.empty()) out += ' ';
    out += a;
  }
  return out;
}

// docker truncates COMMAND to 20 characters and ends it with an ellipsis.
std::string truncate(const std::string& s, size_t width) {
  if (s.size() <= width) return s;
  return s.substr(0, width - 1) + "…";
}

void print_table(const std::vector<std::vector<std::string>>& rows) {
  std::vector<size_t> widths;
  auto visible = [](const std::string& s) {
    size_t n = 0;
    for (unsigned char c : s) n += (c & 0xC0) != 0x80;  // UTF-8 aware width
    return n;
  };
  for (const auto& row : rows)
    for (size_t i = 0; i < row.size(); ++i) {
      if (widths.size() <= i) widths.push_back(0);
      widths[i] = std::max(widths[i], visible(row[i]));
    }
  for (const auto& row : rows) {
    std::string line;
    for (size_t i = 0; i < row.size(); ++i) {
      line += row[i];
      if (i + 1 < row.size()) line += std::string(widths[i] - visible(row[i]) + 3, ' ');
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    std::printf("%s\n", line.c_str());
  }
}

int run_ps(const PsFlags& f) {
  auto containers = open_containers();
  auto list = containers.driver->list(f.all);
  if (!list) return daemon_error(list.error());
  if (f.quiet) {
    for (const auto& c : *list) std::printf("%s\n", f.no_trunc ? c.spec.id.c_str() : c.spec.id.substr(0, 12).c_str());
    return 0;
  }
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
                          {"Ports", ""},
                          {"RunningFor", human_since(c.spec.created) + " ago"},
                          {"State", container_status_name(c.state.status)},
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
                    human_status(c), "", c.spec.name});
  }
  print_table(rows);
  return 0;
}

CommandRegistration reg(Parent::kRoot, 110, [](CLI::App& parent, Context& ctx) {
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
