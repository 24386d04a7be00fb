// canonicalize(): a walk over the document that applies, at each path
// matching a pattern of the table below, the rewrite from short to long
// syntax. Rules see the node before its children are walked, so deeper rules
// always find long-form parents. `!reset` values are left alone: merge drops
// them whatever they hold.
#include "racker/compose/canonical.h"

#include "canonical_internal.h"
#include "merge_internal.h"
#include "path_patterns.h"

namespace racker::compose {
namespace canonical {
namespace {

// ---- per-key rules ---------------------------------------------------------

Status build(Node& n, const std::string& p) { return scalar_to_map(n, p, "context"); }
Status extends(Node& n, const std::string& p) { return scalar_to_map(n, p, "service"); }
Status file_mount(Node& n, const std::string& p) { return scalar_to_map(n, p, "source"); }
Status environment(Node& n, const std::string& p) { return key_value_map(n, p, BareKey::kNull); }
Status labels(Node& n, const std::string& p) { return key_value_map(n, p, BareKey::kEmpty); }
Status strict_key_values(Node& n, const std::string& p) { return key_value_map(n, p, BareKey::kError); }
Status networks(Node& n, const std::string& p) { return list_to_null_map(n, p); }

// string -> shell words; list items -> strings.
Status command(Node& node, const std::string& path) {
  if (node.is_null()) return {};
  if (node.is_scalar()) {
    auto words = canonical::shell_split(node.scalar);
    if (!words)
      return invalid(node, path, "invalid command line \"" + node.scalar + "\": " + words.error().message);
    Node list = Node::seq(node.mark);
    for (auto& w : *words) list.items.push_back(Node::str(std::move(w), node.mark));
    replace(node, std::move(list));
    return {};
  }
  return string_or_list(node, path);
}

Status healthcheck_test(Node& node, const std::string& path) {
  if (!node.is_scalar()) return string_or_list(node, path);
  Node list = Node::seq(node.mark);
  list.items.push_back(Node::str("CMD-SHELL", node.mark));
  list.items.push_back(as_string(node));
  replace(node, std::move(list));
  return {};
}

// A list whose items may each expand to several ports.
Status ports(Node& node, const std::string& path) {
  if (!node.is_seq()) return wrong_kind(node, path, "a list");
  std::vector<Node> out;
  for (size_t i = 0; i < node.items.size(); ++i) {
    Node& item = node.items[i];
    std::string item_path = index_path(path, i);
    if (item.is_scalar()) {
      auto parsed = canonical::parse_port(item, item_path);
      if (!parsed && uninterpolated(item)) {
        out.push_back(std::move(item));
        continue;
      }
      if (!parsed) return parsed.error();
      for (auto& p : *parsed) out.push_back(std::move(p));
    } else if (item.is_map()) {
      if (Status st = canonical::complete_long_port(item, item_path); !st) return st;
      out.push_back(std::move(item));
    } else {
      return wrong_kind(item, item_path, "a port string, a number or a mapping");
    }
  }
  node.items = std::move(out);
  return {};
}

Status volume(Node& node, const std::string& path) {
  if (node.is_map()) return {};
  if (!node.is_scalar()) return wrong_kind(node, path, "a string or a mapping");
  auto parsed = canonical::parse_volume(node, path);
  if (!parsed) return parsed.error();
  replace(node, std::move(*parsed));
  return {};
}

Status device(Node& node, const std::string& path) {
  if (node.is_map()) return {};
  if (!node.is_scalar()) return wrong_kind(node, path, "a string or a mapping");
  auto parsed = canonical::parse_device(node, path);
  if (!parsed && uninterpolated(node)) return {};
  if (!parsed) return parsed.error();
  replace(node, std::move(*parsed));
  return {};
}

// ints in a list of ports to expose -> strings
Status expose(Node& node, const std::string& path) { return string_or_list(node, path); }

// n -> {soft: n, hard: n}
Status ulimit(Node& node, const std::string& path) {
  if (node.is_map() || uninterpolated(node)) return {};
  auto n = node.as_int();
  if (!node.is_scalar() || !n) return wrong_kind(node, path, "a number or a mapping with soft and hard");
  Node map = Node::map(node.mark);
  map.set("soft", Node::integer(*n, node.mark), node.mark);
  map.set("hard", Node::integer(*n, node.mark), node.mark);
  replace(node, std::move(map));
  return {};
}

Status to_string(Node& node, const std::string&) {
  if (node.is_scalar()) node.style = ScalarStyle::kQuoted;
  return {};
}

// "all" -> [{count: all}]
Status gpus(Node& node, const std::string& path) {
  if (node.is_seq()) return {};
  if (!node.is_scalar()) return wrong_kind(node, path, "\"all\" or a list");
  Node list = Node::seq(node.mark);
  Node all = Node::map(node.mark);
  all.set("count", Node::str("all", node.mark), node.mark);
  list.items.push_back(std::move(all));
  replace(node, std::move(list));
  return {};
}

// networks/volumes/secrets/configs.<name>: null -> {}; external: {name: N}
// (deprecated) -> external: true, name: N.
Status resource(Node& node, const std::string& path) {
  if (node.is_null()) {
    replace(node, Node::map(node.mark));
    return {};
  }
  if (!node.is_map()) return wrong_kind(node, path, "a mapping");
  Node* external = node.find("external");
  if (!external || !external->is_map()) return {};
  Node ext = *external;
  *external = Node::boolean(true, ext.mark);
  if (const Node* ext_name = ext.find("name")) {
    const Node* name = node.find("name");
    if (name && !same_value(*name, *ext_name))
      return invalid(*ext_name, join_path(path, "external.name"), "name and external.name conflict; only use name");
    if (!name) node.set("name", as_string(*ext_name), ext_name->mark);
  }
  return {};
}

// include entries: path -> {path: [path]}; path and env_file become lists.
Status include_entry(Node& node, const std::string& path) {
  if (node.is_scalar()) {
    Node map = Node::map(node.mark);
    map.set("path", untagged(node), node.mark);
    replace(node, std::move(map));
  }
  if (!node.is_map()) return wrong_kind(node, path, "a path or a mapping");
  Node* p = node.find("path");
  if (!p) return invalid(node, path, "include entry is missing a path");
  if (Status st = string_or_list(*p, join_path(path, "path")); !st) return st;
  if (p->items.empty()) return invalid(*p, join_path(path, "path"), "include entry is missing a path");
  if (Node* env = node.find("env_file")) return string_or_list(*env, join_path(path, "env_file"));
  return {};
}

// ---- the table -------------------------------------------------------------

struct PathRule {
  const char* pattern;  // dot-separated; `*` matches one key or sequence item
  Rule rule;
};

const PathRule kRules[] = {
    {"services.*.build", build},
    {"services.*.build.args", environment},
    {"services.*.build.labels", labels},
    {"services.*.build.additional_contexts", strict_key_values},
    {"services.*.build.extra_hosts", extra_hosts},
    {"services.*.build.secrets.*", file_mount},
    {"services.*.build.ssh", ssh},
    {"services.*.build.ulimits.*", ulimit},
    {"services.*.build.provenance", to_string},
    {"services.*.build.sbom", to_string},
    {"services.*.command", command},
    {"services.*.entrypoint", command},
    {"services.*.depends_on", depends_on},
    {"services.*.environment", environment},
    {"services.*.env_file", env_file},
    {"services.*.label_file", string_or_list},
    {"services.*.labels", labels},
    {"services.*.annotations", labels},
    {"services.*.sysctls", labels},
    {"services.*.deploy.labels", labels},
    {"services.*.extra_hosts", extra_hosts},
    {"services.*.healthcheck.test", healthcheck_test},
    {"services.*.networks", networks},
    {"services.*.ports", ports},
    {"services.*.expose", expose},
    {"services.*.volumes.*", volume},
    {"services.*.volumes.*.volume.labels", labels},
    {"services.*.devices.*", device},
    {"services.*.secrets.*", file_mount},
    {"services.*.configs.*", file_mount},
    {"services.*.ulimits.*", ulimit},
    {"services.*.dns", string_or_list},
    {"services.*.dns_search", string_or_list},
    {"services.*.dns_opt", string_or_list},
    {"services.*.tmpfs", string_or_list},
    {"services.*.cap_add", string_or_list},
    {"services.*.cap_drop", string_or_list},
    {"services.*.extends", extends},
    {"services.*.gpus", gpus},
    {"services.*.post_start.*.command", command},
    {"services.*.pre_stop.*.command", command},
    {"services.*.pre_start.*.command", command},
    {"services.*.post_start.*.environment", environment},
    {"services.*.pre_stop.*.environment", environment},
    {"services.*.pre_start.*.environment", environment},
    {"services.*.develop.watch.*.ignore", string_or_list},
    {"services.*.develop.watch.*.include", string_or_list},
    {"networks.*", resource},
    {"networks.*.labels", labels},
    {"volumes.*", resource},
    {"volumes.*.labels", labels},
    {"secrets.*", resource},
    {"secrets.*.labels", labels},
    {"configs.*", resource},
    {"configs.*.labels", labels},
    {"include.*", include_entry},
};

}  // namespace
}  // namespace canonical

namespace {

const PathPatterns& compiled_rules() {
  static const PathPatterns rules = PathPatterns::of(canonical::kRules);
  return rules;
}

// `path` is the node's key path, `depth` its number of segments and `alive`
// the rules matching them.
Status walk(Node& node, const std::string& path, size_t depth, PathPatterns::Set alive) {
  if (node.tag == "!reset") return {};
  const PathPatterns& rules = compiled_rules();
  if (depth > 0) {
    if (int i = rules.complete(alive, depth); i >= 0) {
      if (Status st = canonical::kRules[i].rule(node, path); !st) return st;
    }
  }
  if (!rules.deeper(alive, depth)) return {};
  if (node.is_map()) {
    for (auto& e : node.entries) {
      PathPatterns::Set next = rules.step(alive, depth, e.key);
      if (!next) continue;
      if (Status st = walk(e.value, join_path(path, e.key), depth + 1, next); !st) return st;
    }
  } else if (node.is_seq()) {
    PathPatterns::Set next = rules.step(alive, depth, "[]");
    if (!next) return {};
    for (size_t i = 0; i < node.items.size(); ++i) {
      if (Status st = walk(node.items[i], index_path(path, i), depth + 1, next); !st) return st;
    }
  }
  return {};
}

}  // namespace

Status canonicalize(Node& doc) {
  if (Status st = walk(doc, "", 0, compiled_rules().all()); !st) return st;
  // Within one file too, a second entry for the same port, mount or
  // variable replaces the first, as compose's unicity pass does.
  dedupe_unique_sequences(doc);
  return {};
}

}  // namespace racker::compose
