// The Kubernetes objects of a project: which exist, their Services and
// NetworkPolicies, and the output files. Pods are built in kubernetes_pod.cpp.
#include "racker/convert/kubernetes.h"

#include "kubernetes_internal.h"

namespace racker::convert {
namespace kube {

Json Context::selector(const std::string& service) const {
  return {{"app.kubernetes.io/name", kube_name(service)}, {"app.kubernetes.io/part-of", kube_name(project.name)}};
}

Json metadata(const Context& ctx, const std::string& name, const std::string& service) {
  Json labels = {{"app.kubernetes.io/part-of", kube_name(ctx.project.name)}};
  if (!service.empty()) labels = ctx.selector(service);
  return {{"name", name}, {"labels", labels}};
}

namespace {

Object make(const Context& ctx, const char* api, const char* kind, const std::string& name,
            const std::string& service) {
  Object o{kind, name, service, Json::object()};
  o.body = {{"apiVersion", api}, {"kind", kind}, {"metadata", metadata(ctx, name, service)}};
  return o;
}

// Services a dependent waits for to complete run as its init containers.
void find_init_only(Context& ctx) {
  for (const auto& s : ctx.in.graph->services()) {
    for (const auto& e : ctx.in.graph->dependencies_of(s)) {
      if (e.condition == "service_completed_successfully") ctx.init_only.insert(e.to);
    }
  }
  for (const auto& s : ctx.in.graph->services()) {
    for (const auto& e : ctx.in.graph->dependencies_of(s)) {
      if (ctx.init_only.count(e.to) && e.condition != "service_completed_successfully")
        ctx.warn(s, "services." + s + "." + (e.kind == compose::EdgeKind::kDependsOn ? "depends_on." : "") + e.to +
                        ": " + e.to + " runs as an init container of the services that wait for it to complete; " +
                        s + " cannot reach it");
    }
  }
  for (const auto& s : ctx.init_only) {
    const auto& svc = ctx.project.services.at(s);
    if (!svc.ports.empty() || !svc.expose.empty())
      ctx.warn(s, "services." + s + ": ports not converted: it runs as an init container");
    if (svc.replicas() != 1) ctx.warn(s, "services." + s + ": replicas not converted: it runs as an init container");
  }
}

void warn_dependencies(Context& ctx, const std::string& service) {
  std::string list;
  for (const auto& e : ctx.in.graph->dependencies_of(service)) {
    if (e.condition == "service_completed_successfully" && ctx.init_only.count(e.to)) continue;
    if (ctx.init_only.count(e.to)) continue;  // warned about in find_init_only
    list += (list.empty() ? "" : ", ") + e.to + " (" +
            (e.kind == compose::EdgeKind::kDependsOn ? e.condition : std::string("implicit")) + ")";
  }
  if (ctx.init_only.count(service)) {
    for (const auto& e : ctx.in.graph->dependencies_of(service)) {
      if (!ctx.init_only.count(e.to))
        ctx.warn(service, "services." + service + ".depends_on." + e.to + ": as an init container " + service +
                              " starts before " + e.to + " is " +
                              (e.condition == "service_healthy" ? "healthy" : "started") + "; it must retry");
    }
    return;
  }
  if (!list.empty())
    ctx.warn(service, "services." + service + ".depends_on: " + list +
                          ": not converted, Kubernetes starts pods in any order (a Service name resolves before its "
                          "pods are ready); the service must retry");
}

Result<Object> deployment(Context& ctx, const std::string& service) {
  const auto& svc = ctx.project.services.at(service);
  auto pod = pod_spec(ctx, service);
  if (!pod) return pod.error();
  Object d = make(ctx, "apps/v1", "Deployment", kube_name(service), service);
  Json template_meta = {{"labels", ctx.selector(service)}};
  if (svc.network_mode != "host") {
    for (const auto& [net, _] : svc.networks) template_meta["labels"][network_label(net)] = "true";
  }
  Json annotations = Json::object();
  for (const auto& [k, v] : svc.labels) annotations[k] = v;
  for (const auto& [k, v] : svc.annotations) annotations[k] = v;
  if (!annotations.empty()) template_meta["annotations"] = annotations;
  Json spec = {{"replicas", svc.replicas()}, {"selector", {{"matchLabels", ctx.selector(service)}}}};
  // A ReadWriteOnce claim cannot be attached to an old and a new pod at once.
  if (pod->contains("volumes")) {
    for (const auto& v : (*pod)["volumes"])
      if (v.contains("persistentVolumeClaim")) spec["strategy"] = {{"type", "Recreate"}};
  }
  spec["template"] = {{"metadata", template_meta}, {"spec", *pod}};
  d.body["spec"] = spec;
  return d;
}

// A ClusterIP Service for the ports (published or exposed), a headless one
// when there are none, so the name resolves either way; one per usable alias.
std::vector<Object> services(Context& ctx, const std::string& service) {
  const auto& svc = ctx.project.services.at(service);
  Json ports = Json::array();
  std::set<std::string> seen;
  bool loopback = false;
  std::string published;
  auto add = [&](int port, int target, std::string proto) {
    for (auto& ch : proto) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
    std::string name = std::to_string(port) + "-" + kube_name(proto);
    if (!seen.insert(name).second) return;
    ports.push_back({{"name", name}, {"port", port}, {"targetPort", target}, {"protocol", proto}});
  };
  for (const auto& p : svc.ports) {
    int port = p.target;
    if (!p.published.empty()) {
      std::string first = p.published.substr(0, p.published.find('-'));
      port = std::stoi(first);
      if (first != p.published)
        ctx.warn(service, "services." + service + ".ports: the range " + p.published + " becomes its first port");
      published += (published.empty() ? "" : ", ") + p.published;
    }
    if (p.host_ip == "127.0.0.1" || p.host_ip == "::1") loopback = true;
    add(port, p.target, p.protocol);
  }
  for (const auto& e : svc.expose) {
    std::string num = e.substr(0, e.find('/'));
    if (num.empty() || num.find_first_not_of("0123456789") != std::string::npos) continue;
    add(std::stoi(num), std::stoi(num), e.find('/') == std::string::npos ? "tcp" : e.substr(e.find('/') + 1));
  }
  if (!published.empty())
    ctx.warn(service, "services." + service + ".ports: published on the host (" + published +
                          (loopback ? ", loopback only" : "") +
                          "): a ClusterIP Service; reach it with kubectl port-forward, a NodePort or an Ingress");
  std::vector<Object> out;
  auto make_service = [&](const std::string& name) {
    Object s = make(ctx, "v1", "Service", name, service);
    Json spec = Json::object();
    if (ports.empty()) spec["clusterIP"] = "None";  // headless: the name still resolves to the pods
    spec["selector"] = ctx.selector(service);
    if (!ports.empty()) spec["ports"] = ports;
    s.body["spec"] = spec;
    out.push_back(s);
  };
  make_service(kube_name(service));
  if (kube_name(service) != service)
    ctx.warn(service, "services." + service + ": its Service is named " + kube_name(service) +
                          " (Kubernetes names are DNS labels)");
  std::set<std::string> aliases;
  for (const auto& [net, opts] : svc.networks) {
    if (!opts) continue;
    for (const auto& a : opts->aliases) {
      if (a == service || !aliases.insert(a).second) continue;
      if (is_dns_label(a) && !ctx.project.services.count(a)) {
        make_service(a);
      } else {
        ctx.warn(service, "services." + service + ".networks." + net + ".aliases: \"" + a +
                              "\" is not a DNS label or clashes with a service, not converted");
      }
    }
  }
  return out;
}

// Compose networks isolate: pods take ingress only from pods of a network
// they share; internal networks also limit egress to their pods and DNS.
// NetworkPolicies add up, so a pod on two networks gets both.
std::vector<Object> network_policies(Context& ctx, const std::vector<std::string>& deployed) {
  std::vector<Object> out;
  std::set<std::string> used;
  for (const auto& s : deployed) {
    const auto& svc = ctx.project.services.at(s);
    if (svc.network_mode == "host") continue;
    for (const auto& [net, _] : svc.networks) used.insert(net);
  }
  for (const auto& net : used) {
    const auto& n = ctx.project.networks.at(net);
    Json members = {{"matchLabels", {{"app.kubernetes.io/part-of", kube_name(ctx.project.name)}, {network_label(net), "true"}}}};
    Object p = make(ctx, "networking.k8s.io/v1", "NetworkPolicy", "network-" + kube_name(net), "");
    Json spec = {{"podSelector", members},
                 {"policyTypes", {"Ingress", "Egress"}},
                 {"ingress", {{{"from", {{{"podSelector", members}}}}}}}};
    if (n.internal) {
      Json dns = {{"to", {{{"namespaceSelector", Json::object()}}}},
                  {"ports", {{{"protocol", "UDP"}, {"port", 53}}, {{"protocol", "TCP"}, {"port", 53}}}}};
      spec["egress"] = {{{"to", {{{"podSelector", members}}}}}, dns};
    } else {
      spec["egress"] = Json::array({Json::object()});  // anywhere
    }
    p.body["spec"] = spec;
    out.push_back(p);
    if (!n.driver.empty() && n.driver != "bridge")
      ctx.warn("", "networks." + net + ".driver: \"" + n.driver + "\" not converted");
    if (!n.ipam.empty() || n.ipam_driver) ctx.warn("", "networks." + net + ".ipam: not converted (the cluster assigns addresses)");
    if (n.external) ctx.warn("", "networks." + net + ": external, converted as a project network");
  }
  // Published ports are reachable from outside the project's networks.
  for (const auto& s : deployed) {
    const auto& svc = ctx.project.services.at(s);
    if (svc.ports.empty()) continue;
    Json ports = Json::array();
    std::set<std::pair<int, std::string>> seen;
    for (const auto& p : svc.ports) {
      std::string proto = p.protocol;
      for (auto& ch : proto) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
      if (seen.insert({p.target, proto}).second) ports.push_back({{"protocol", proto}, {"port", p.target}});
    }
    Object p = make(ctx, "networking.k8s.io/v1", "NetworkPolicy", "published-" + kube_name(s), s);
    p.body["spec"] = {{"podSelector", {{"matchLabels", ctx.selector(s)}}},
                      {"policyTypes", {"Ingress"}},
                      {"ingress", {{{"ports", ports}}}}};
    out.push_back(p);
  }
  return out;
}

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

}  // namespace
}  // namespace kube

Result<Conversion> to_kubernetes(const KubernetesInput& input, compose::FileReader& files) {
  kube::Context ctx{input, files, *input.project, {}, {}, {}, {}, {}};
  kube::find_init_only(ctx);
  std::vector<kube::Object> per_service;
  std::vector<std::string> deployed;
  for (const auto& [name, svc] : ctx.project.services) {
    kube::warn_unconverted(ctx, svc);
    kube::warn_dependencies(ctx, name);
    if (ctx.init_only.count(name)) continue;
    auto d = kube::deployment(ctx, name);
    if (!d) return d.error();
    per_service.push_back(*d);
    for (auto& s : kube::services(ctx, name)) per_service.push_back(std::move(s));
    deployed.push_back(name);
  }
  for (const auto& [key, reason] : ctx.project.ignored) ctx.warn("", key + ": " + reason);

  std::vector<kube::Object> objects;
  for (auto* pool : {&ctx.config_maps, &ctx.secrets, &ctx.claims})
    for (auto& [_, o] : *pool) objects.push_back(o);
  for (auto& o : per_service) objects.push_back(o);
  for (auto& o : kube::network_policies(ctx, deployed)) objects.push_back(o);

  Conversion out;
  out.warnings = ctx.warnings;
  std::string resources;
  for (const auto& o : objects) {
    auto text = emit_yaml(o.body);
    if (!text) return text.error();
    std::string header;
    if (o.kind == "Deployment") header = warning_comments(out.warnings, &o.subject);
    std::string file = o.name + "-" + kube::lower(o.kind) + ".yaml";
    out.files.push_back({file, header + *text});
    resources += "  - " + file + "\n";
  }
  out.files.push_back({"kustomization.yaml", warning_comments(out.warnings, nullptr) +
                                                 "apiVersion: kustomize.config.k8s.io/v1beta1\n"
                                                 "kind: Kustomization\n"
                                                 "resources:\n" +
                                                 resources});
  return out;
}

std::string kubernetes_stream(const Conversion& conversion) {
  std::string out = warning_comments(conversion.warnings, nullptr);
  for (const auto& f : conversion.files) {
    if (f.name == "kustomization.yaml") continue;
    // Per-file warning comments are already at the top of the stream.
    std::string body = f.content;
    while (body.compare(0, 1, "#") == 0) body.erase(0, body.find('\n') + 1);
    out += "---\n" + body;
  }
  return out;
}

std::map<std::string, std::vector<std::string>> env_files_of(const compose::Node& doc,
                                                             const std::string& project_dir) {
  std::map<std::string, std::vector<std::string>> out;
  const compose::Node* services = doc.find("services");
  if (!services || !services->is_map()) return out;
  auto absolute = [&](const std::string& p) { return !p.empty() && p[0] == '/' ? p : project_dir + "/" + p; };
  for (const auto& e : services->entries) {
    const compose::Node* env_file = e.value.find("env_file");
    if (!env_file) continue;
    auto& paths = out[e.key];
    if (env_file->is_scalar()) paths.push_back(absolute(env_file->scalar));
    for (const auto& item : env_file->items) {
      if (item.is_scalar()) paths.push_back(absolute(item.scalar));
      else if (const compose::Node* p = item.find("path"); p && p->is_scalar()) paths.push_back(absolute(p->scalar));
    }
  }
  return out;
}

}  // namespace racker::convert
