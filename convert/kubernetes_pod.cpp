// Pod templates: containers (command, env, ports, resources, probes,
// securityContext, lifecycle hooks) and their volumes.
#include <algorithm>
#include <cctype>
#include <functional>

#include "kubernetes_internal.h"
#include "racker/compose/dotenv.h"

namespace racker::convert::kube {
namespace {

Json strings(const std::vector<std::string>& items) {
  Json out = Json::array();
  for (const auto& s : items) out.push_back(escape_dollar_refs(s));
  return out;
}

bool all_digits(const std::string& s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isdigit(c); });
}

Json env_list(Context& ctx, const model::Service& svc, Json& env_from) {
  // What the env files give, in order (later files win, as in compose).
  std::map<std::string, std::string> from_files;
  auto files = ctx.in.env_files.find(svc.name);
  if (files != ctx.in.env_files.end()) {
    for (const auto& path : files->second) {
      auto text = ctx.files.read(path);
      if (!text) {
        ctx.warn(svc.name, "services." + svc.name + ".env_file " + path + ": " + text.error().message);
        continue;
      }
      auto vars = compose::parse_dotenv(*text, path, [](std::string_view) { return std::nullopt; });
      if (!vars) {
        ctx.warn(svc.name, "services." + svc.name + ".env_file " + path + ": " + vars.error().message);
        continue;
      }
      std::string name = kube_name(relative_to(path, ctx.project.working_dir));
      Object& cm = ctx.config_maps[name];
      if (cm.name.empty()) {
        cm = Object{"ConfigMap", name, "", Json::object()};
        cm.body = {{"apiVersion", "v1"}, {"kind", "ConfigMap"}, {"metadata", metadata(ctx, name, "")},
                   {"data", Json::object()}};
        for (const auto& [k, v] : *vars) cm.body["data"][k] = v;
      }
      for (const auto& [k, v] : *vars) from_files[k] = v;
      env_from.push_back({{"configMapRef", {{"name", name}}}});
    }
  }
  Json env = Json::array();
  for (const auto& [k, v] : svc.environment) {
    if (!v) {
      ctx.warn(svc.name, "services." + svc.name + ".environment." + k + ": no value set, not converted");
      continue;
    }
    auto f = from_files.find(k);
    if (f != from_files.end() && f->second == *v) continue;  // the ConfigMap gives it already
    env.push_back({{"name", k}, {"value", escape_dollar_refs(*v)}});
  }
  return env;
}

Json probe(Context& ctx, const model::Service& svc) {
  const auto& hc = *svc.healthcheck;
  if (hc.disable || hc.test.empty() || hc.test[0] == "NONE") {
    if (hc.test.empty() && !hc.disable)
      ctx.warn(svc.name, "services." + svc.name + ".healthcheck: the image's own test is not known, no probe");
    return nullptr;
  }
  std::vector<std::string> command;
  if (hc.test[0] == "CMD-SHELL") {
    command = {"/bin/sh", "-c", hc.test.size() > 1 ? hc.test[1] : ""};
  } else {
    command.assign(hc.test.begin() + (hc.test[0] == "CMD" ? 1 : 0), hc.test.end());
  }
  Json p = {{"exec", {{"command", strings(command)}}}};
  if (hc.start_period) p["initialDelaySeconds"] = seconds(*hc.start_period, 0);
  if (hc.interval) p["periodSeconds"] = seconds(*hc.interval);
  if (hc.timeout) p["timeoutSeconds"] = seconds(*hc.timeout);
  if (hc.retries) p["failureThreshold"] = std::max(1, *hc.retries);
  if (hc.start_interval)
    ctx.warn(svc.name, "services." + svc.name + ".healthcheck.start_interval: not converted");
  return p;
}

Json resources(const model::Service& svc) {
  Json r = Json::object();
  std::optional<double> cpus = svc.cpus;
  std::optional<int64_t> memory = svc.mem_limit, reserved_memory = svc.mem_reservation;
  std::optional<double> reserved_cpus;
  if (svc.deploy) {
    if (svc.deploy->limits.cpus) cpus = svc.deploy->limits.cpus;
    if (svc.deploy->limits.memory_bytes) memory = svc.deploy->limits.memory_bytes;
    if (svc.deploy->reservations.cpus) reserved_cpus = svc.deploy->reservations.cpus;
    if (svc.deploy->reservations.memory_bytes) reserved_memory = svc.deploy->reservations.memory_bytes;
  }
  if (cpus && *cpus > 0) r["limits"]["cpu"] = cpu_quantity(*cpus);
  if (memory && *memory > 0) r["limits"]["memory"] = memory_quantity(*memory);
  if (reserved_cpus && *reserved_cpus > 0) r["requests"]["cpu"] = cpu_quantity(*reserved_cpus);
  if (reserved_memory && *reserved_memory > 0) r["requests"]["memory"] = memory_quantity(*reserved_memory);
  return r;
}

Json security_context(Context& ctx, const model::Service& svc) {
  Json sc = Json::object();
  if (svc.user) {
    std::string user = *svc.user, group;
    auto colon = user.find(':');
    if (colon != std::string::npos) {
      group = user.substr(colon + 1);
      user = user.substr(0, colon);
    }
    if (all_digits(user) && (group.empty() || all_digits(group))) {
      sc["runAsUser"] = std::stoll(user);
      if (!group.empty()) sc["runAsGroup"] = std::stoll(group);
    } else {
      ctx.warn(svc.name, "services." + svc.name + ".user: \"" + *svc.user +
                             "\" is a name; Kubernetes needs numeric ids, not converted");
    }
  }
  auto caps = [](const std::vector<std::string>& in) {
    Json out = Json::array();
    for (auto c : in) {
      if (c.compare(0, 4, "CAP_") == 0) c = c.substr(4);
      out.push_back(c);
    }
    return out;
  };
  if (!svc.cap_add.empty()) sc["capabilities"]["add"] = caps(svc.cap_add);
  if (!svc.cap_drop.empty()) sc["capabilities"]["drop"] = caps(svc.cap_drop);
  if (svc.privileged.value_or(false)) sc["privileged"] = true;
  if (svc.read_only.value_or(false)) sc["readOnlyRootFilesystem"] = true;
  return sc;
}

Json hook(Context& ctx, const model::Service& svc, const std::vector<model::ServiceHook>& hooks, const char* key) {
  if (hooks.empty() || !hooks[0].command) return nullptr;
  if (hooks.size() > 1)
    ctx.warn(svc.name, "services." + svc.name + "." + key + ": only the first hook is converted");
  const auto& h = hooks[0];
  if (h.user || h.working_dir || h.privileged || !h.environment.empty())
    ctx.warn(svc.name, "services." + svc.name + "." + key + "[0]: user, working_dir, privileged, environment not converted");
  std::vector<std::string> cmd = *h.command;
  return {{"exec", {{"command", strings(cmd)}}}};
}

// The container of `svc` and the volumes it mounts.
Result<Json> container(Context& ctx, const model::Service& svc, Volumes& volumes) {
  Json c = {{"name", kube_name(svc.name)}};
  if (svc.image) {
    c["image"] = *svc.image;
  } else {
    std::string image = ctx.project.name + "-" + svc.name;
    c["image"] = image;
    ctx.warn(svc.name, "services." + svc.name + ".build: not converted; build and push the image, then set " + image);
  }
  if (svc.pull_policy) {
    const std::string& p = *svc.pull_policy;
    if (p == "always") c["imagePullPolicy"] = "Always";
    else if (p == "never") c["imagePullPolicy"] = "Never";
    else if (p == "missing" || p == "if_not_present") c["imagePullPolicy"] = "IfNotPresent";
    else ctx.warn(svc.name, "services." + svc.name + ".pull_policy: \"" + p + "\" not converted");
  }
  if (svc.entrypoint) c["command"] = strings(*svc.entrypoint);
  if (svc.command) c["args"] = strings(*svc.command);
  if (svc.working_dir) c["workingDir"] = *svc.working_dir;
  Json env_from = Json::array();
  Json env = env_list(ctx, svc, env_from);
  if (!env_from.empty()) c["envFrom"] = env_from;
  if (!env.empty()) c["env"] = env;

  std::set<std::pair<int, std::string>> ports;
  for (const auto& p : svc.ports) ports.insert({p.target, p.protocol});
  for (const auto& e : svc.expose) {
    std::string num = e.substr(0, e.find('/'));
    std::string proto = e.find('/') == std::string::npos ? "tcp" : e.substr(e.find('/') + 1);
    if (!all_digits(num)) {
      ctx.warn(svc.name, "services." + svc.name + ".expose: \"" + e + "\" (a range) not converted");
      continue;
    }
    ports.insert({std::stoi(num), proto});
  }
  for (const auto& [port, proto] : ports) {
    std::string upper = proto;
    for (auto& ch : upper) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
    c["ports"].push_back({{"containerPort", port}, {"protocol", upper}});
  }

  if (auto r = resources(svc); !r.empty()) c["resources"] = r;
  if (svc.healthcheck) {
    if (auto p = probe(ctx, svc); !p.is_null()) c["readinessProbe"] = p;
  }
  if (auto sc = security_context(ctx, svc); !sc.empty()) c["securityContext"] = sc;
  Json lifecycle = Json::object();
  if (auto h = hook(ctx, svc, svc.post_start, "post_start"); !h.is_null()) lifecycle["postStart"] = h;
  if (auto h = hook(ctx, svc, svc.pre_stop, "pre_stop"); !h.is_null()) lifecycle["preStop"] = h;
  if (!lifecycle.empty()) c["lifecycle"] = lifecycle;
  if (svc.tty.value_or(false)) c["tty"] = true;
  if (svc.stdin_open.value_or(false)) c["stdin"] = true;

  auto mounts = volume_mounts(ctx, svc, volumes);
  if (!mounts) return mounts.error();
  if (!mounts->empty()) c["volumeMounts"] = *mounts;
  return c;
}

// Services `service` waits for to complete, transitively, dependencies first.
std::vector<std::string> completion_chain(const Context& ctx, const std::string& service) {
  std::vector<std::string> out;
  std::function<void(const std::string&)> visit = [&](const std::string& s) {
    for (const auto& e : ctx.in.graph->dependencies_of(s)) {
      if (e.condition != "service_completed_successfully" || !ctx.init_only.count(e.to)) continue;
      if (std::find(out.begin(), out.end(), e.to) != out.end()) continue;
      visit(e.to);
      out.push_back(e.to);
    }
  };
  visit(service);
  return out;
}

}  // namespace

std::string network_label(const std::string& network) { return "network.racker.io/" + kube_name(network); }

Result<Json> pod_spec(Context& ctx, const std::string& service) {
  const model::Service& svc = ctx.project.services.at(service);
  Volumes volumes;
  Json spec = Json::object();
  Json init = Json::array();
  for (const auto& dep : completion_chain(ctx, service)) {
    auto c = container(ctx, ctx.project.services.at(dep), volumes);
    if (!c) return c.error();
    init.push_back(*c);
  }
  if (!init.empty()) spec["initContainers"] = init;
  auto c = container(ctx, svc, volumes);
  if (!c) return c.error();
  spec["containers"] = Json::array({*c});
  if (svc.stop_grace_period) spec["terminationGracePeriodSeconds"] = seconds(*svc.stop_grace_period, 0);
  if (svc.hostname && is_dns_label(*svc.hostname)) spec["hostname"] = *svc.hostname;
  if (svc.network_mode == "host") spec["hostNetwork"] = true;
  if (svc.ipc == "host") spec["hostIPC"] = true;
  if (svc.pid == "host") spec["hostPID"] = true;
  if (!svc.extra_hosts.empty()) {
    std::map<std::string, std::vector<std::string>> by_ip;
    for (const auto& [host, ips] : svc.extra_hosts)
      for (const auto& ip : ips) by_ip[ip].push_back(host);
    for (const auto& [ip, hosts] : by_ip) spec["hostAliases"].push_back({{"ip", ip}, {"hostnames", hosts}});
  }
  if (!svc.dns.empty() || !svc.dns_search.empty() || !svc.dns_opt.empty()) {
    Json dns = Json::object();
    if (!svc.dns.empty()) dns["nameservers"] = svc.dns;
    if (!svc.dns_search.empty()) dns["searches"] = svc.dns_search;
    for (const auto& o : svc.dns_opt) {
      auto colon = o.find(':');
      Json opt = {{"name", o.substr(0, colon)}};
      if (colon != std::string::npos) opt["value"] = o.substr(colon + 1);
      dns["options"].push_back(opt);
    }
    spec["dnsConfig"] = dns;
  }
  Json pod_sc = Json::object();
  for (const auto& [k, v] : svc.sysctls) pod_sc["sysctls"].push_back({{"name", k}, {"value", v}});
  std::vector<int64_t> groups;
  for (const auto& g : svc.group_add) {
    if (all_digits(g)) groups.push_back(std::stoll(g));
    else ctx.warn(service, "services." + service + ".group_add: \"" + g + "\" is a name, not converted");
  }
  if (!groups.empty()) pod_sc["supplementalGroups"] = groups;
  if (!pod_sc.empty()) spec["securityContext"] = pod_sc;
  if (!volumes.list.empty()) spec["volumes"] = volumes.list;
  return spec;
}

}  // namespace racker::convert::kube
