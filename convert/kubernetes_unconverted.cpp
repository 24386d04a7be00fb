// The keys of a service that the Kubernetes output does not carry, as one
// table: key, whether the service sets it, and why it is left out.
#include <functional>

#include "kubernetes_internal.h"

namespace racker::convert::kube {

void warn_unconverted(Context& ctx, const model::Service& svc) {
  struct Rule {
    const char* key;
    std::function<bool(const model::Service&)> set;
    const char* why;
  };
  static const std::vector<Rule> rules = {
      {"container_name", [](const auto& s) { return s.container_name.has_value(); }, "pods are named by their Deployment"},
      {"hostname", [](const auto& s) { return s.hostname && !is_dns_label(*s.hostname); }, "not a DNS label"},
      {"domainname", [](const auto& s) { return s.domainname.has_value(); }, "no pod field"},
      {"links", [](const auto& s) {
         for (const auto& l : s.links) if (l.find(':') != std::string::npos) return true;
         return false;
       }, "link aliases need a Service of that name"},
      {"external_links", [](const auto& s) { return !s.external_links.empty(); }, "no pod field"},
      {"volumes_from", [](const auto& s) { return !s.volumes_from.empty(); }, "pods do not share volumes"},
      {"network_mode", [](const auto& s) { return s.network_mode && *s.network_mode != "host"; },
       "only \"host\" (hostNetwork) has a pod field"},
      {"ipc", [](const auto& s) { return s.ipc && *s.ipc != "host"; }, "only \"host\" (hostIPC) has a pod field"},
      {"pid", [](const auto& s) { return s.pid && *s.pid != "host"; }, "only \"host\" (hostPID) has a pod field"},
      {"uts", [](const auto& s) { return s.uts.has_value(); }, "no pod field"},
      {"restart", [](const auto& s) { return s.restart && *s.restart != "always" && *s.restart != "unless-stopped"; },
       "a Deployment always restarts its containers"},
      {"deploy.restart_policy", [](const auto& s) { return s.deploy && s.deploy->restart_policy; },
       "a Deployment always restarts its containers"},
      {"deploy.mode", [](const auto& s) { return s.deploy && s.deploy->mode == "global"; },
       "converted as a Deployment; a DaemonSet runs one pod per node"},
      {"deploy.labels", [](const auto& s) { return s.deploy && !s.deploy->labels.empty(); }, "no field"},
      {"deploy.resources.limits.pids", [](const auto& s) { return s.deploy && s.deploy->limits.pids; },
       "no container field"},
      {"pids_limit", [](const auto& s) { return s.pids_limit.has_value(); }, "no container field"},
      {"ulimits", [](const auto& s) { return !s.ulimits.empty(); }, "no container field"},
      {"devices", [](const auto& s) { return !s.devices.empty(); }, "needs a device plugin"},
      {"device_cgroup_rules", [](const auto& s) { return !s.device_cgroup_rules.empty(); }, "no container field"},
      {"security_opt", [](const auto& s) { return !s.security_opt.empty(); }, "no direct equivalent"},
      {"logging", [](const auto& s) { return s.logging.has_value(); }, "the cluster's logging applies"},
      {"stop_signal", [](const auto& s) { return s.stop_signal.has_value(); }, "Kubernetes sends SIGTERM"},
      {"init", [](const auto& s) { return s.init.value_or(false); }, "no container field"},
      {"cgroup_parent", [](const auto& s) { return s.cgroup_parent.has_value(); }, "the kubelet places pods"},
      {"cgroup", [](const auto& s) { return s.cgroup.has_value(); }, "no pod field"},
      {"userns_mode", [](const auto& s) { return s.userns_mode.has_value(); }, "no pod field"},
      {"cpuset", [](const auto& s) { return s.cpuset.has_value(); }, "needs the CPU manager"},
      {"cpu_shares", [](const auto& s) { return s.cpu_shares.has_value(); }, "use cpu requests"},
      {"cpu_quota", [](const auto& s) { return s.cpu_quota || s.cpu_period; }, "use cpu limits"},
      {"mem_swappiness", [](const auto& s) { return s.mem_swappiness || s.memswap_limit; }, "no container field"},
      {"oom_kill_disable", [](const auto& s) { return s.oom_kill_disable || s.oom_score_adj; }, "no container field"},
      {"shm_size", [](const auto& s) { return s.shm_size.has_value(); }, "mount a Memory emptyDir on /dev/shm"},
      {"mac_address", [](const auto& s) { return s.mac_address.has_value(); }, "the cluster assigns addresses"},
      {"networks.*.ipv4_address", [](const auto& s) {
         for (const auto& [_, n] : s.networks)
           if (n && (n->ipv4_address || n->ipv6_address || n->mac_address)) return true;
         return false;
       }, "the cluster assigns addresses"},
      {"platform", [](const auto& s) { return s.platform.has_value(); }, "use a nodeSelector on kubernetes.io/arch"},
      {"pre_start", [](const auto& s) { return !s.pre_start.empty(); }, "not converted"},
      {"label_file", [](const auto& s) { return !s.label_files.empty(); }, "not converted"},
  };
  for (const auto& r : rules) {
    // An init container runs until it succeeds once: restart does not apply.
    if (ctx.init_only.count(svc.name) && std::string(r.key).compare(0, 7, "restart") == 0) continue;
    if (r.set(svc)) ctx.warn(svc.name, "services." + svc.name + "." + r.key + ": not converted (" + r.why + ")");
  }
  for (const auto& [key, reason] : svc.ignored) ctx.warn(svc.name, key + ": " + reason);
}

}  // namespace racker::convert::kube
