#include "racker/runtime/compose_groups.h"

#include <archive.h>
#include <archive_entry.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <memory>

#include "racker/compose/graph.h"
#include "racker/runtime/boot_unit.h"
#include "racker/runtime/image_load.h"
#include "racker/runtime/service_container.h"

namespace racker::runtime {

namespace {

using compose::model::DependsOn;
using compose::model::Project;
using compose::model::Service;
using compose::model::ServiceNetwork;

void add_unique(std::vector<std::string>& to, const std::string& value) {
  if (std::find(to.begin(), to.end(), value) == to.end()) to.push_back(value);
}

// The group's container: the group's address, names and ports.
Service group_host_service(const Project& project, const compose::Group& g) {
  Service host;
  host.name = g.name;
  host.image = g.image.value_or(kGroupBaseImage);
  if (!g.image) host.pull_policy = "never";
  host.hostname = g.name;
  host.entrypoint = std::vector<std::string>{"racker-group-init", g.name};
  host.restart = "unless-stopped";
  host.labels[kLabelGroupHost] = g.name;
  // The init stops members one batch after another, each with its grace.
  int64_t grace_ns = 0;
  for (const auto& name : g.services) {
    const Service& m = *project.service(name);
    grace_ns += m.stop_grace_period ? m.stop_grace_period->count() : std::chrono::nanoseconds(std::chrono::seconds(10)).count();
    for (const auto& [network, options] : m.networks) {
      auto& joined = host.networks[network];
      if (!joined) joined = ServiceNetwork{};
      add_unique(joined->aliases, name);
      add_unique(joined->aliases, service_container_name(project.name, m, 1));
      if (options) {
        for (const auto& alias : options->aliases) add_unique(joined->aliases, alias);
        if (options->ipv4_address && !joined->ipv4_address) joined->ipv4_address = options->ipv4_address;
        if (options->ipv6_address && !joined->ipv6_address) joined->ipv6_address = options->ipv6_address;
      }
    }
    // Its init spawns the members: they can only keep capabilities it has.
    if (m.privileged && *m.privileged) host.privileged = true;
    for (const auto& cap : m.cap_add) add_unique(host.cap_add, cap);
    host.ports.insert(host.ports.end(), m.ports.begin(), m.ports.end());
    for (const auto& e : m.expose) add_unique(host.expose, e);
    for (const auto& [h, addresses] : m.extra_hosts) host.extra_hosts.emplace(h, addresses);
    for (const auto& d : m.dns) add_unique(host.dns, d);
    for (const auto& d : m.dns_search) add_unique(host.dns_search, d);
    for (const auto& d : m.dns_opt) add_unique(host.dns_opt, d);
  }
  host.stop_grace_period = compose::model::Duration(grace_ns + std::chrono::nanoseconds(std::chrono::seconds(5)).count());
  return host;
}

// A boot group's machine: its image's systemd as PID 1 (exec'd by racker's
// init, whose binds stay for the members' followers), halted by SIGRTMIN+3.
void boot_host(Service& host) {
  host.entrypoint = std::vector<std::string>{"/sbin/init"};
  host.command.reset();
  host.environment["container"] = "systemd-nspawn";  // systemd's container detection
  host.privileged = true;
  host.stop_signal = "SIGRTMIN+3";
  host.labels[kLabelGroupBoot] = host.name;
}

// A boot group's member: a unit in the machine (boot_unit.h). Dependencies
// on other members that only need them started become After=/Requires=/
// Wants=; racker itself waits for the others (healthy, completed) and for
// services outside the group, as for any container: a unit cannot wait for
// a healthcheck, and Requires= would start a completed job again.
void boot_member(Service& m, const compose::Group& g) {
  m.labels[kLabelBootUnit] = boot_unit_name(m.name);
  std::vector<std::string> requires_, wants;
  for (const auto& [dep, on] : m.depends_on) {
    if (on.condition != "service_started") continue;
    if (std::find(g.services.begin(), g.services.end(), dep) == g.services.end()) continue;
    (on.required ? requires_ : wants).push_back(dep);
  }
  if (!requires_.empty()) m.labels[kLabelBootRequires] = dependency_label(requires_);
  if (!wants.empty()) m.labels[kLabelBootWants] = dependency_label(wants);
}

Result<std::string> write_base_tar(const std::string& path) {
  std::unique_ptr<archive, decltype(&archive_write_free)> a(archive_write_new(), archive_write_free);
  archive_write_set_format_pax_restricted(a.get());
  if (archive_write_open_filename(a.get(), path.c_str()) != ARCHIVE_OK)
    return Error(Errc::kIo, std::string("group base image: ") + archive_error_string(a.get()));
  auto add = [&](const char* name, mode_t type, mode_t mode, const std::string& content) {
    std::unique_ptr<archive_entry, decltype(&archive_entry_free)> e(archive_entry_new(), archive_entry_free);
    archive_entry_set_pathname(e.get(), name);
    archive_entry_set_filetype(e.get(), type);
    archive_entry_set_perm(e.get(), mode);
    archive_entry_set_size(e.get(), static_cast<la_int64_t>(content.size()));
    archive_write_header(a.get(), e.get());
    if (!content.empty()) archive_write_data(a.get(), content.data(), content.size());
  };
  for (const char* dir : {"usr", "usr/bin", "etc", "proc", "sys", "dev", "run", "var", "root"})
    add(dir, AE_IFDIR, 0755, "");
  add("tmp", AE_IFDIR, 01777, "");
  add("etc/os-release", AE_IFREG, 0644, "ID=racker-group\nNAME=\"racker group\"\nPRETTY_NAME=\"racker group machine\"\n");
  add("etc/passwd", AE_IFREG, 0644, "root:x:0:0:root:/root:/bin/sh\n");
  add("etc/group", AE_IFREG, 0644, "root:x:0:\n");
  if (archive_write_close(a.get()) != ARCHIVE_OK)
    return Error(Errc::kIo, std::string("group base image: ") + archive_error_string(a.get()));
  return path;
}

}  // namespace

bool has_groups(const Project& project) {
  if (!compose::read_groups(project).empty()) return true;
  return std::any_of(project.services.begin(), project.services.end(),
                     [](const auto& s) { return s.second.labels.count(kLabelGroupHost) > 0; });
}

Result<Project> expand_groups(const Project& project) {
  compose::ProjectGroups groups = compose::read_groups(project);
  if (!groups.problems.empty()) {
    const auto& p = groups.problems.front();
    return Error(Errc::kValidation, p.message, p.key_path, project.mark_of(p.key_path));
  }
  if (groups.empty()) return project;
  auto graph = compose::DependencyGraph::build(project);
  if (!graph) return graph.error();
  std::vector<std::string> order = graph->start_order();

  Project out = project;
  for (const auto& [name, g] : groups.groups) {
    out.services[name] = group_host_service(project, g);
    if (g.boot) boot_host(out.services[name]);
    for (const auto& member : g.services) {
      Service& m = out.services[member];
      if (g.boot) boot_member(m, g);
      m.network_mode = "service:" + name;
      std::string ports;
      for (const auto& p : m.ports) ports += (ports.empty() ? "" : ",") + std::to_string(p.target) + "/" + p.protocol;
      if (!ports.empty()) m.labels[kLabelGroupPorts] = ports;
      m.networks.clear();
      m.ports.clear();
      // The machine's UTS namespace, as docker shares it with network_mode
      // container:, unless the service names its own hostname.
      if (!m.hostname) m.hostname = name;
      m.labels[kLabelGroup] = name;
      auto position = std::find(order.begin(), order.end(), member) - order.begin();
      m.labels[kLabelGroupOrder] = std::to_string(position);
      DependsOn on_host;
      on_host.restart = true;  // a new machine needs its members entered again
      m.depends_on[name] = on_host;
    }
  }
  return out;
}

Status ensure_group_base_image(LocalImageStore& store) {
  if (store.get(kGroupBaseImage)) return ok_status();
  auto scratch = store.make_scratch_dir();
  if (!scratch) return scratch.error();
  std::string tar = *scratch + "/group-base.tar";
  auto written = write_base_tar(tar);
  Result<ImageRecord> imported = written ? import_rootfs(store, tar, kGroupBaseImage) : Result<ImageRecord>(written.error());
  ::unlink(tar.c_str());
  ::rmdir(scratch->c_str());
  if (!imported) return imported.error().with_context("racker's group base image");
  return ok_status();
}

}  // namespace racker::runtime
