// normalize(): the merged document made complete and explicit, in the order
// compose-go's loader does it. Project-wide steps live here; per-service
// ones in normalize_service.cpp and normalize_env.cpp.
#include "racker/compose/normalize.h"

#include <algorithm>
#include <cctype>

#include "normalize_internal.h"
#include "racker/compose/paths.h"

namespace racker::compose {
namespace {

using normalize_detail::is_true;

void set_project_name(Node& doc, const std::string& name) {
  NodeMark mark;
  if (const Entry* e = doc.find_entry("name")) mark = e->key_mark;
  doc.erase("name");
  doc.entries.insert(doc.entries.begin(), Entry{"name", Node::str(name, mark), mark});
}

// A service joins `default` unless it says otherwise; `default` is declared
// only when some service uses it.
void add_default_network(Node& doc) {
  Node* services = doc.find("services");
  if (!services || !services->is_map()) return;
  bool uses_default = false;
  for (Entry& e : services->entries) {
    Node& s = e.value;
    if (!s.is_map() || s.find("network_mode") || s.find("provider")) continue;
    Node* nets = s.find("networks");
    if (!nets || nets->is_null() || (nets->is_map() && nets->entries.empty()) ||
        (nets->is_seq() && nets->items.empty())) {
      Node m = Node::map(nets ? nets->mark : s.mark);
      m.set("default", Node::null());
      s.set("networks", std::move(m));
      uses_default = true;
    } else if ((nets->is_map() && nets->find("default")) ||
               (nets->is_seq() && std::any_of(nets->items.begin(), nets->items.end(),
                                              [](const Node& n) { return n.scalar == "default"; }))) {
      uses_default = true;
    }
  }
  if (!uses_default) return;
  Node* networks = doc.find("networks");
  if (!networks || networks->is_null()) networks = &doc.set("networks", Node::map());
  if (networks->is_map() && !networks->find("default")) networks->set("default", Node::map());
}

// networks/volumes/secrets/configs: the real name is `name`, else the key for
// external resources, else <project>_<key>.
void name_resources(Node& doc, const std::string& project) {
  for (const char* section : {"networks", "volumes", "secrets", "configs"}) {
    Node* resources = doc.find(section);
    if (!resources || !resources->is_map()) continue;
    for (Entry& e : resources->entries) {
      if (e.value.is_null()) e.value = Node::map(e.value.mark);
      if (!e.value.is_map()) continue;  // bind reports the type
      const Node* name = e.value.find("name");
      if (name && !name->is_null()) continue;
      const Node* external = e.value.find("external");
      std::string real = is_true(external) ? e.key : project + "_" + e.key;
      e.value.set("name", Node::str(real, e.key_mark));
    }
  }
}

// configs.*.environment: the value is copied into `content`, as compose does.
// (Secret values stay out of the document; the runtime reads them.)
void resolve_config_contents(Node& doc, const Lookup& lookup) {
  Node* configs = doc.find("configs");
  if (!configs || !configs->is_map() || !lookup) return;
  for (Entry& e : configs->entries) {
    const Node* env = e.value.find("environment");
    if (!env || !env->is_scalar()) continue;
    if (auto value = lookup(env->scalar)) e.value.set("content", Node::str(*value, env->mark));
  }
}

}  // namespace

Status normalize(Node& doc, const NormalizeContext& ctx) {
  if (!doc.is_map()) return Error(Errc::kValidation, "top-level object must be a mapping", "", doc.mark);
  set_project_name(doc, ctx.project_name);

  Node* services = doc.find("services");
  if (services && services->is_map()) {
    for (Entry& e : services->entries) {
      if (!e.value.is_map()) continue;  // bind reports it
      normalize_detail::fill_service_defaults(e.value);
      normalize_detail::canonical_units(e.value);
    }
  }

  resolve_paths(doc, ctx.project_dir, ctx.home);

  if (services && services->is_map()) {
    for (Entry& e : services->entries) {
      if (!e.value.is_map()) continue;
      std::string path = join_path("services", e.key);
      if (auto st = normalize_detail::resolve_service_environment(e.value, path, ctx); !st) return st;
      if (auto st = normalize_detail::reconcile_scale(e.value, path); !st) return st;
    }
  }

  add_default_network(doc);
  name_resources(doc, ctx.project_name);
  resolve_config_contents(doc, ctx.lookup);
  return ok_status();
}

namespace normalize_detail {

namespace {
std::string lowered(const Node* n) {
  if (!n || !n->is_scalar()) return "";
  std::string v = n->scalar;
  std::transform(v.begin(), v.end(), v.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return v;
}
}  // namespace

bool is_true(const Node* n) { return lowered(n) == "true"; }
bool is_false(const Node* n) { return lowered(n) == "false"; }

}  // namespace normalize_detail
}  // namespace racker::compose
