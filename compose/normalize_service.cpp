// Per-service normalization: compose's implicit defaults and dependencies,
// unit spellings, and scale vs deploy.replicas.
#include <filesystem>

#include "normalize_internal.h"
#include "racker/compose/model.h"

namespace racker::compose::normalize_detail {
namespace {

void set_default(Node& map, const char* key, Node value) {
  if (map.is_map() && !map.find(key)) map.set(key, std::move(value), map.mark);
}

// Go's path.Clean for container paths (pure, lexical).
std::string clean_path(const std::string& p) {
  if (p.empty()) return p;
  std::string out = std::filesystem::path(p).lexically_normal().generic_string();
  while (out.size() > 1 && out.back() == '/') out.pop_back();
  return out.empty() ? "." : out;
}

// An implicit dependency compose adds for links, shared namespaces and
// volumes_from; an explicit depends_on entry for the same service wins.
void add_implicit_dependency(Node& service, const std::string& target, bool restart, const NodeMark& at) {
  if (target.empty()) return;
  Node* deps = service.find("depends_on");
  if (!deps || deps->is_null()) deps = &service.set("depends_on", Node::map(at), at);
  if (!deps->is_map() || deps->find(target)) return;
  Node dep = Node::map(at);
  dep.set("condition", Node::str("service_started", at));
  dep.set("restart", Node::boolean(restart, at));
  dep.set("required", Node::boolean(true, at));
  deps->set(target, std::move(dep), at);
}

void implicit_dependencies(Node& service) {
  if (const Node* links = service.find("links"); links && links->is_seq()) {
    std::vector<std::pair<std::string, NodeMark>> targets;
    for (const Node& l : links->items)
      if (l.is_scalar()) targets.emplace_back(l.scalar.substr(0, l.scalar.find(':')), l.mark);
    for (auto& [t, m] : targets) add_implicit_dependency(service, t, true, m);
  }
  for (const char* key : {"network_mode", "ipc", "pid", "uts", "cgroup"}) {
    const Node* n = service.find(key);
    if (n && n->is_scalar() && n->scalar.compare(0, 8, "service:") == 0) {
      NodeMark m = n->mark;
      add_implicit_dependency(service, n->scalar.substr(8), true, m);
    }
  }
  if (const Node* from = service.find("volumes_from"); from && from->is_seq()) {
    std::vector<std::pair<std::string, NodeMark>> targets;
    for (const Node& v : from->items)
      if (v.is_scalar() && v.scalar.compare(0, 10, "container:") != 0)
        targets.emplace_back(v.scalar.substr(0, v.scalar.find(':')), v.mark);
    for (auto& [t, m] : targets) add_implicit_dependency(service, t, false, m);
  }
}

void rewrite_duration(Node* n) {
  if (!n || !n->is_scalar()) return;
  if (auto d = model::parse_duration(n->scalar)) *n = Node::str(model::format_duration(*d), n->mark);
}

void rewrite_bytes(Node* n) {
  if (!n || !n->is_scalar()) return;
  if (auto b = model::parse_bytes(n->scalar)) *n = Node::str(std::to_string(*b), n->mark);
}

// The node at a dotted path below `n` ("healthcheck.interval"), or nullptr.
Node* at_path(Node& n, std::initializer_list<const char*> keys) {
  Node* cur = &n;
  for (const char* k : keys) {
    cur = cur->find(k);
    if (!cur) return nullptr;
  }
  return cur;
}

}  // namespace

void fill_service_defaults(Node& service) {
  if (Node* policy = service.find("pull_policy"); policy && policy->is_scalar() && policy->scalar == "if_not_present")
    *policy = Node::str("missing", policy->mark);

  if (Node* build = service.find("build"); build && build->is_map()) {
    set_default(*build, "context", Node::str("."));
    if (!build->find("dockerfile_inline")) set_default(*build, "dockerfile", Node::str("Dockerfile"));
  }

  if (Node* deps = service.find("depends_on"); deps && deps->is_map()) {
    for (Entry& e : deps->entries) {
      set_default(e.value, "condition", Node::str("service_started", e.key_mark));
      set_default(e.value, "required", Node::boolean(true, e.key_mark));
    }
  }
  implicit_dependencies(service);

  if (Node* ports = service.find("ports"); ports && ports->is_seq()) {
    for (Node& p : ports->items) {
      set_default(p, "mode", Node::str("ingress", p.mark));
      set_default(p, "protocol", Node::str("tcp", p.mark));
    }
  }

  if (Node* secrets = service.find("secrets"); secrets && secrets->is_seq()) {
    for (Node& s : secrets->items) {
      const Node* source = s.find("source");
      if (source && source->is_scalar()) set_default(s, "target", Node::str("/run/secrets/" + source->scalar, s.mark));
    }
  }

  if (Node* volumes = service.find("volumes"); volumes && volumes->is_seq()) {
    for (Node& v : volumes->items) {
      if (Node* target = v.find("target"); target && target->is_scalar())
        *target = Node::str(clean_path(target->scalar), target->mark);
      if (Node* bind = v.find("bind")) set_default(*bind, "create_host_path", Node::boolean(true, bind->mark));
    }
  }

  if (Node* files = service.find("env_file"); files && files->is_seq()) {
    for (Node& f : files->items) set_default(f, "required", Node::boolean(true, f.mark));
  }

  // pre_start steps run the service's image unless they name their own.
  const Node* image = service.find("image");
  if (Node* hooks = service.find("pre_start"); hooks && hooks->is_seq() && image && image->is_scalar()) {
    for (Node& h : hooks->items) set_default(h, "image", Node::str(image->scalar, h.mark));
  }
}

void canonical_units(Node& service) {
  rewrite_duration(service.find("stop_grace_period"));
  for (const char* k : {"interval", "timeout", "start_period", "start_interval"})
    rewrite_duration(at_path(service, {"healthcheck", k}));
  for (const char* k : {"delay", "window"}) rewrite_duration(at_path(service, {"deploy", "restart_policy", k}));
  for (const char* section : {"update_config", "rollback_config"})
    for (const char* k : {"delay", "monitor"}) rewrite_duration(at_path(service, {"deploy", section, k}));

  for (const char* k : {"mem_limit", "mem_reservation", "memswap_limit", "shm_size"}) rewrite_bytes(service.find(k));
  rewrite_bytes(at_path(service, {"build", "shm_size"}));
  rewrite_bytes(at_path(service, {"deploy", "resources", "limits", "memory"}));
  rewrite_bytes(at_path(service, {"deploy", "resources", "reservations", "memory"}));
  if (Node* volumes = service.find("volumes"); volumes && volumes->is_seq())
    for (Node& v : volumes->items) rewrite_bytes(at_path(v, {"tmpfs", "size"}));
}

Status reconcile_scale(Node& service, const std::string& path) {
  const Node* scale = service.find("scale");
  Node* deploy = service.find("deploy");
  if (!scale || !deploy || !deploy->is_map()) return ok_status();
  auto n = scale->as_int();
  if (!n) return ok_status();  // bind reports the type
  if (const Node* replicas = deploy->find("replicas")) {
    auto r = replicas->as_int();
    if (r && *r != *n)
      return Error(Errc::kValidation,
                   "can't set distinct values on 'scale' and 'deploy.replicas' (" + std::to_string(*n) + " and " +
                       std::to_string(*r) + ")",
                   join_path(path, "scale"), scale->mark);
  }
  deploy->set("replicas", Node::integer(*n, scale->mark));
  return ok_status();
}

}  // namespace racker::compose::normalize_detail
