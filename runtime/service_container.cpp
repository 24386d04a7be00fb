// Compose service -> ContainerSettings: process, identity, resources,
// restart policy, labels. Mounts and files live in service_container_mounts.cpp.
#include "racker/runtime/service_container.h"

#include <algorithm>
#include <cmath>

#include "service_container_internal.h"

namespace racker::runtime {

using compose::model::Duration;
using compose::model::Project;
using compose::model::Service;

namespace {

int seconds_up(Duration d) {
  auto ns = d.count();
  if (ns <= 0) return 0;
  return static_cast<int>((ns + 999999999) / 1000000000);
}

std::string join(const std::vector<std::string>& items, const char* sep) {
  std::string out;
  for (const auto& i : items) {
    if (!out.empty()) out += sep;
    out += i;
  }
  return out;
}

// Keys racker accepts from compose but cannot honour yet: each one set in the
// service gives one warning, never a silent difference.
void warn_unsupported(const Service& s, std::vector<std::string>& w) {
  auto warn = [&](bool set, const char* key, const char* why = "not supported by racker yet") {
    if (set) w.push_back("service \"" + s.name + "\": " + key + " is ignored: " + why);
  };
  warn(!s.devices.empty(), "devices");
  warn(!s.security_opt.empty(), "security_opt");
  warn(!s.group_add.empty(), "group_add");
  warn(!s.device_cgroup_rules.empty(), "device_cgroup_rules");
  warn(s.ipc.has_value(), "ipc");
  warn(s.pid.has_value(), "pid");
  warn(s.uts.has_value(), "uts");
  warn(s.cgroup_parent.has_value(), "cgroup_parent");
  warn(s.cgroup.has_value(), "cgroup");
  warn(s.cpuset.has_value(), "cpuset");
  warn(s.cpu_quota.has_value() || s.cpu_period.has_value(), "cpu_quota/cpu_period", "use cpus");
  warn(s.mem_reservation.has_value(), "mem_reservation");
  warn(s.mem_swappiness.has_value(), "mem_swappiness");
  warn(s.oom_kill_disable.has_value(), "oom_kill_disable");
  warn(s.oom_score_adj.has_value(), "oom_score_adj");
  warn(s.shm_size.has_value(), "shm_size");
  warn(!s.volumes_from.empty(), "volumes_from");
  warn(!s.external_links.empty(), "external_links");
  warn(!s.pre_start.empty() || !s.post_start.empty() || !s.pre_stop.empty(),
       "lifecycle hooks (pre_start, post_start, pre_stop)");
  warn(!s.annotations.empty(), "annotations");
  if (s.deploy) {
    warn(!s.deploy->labels.empty(), "deploy.labels");
    warn(s.deploy->reservations.cpus || s.deploy->reservations.memory_bytes, "deploy.resources.reservations");
    if (s.deploy->restart_policy) {
      warn(s.deploy->restart_policy->delay.has_value(), "deploy.restart_policy.delay", "racker uses docker's backoff");
      warn(s.deploy->restart_policy->window.has_value(), "deploy.restart_policy.window");
    }
  }
  for (const auto& [name, n] : s.networks) {
    if (!n) continue;
    std::string key = "networks." + name + ".";
    warn(!n->link_local_ips.empty(), (key + "link_local_ips").c_str());
    warn(!n->driver_opts.empty(), (key + "driver_opts").c_str());
  }
  for (size_t i = 0; i < s.volumes.size(); ++i)
    warn(s.volumes[i].selinux.has_value(), ("volumes[" + std::to_string(i) + "].bind.selinux").c_str(),
         "racker does not relabel");
  if (s.network_mode == "host")
    for (const auto& p : s.ports)
      if (!p.published.empty() && p.published != std::to_string(p.target))
        w.push_back("service \"" + s.name + "\": ports: " + p.published + ":" + std::to_string(p.target) +
                    " is not published: with network_mode host the service listens on " +
                    std::to_string(p.target) + " directly");
  for (const auto& [key, why] : s.ignored) w.push_back("service \"" + s.name + "\": " + key + " is ignored: " + why);
}

Status apply_restart(const Service& s, ContainerSettings& out) {
  if (s.restart) {
    auto policy = parse_restart_policy(*s.restart);
    if (!policy) return Error(Errc::kInvalidArgument, "service \"" + s.name + "\": " + policy.error().message);
    out.restart = *policy;
    return ok_status();
  }
  if (s.deploy && s.deploy->restart_policy) {
    const auto& rp = *s.deploy->restart_policy;
    // docker compose maps deploy.restart_policy to the engine's policy:
    // none -> no, on-failure -> on-failure:max_attempts, any -> always.
    if (rp.condition == "none") out.restart.kind = RestartPolicy::Kind::kNo;
    else if (rp.condition == "on-failure") {
      out.restart.kind = RestartPolicy::Kind::kOnFailure;
      out.restart.max_retries = rp.max_attempts.value_or(0);
    } else {
      out.restart.kind = RestartPolicy::Kind::kAlways;
    }
  }
  return ok_status();
}

void apply_resources(const Service& s, ContainerSettings& out) {
  const compose::model::Resources* limits = s.deploy ? &s.deploy->limits : nullptr;
  if (s.mem_limit) out.resources.memory_bytes = *s.mem_limit;
  else if (limits && limits->memory_bytes) out.resources.memory_bytes = *limits->memory_bytes;
  if (s.memswap_limit) out.resources.memory_swap_bytes = *s.memswap_limit;
  if (s.cpus) out.resources.cpus = *s.cpus;
  else if (limits && limits->cpus) out.resources.cpus = *limits->cpus;
  if (s.cpu_shares) out.resources.cpu_shares = *s.cpu_shares;
  if (s.pids_limit) out.resources.pids_limit = *s.pids_limit;
  else if (limits && limits->pids) out.resources.pids_limit = *limits->pids;
}

void apply_logging(const Service& s, ContainerSettings& out, std::vector<std::string>& w) {
  if (!s.logging) return;
  const auto& l = *s.logging;
  if (!l.driver.empty() && l.driver != "json-file" && l.driver != "local")
    w.push_back("service \"" + s.name + "\": logging.driver \"" + l.driver + "\" is not supported; using json-file");
  for (const auto& [key, value] : l.options) {
    if (key == "max-size") {
      if (auto bytes = compose::model::parse_bytes(value)) out.log.max_size = *bytes;
      else w.push_back("service \"" + s.name + "\": logging.options.max-size: " + bytes.error().message);
    } else if (key == "max-file") {
      out.log.max_files = std::max(1, std::atoi(value.c_str()));
    } else {
      w.push_back("service \"" + s.name + "\": logging.options." + key + " is ignored");
    }
  }
}

// A boot group's member: systemd applies its restart policy, stop signal
// and grace inside the machine (boot_unit.h); racker's record keeps no
// restart policy and stops the member's follower with SIGTERM.
void move_policy_to_unit(ContainerSettings& c) {
  std::string restart = restart_policy_name(c.restart);
  if (c.restart.kind == RestartPolicy::Kind::kOnFailure && c.restart.max_retries > 0)
    restart += ":" + std::to_string(c.restart.max_retries);
  c.labels[kLabelBootRestart] = restart;
  c.restart = RestartPolicy{};
  if (c.stop_signal) c.labels[kLabelBootStopSignal] = *c.stop_signal;
  c.stop_signal = "SIGTERM";
  int grace = c.stop_timeout.value_or(10);
  c.labels[kLabelBootStopGrace] = std::to_string(grace);
  c.stop_timeout = grace + 5;
}

}  // namespace

std::string service_container_name(const std::string& project, const Service& service, int number) {
  if (service.container_name) return *service.container_name;
  return project + "-" + service.name + "-" + std::to_string(number);
}

std::string oneoff_container_name(const std::string& project, const std::string& service, const std::string& slug) {
  return project + "-" + service + "-run-" + slug.substr(0, 12);
}

std::string depends_on_label(const Service& service) {
  std::vector<std::string> parts;
  for (const auto& [name, dep] : service.depends_on)
    parts.push_back(name + ":" + dep.condition + ":" + (dep.restart ? "true" : "false"));
  return join(parts, ",");
}

std::string service_image(const std::string& project, const Service& service) {
  if (service.image && !service.image->empty()) return *service.image;
  return project + "-" + service.name;
}

Result<ServiceContainer> translate_service(const Project& project, const Service& s,
                                           const ServiceContainerOptions& options) {
  ServiceContainer out;
  auto& w = out.warnings;
  ContainerSettings& c = out.settings;
  out.name = options.oneoff ? oneoff_container_name(project.name, s.name, options.slug)
                            : service_container_name(project.name, s, options.number);
  c.name = out.name;

  if (s.entrypoint) c.entrypoint = *s.entrypoint;
  if (s.command) c.cmd = *s.command;
  // A key without a value (unset where the file was loaded) removes the
  // variable, the image's value included, as docker compose does.
  for (const auto& [key, value] : s.environment) c.env.push_back(value ? key + "=" + *value : key);
  if (s.user) c.user = *s.user;
  if (s.working_dir) c.working_dir = *s.working_dir;
  if (s.stop_signal) c.stop_signal = *s.stop_signal;
  if (s.stop_grace_period) c.stop_timeout = seconds_up(*s.stop_grace_period);
  c.hostname = s.hostname.value_or("");
  c.domainname = s.domainname.value_or("");
  c.tty = s.tty.value_or(false);
  c.open_stdin = s.stdin_open.value_or(false);
  c.read_only = s.read_only.value_or(false);
  c.privileged = s.privileged.value_or(false);
  c.init = s.init.value_or(false);
  c.cap_add = s.cap_add;
  c.cap_drop = s.cap_drop;
  for (const auto& [name, u] : s.ulimits) c.ulimits.push_back({name, u.soft, u.hard});
  c.sysctls = s.sysctls;
  c.expose = s.expose;
  apply_resources(s, c);
  if (auto st = apply_restart(s, c); !st) return st.error();
  apply_logging(s, c, w);

  // Networking: the service's networks (ProjectNetworking attaches the
  // container to them), unless it asks for the host's or none.
  c.network_mode = "bridge";
  if (s.labels.count(kLabelGroupHost) && !s.labels.count(kLabelGroupBoot)) c.group_host = true;
  if (auto g = s.labels.find(kLabelGroup); g != s.labels.end()) {
    const Service* host = project.service(g->second);
    if (host) c.group = service_container_name(project.name, *host, 1);
  }
  if (s.network_mode) {
    if (*s.network_mode == "none" || *s.network_mode == "host") c.network_mode = *s.network_mode;
    else if (s.network_mode->rfind("service:", 0) == 0) c.network_mode = "bridge";  // ProjectNetworks shares it
    else if (*s.network_mode != "bridge" && *s.network_mode != "default")
      w.push_back("service \"" + s.name + "\": network_mode \"" + *s.network_mode +
                  "\" is not supported yet; the container joins the service's networks");
  }
  if (s.userns_mode) {
    auto mode = parse_userns_mode(*s.userns_mode);
    if (!mode) return Error(Errc::kValidation, "service \"" + s.name + "\": userns_mode: " + mode.error().message);
    c.userns = *mode;
  }
  if (!s.sysctls.empty() && c.network_mode == "host") {
    // net.* sysctls cannot apply in the host's namespace: keep the others.
    for (auto it = c.sysctls.begin(); it != c.sysctls.end();) {
      if (it->first.rfind("net.", 0) == 0) {
        w.push_back("service \"" + s.name + "\": sysctl " + it->first + " is ignored in the host network namespace");
        it = c.sysctls.erase(it);
      } else {
        ++it;
      }
    }
  }

  if (auto st = internal::add_mounts(project, s, options, out); !st) return st.error();

  c.labels = s.labels;
  c.labels[kLabelProject] = project.name;
  c.labels[kLabelService] = s.name;
  c.labels[kLabelNumber] = std::to_string(options.number);
  c.labels[kLabelOneoff] = options.oneoff ? "True" : "False";
  if (options.oneoff) c.labels[kLabelSlug] = options.slug;
  c.labels[kLabelConfigHash] = options.config_hash;
  c.labels[kLabelWorkingDir] = project.working_dir;
  c.labels[kLabelConfigFiles] = join(project.compose_files, ",");
  c.labels[kLabelDependsOn] = depends_on_label(s);
  if (!options.image_id.empty()) c.labels[kLabelImage] = options.image_id;
  c.labels[kLabelVersion] = "racker";
  if (c.labels.count(kLabelBootUnit)) move_policy_to_unit(c);

  out.healthcheck = s.healthcheck;
  warn_unsupported(s, w);
  return out;
}

std::optional<HealthcheckSpec> effective_healthcheck(const std::optional<compose::model::HealthCheck>& service,
                                                     const std::optional<HealthcheckConfig>& image) {
  if (service && service->disable) return std::nullopt;
  HealthcheckSpec spec;
  bool any = false;
  if (image && !image->test.empty()) {
    spec.test = image->test;
    if (image->interval.count() > 0) spec.interval = image->interval;
    if (image->timeout.count() > 0) spec.timeout = image->timeout;
    if (image->start_period.count() > 0) spec.start_period = image->start_period;
    if (image->retries > 0) spec.retries = image->retries;
    any = true;
  }
  if (service) {
    if (!service->test.empty()) {
      spec.test = service->test;
      any = true;
    }
    if (service->interval && service->interval->count() > 0) spec.interval = *service->interval;
    if (service->timeout && service->timeout->count() > 0) spec.timeout = *service->timeout;
    if (service->start_period) spec.start_period = *service->start_period;
    if (service->start_interval && service->start_interval->count() > 0) spec.start_interval = *service->start_interval;
    if (service->retries && *service->retries > 0) spec.retries = *service->retries;
  }
  if (!any || spec.test.empty() || spec.test[0] == "NONE") return std::nullopt;
  if (spec.test[0] != "CMD" && spec.test[0] != "CMD-SHELL") spec.test.insert(spec.test.begin(), "CMD");
  return spec;
}

}  // namespace racker::runtime
