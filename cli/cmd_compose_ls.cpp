// racker compose ls [-a] [-q] [--format table|json]: the projects that have
// containers, with their states and compose files, as docker compose ls.
#include <algorithm>
#include <cstdio>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>

#include "cmd_compose_common.h"
#include "command.h"
#include "racker/runtime/service_container.h"

namespace racker::cli {
namespace {

using namespace racker::runtime;

struct LsFlags {
  bool all = false, quiet = false;
  std::string format = "table";
};

int run_ls(const LsFlags& f) {
  auto containers = open_containers();
  auto list = containers.driver->list(true);
  if (!list) return compose_fail(list.error());
  struct Project {
    std::map<std::string, int> states;
    std::string files;
    bool running = false;
  };
  std::map<std::string, Project> projects;
  for (const auto& c : *list) {
    auto name = c.spec.labels.find(kLabelProject);
    if (name == c.spec.labels.end()) continue;
    auto& p = projects[name->second];
    p.states[state_status_name(c.state)]++;
    p.running = p.running || c.state.status == ContainerStatus::kRunning;
    auto files = c.spec.labels.find(kLabelConfigFiles);
    if (files != c.spec.labels.end()) p.files = files->second;
  }
  std::vector<std::vector<std::string>> rows = {{"NAME", "STATUS", "CONFIG FILES"}};
  nlohmann::json json = nlohmann::json::array();
  for (const auto& [name, p] : projects) {
    if (!f.all && !p.running) continue;
    if (f.quiet) {
      std::printf("%s\n", name.c_str());
      continue;
    }
    std::string status;
    for (const auto& [state, n] : p.states) status += (status.empty() ? "" : ", ") + state + "(" + std::to_string(n) + ")";
    rows.push_back({name, status, p.files});
    json.push_back({{"Name", name}, {"Status", status}, {"ConfigFiles", p.files}});
  }
  if (f.quiet) return 0;
  if (f.format == "json") {
    std::printf("%s\n", json.dump().c_str());
    return 0;
  }
  print_table(rows);
  return 0;
}

CommandRegistration register_compose_ls(Parent::kCompose, 40, [](CLI::App& parent, Context& ctx) {
  auto* cmd = parent.add_subcommand("ls", "List running compose projects");
  auto f = std::make_shared<LsFlags>();
  cmd->add_flag("-a,--all", f->all, "Show all stopped Compose projects");
  cmd->add_flag("-q,--quiet", f->quiet, "Only display project names");
  cmd->add_option("--format", f->format, "Format the output. Values: [table | json]");
  cmd->callback([&ctx, f] { ctx.exit_code = run_ls(*f); });
});

}  // namespace
}  // namespace racker::cli
