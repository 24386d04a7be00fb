// racker compose ps [-a] [-q] [--services] [--status S] [--format table|json]
// [SERVICE...]: the project's containers, as docker compose ps lists them.
#include <algorithm>
#include <cstdio>
#include <memory>
#include <nlohmann/json.hpp>

#include "cmd_compose_common.h"
#include "command.h"
#include "container_cli.h"
#include "compose_ps_json.h"
#include "published_ports.h"
#include "racker/runtime/service_container.h"

namespace racker::cli {
namespace {

using namespace racker::runtime;

struct PsFlags {
  bool all = false, quiet = false, services_only = false, no_trunc = false;
  std::string format, filter;
  std::vector<std::string> status, services;
};

int run_ps(PsFlags f) {
  if (!f.filter.empty()) {
    if (f.filter.rfind("status=", 0) != 0) return compose_fail(Error(Errc::kInvalidArgument, "unknown filter " + f.filter));
    f.status.push_back(f.filter.substr(7));
  }
  auto session = open_compose();
  if (!session) return 1;
  auto& s = *session;
  if (auto st = check_services(s, f.services); !st) return compose_fail(st.error());
  ensure_project_supervisor(s);  // adopt running containers a killed supervisor left
  auto list = s.driver().list(true);
  if (!list) return compose_fail(list.error());
  auto ports = PublishedPortsView::read(*list);
  std::vector<ContainerInfo> rows;
  bool all = f.all || !f.status.empty();
  for (auto& info : *list) {
    if (label_of(info, kLabelProject) != s.name()) continue;
    bool oneoff = label_of(info, kLabelOneoff) == "True";
    if (oneoff && !f.all) continue;
    std::string service = label_of(info, kLabelService);
    bool named = std::find(f.services.begin(), f.services.end(), service) != f.services.end();
    if (!f.services.empty() && !named) continue;
    // A group's own machine is racker's, not a service: shown when named.
    if (!label_of(info, kLabelGroupHost).empty() && !named) continue;
    bool running = info.state.status == ContainerStatus::kRunning || info.state.status == ContainerStatus::kRestarting;
    if (!all && !running) continue;
    if (!f.status.empty() &&
        std::find(f.status.begin(), f.status.end(), state_status_name(info.state)) == f.status.end())
      continue;
    rows.push_back(std::move(info));
  }
  std::sort(rows.begin(), rows.end(), [](const ContainerInfo& a, const ContainerInfo& b) { return a.spec.name < b.spec.name; });

  if (f.quiet) {
    for (const auto& c : rows) std::printf("%s\n", c.spec.id.c_str());
    return 0;
  }
  if (f.services_only) {
    std::vector<std::string> seen;
    for (const auto& c : rows) {
      std::string svc = label_of(c, kLabelService);
      if (std::find(seen.begin(), seen.end(), svc) == seen.end()) seen.push_back(svc);
    }
    for (const auto& svc : seen) std::printf("%s\n", svc.c_str());
    return 0;
  }
  if (f.format == "json" || f.format == "{{json .}}") {
    for (const auto& c : rows) {
      nlohmann::json j = compose_ps_json(c, ports);
      std::printf("%s\n", j.dump().c_str());
    }
    return 0;
  }
  if (!f.format.empty() && f.format != "table")
    return compose_fail(Error(Errc::kInvalidArgument, "unsupported format: " + f.format + " (racker supports table and json)"));
  std::vector<std::vector<std::string>> table = {{"NAME", "IMAGE", "COMMAND", "SERVICE", "CREATED", "STATUS", "PORTS"}};
  // racker's groups: a GROUP column, only when some container is in one.
  bool grouped = std::any_of(rows.begin(), rows.end(), [](const ContainerInfo& c) { return !label_of(c, kLabelGroup).empty(); });
  if (grouped) table[0].insert(table[0].begin() + 4, "GROUP");
  for (const auto& c : rows) {
    std::string command = command_text(c.spec);
    table.push_back({c.spec.name, c.spec.image, "\"" + (f.no_trunc ? command : truncate(command, 20)) + "\"",
                     label_of(c, kLabelService), human_since(c.spec.created) + " ago", human_status(c),
                     PublishedPortsView::column(ports.of(c))});
    if (grouped) table.back().insert(table.back().begin() + 4, label_of(c, kLabelGroup));
  }
  print_table(table);
  return 0;
}

CommandRegistration register_compose_ps(Parent::kCompose, 22, [](CLI::App& parent, Context& ctx) {
  auto* cmd = parent.add_subcommand("ps", "List containers");
  auto f = std::make_shared<PsFlags>();
  cmd->add_flag("-a,--all", f->all, "Show all stopped containers (including those created by the run command)");
  cmd->add_flag("-q,--quiet", f->quiet, "Only display IDs");
  cmd->add_flag("--services", f->services_only, "Display services");
  cmd->add_option("--status", f->status, "Filter services by status")->allow_extra_args(false);
  cmd->add_option("--filter", f->filter, "Filter services by a property (supported filters: status)");
  cmd->add_option("--format", f->format, "Format the output: table or json");
  cmd->add_flag("--no-trunc", f->no_trunc, "Don't truncate output");
  cmd->add_option("SERVICE", f->services, "Services");
  cmd->callback([&ctx, f] { ctx.exit_code = run_ps(*f); });
});

}  // namespace
}  // namespace racker::cli
