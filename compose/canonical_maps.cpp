// Short forms whose long form is a mapping (or a list of mappings): the
// KEY=VALUE lists, depends_on, env_file, extra_hosts, build.ssh; and the
// small helpers every canonical rule shares.
#include <cctype>

#include "canonical_internal.h"

namespace racker::compose::canonical {

Error invalid(const Node& at, const std::string& path, std::string message) {
  return Error(Errc::kValidation, std::move(message), path, at.mark);
}

Error wrong_kind(const Node& at, const std::string& path, const char* expected) {
  return invalid(at, path, std::string("must be ") + expected + ", not " + at.kind_name());
}

Node as_string(const Node& scalar) { return Node::str(scalar.scalar, scalar.mark); }

Node untagged(Node n) {
  n.tag.clear();
  return n;
}

bool uninterpolated(const Node& n) { return n.is_scalar() && n.scalar.find("${") != std::string::npos; }

void replace(Node& node, Node value) {
  std::string tag = std::move(node.tag);
  node = std::move(value);
  node.tag = std::move(tag);
}

// string -> [string]; the items of a list become strings.
Status string_or_list(Node& node, const std::string& path) {
  if (node.is_scalar()) {
    Node list = Node::seq(node.mark);
    list.items.push_back(as_string(node));
    replace(node, std::move(list));
    return {};
  }
  if (!node.is_seq()) return wrong_kind(node, path, "a string or a list of strings");
  for (size_t i = 0; i < node.items.size(); ++i) {
    Node& item = node.items[i];
    if (!item.is_scalar()) return wrong_kind(item, index_path(path, i), "a string");
    item.style = ScalarStyle::kQuoted;
  }
  return {};
}

// ["K=V", "K"] -> {K: "V", K: null|""}; map values become strings. Environment
// and build args keep null (a value to look up later); labels, annotations
// and sysctls read it as "".
Status key_value_map(Node& node, const std::string& path, BareKey bare) {
  if (node.is_seq()) {
    Node map = Node::map(node.mark);
    for (size_t i = 0; i < node.items.size(); ++i) {
      const Node& item = node.items[i];
      std::string item_path = index_path(path, i);
      if (!item.is_scalar()) return wrong_kind(item, item_path, "a KEY=VALUE string");
      size_t eq = item.scalar.find('=');
      std::string key = item.scalar.substr(0, eq);
      if (key.empty()) return invalid(item, item_path, "\"" + item.scalar + "\" has no key");
      if (bare == BareKey::kError && eq == std::string::npos)
        return invalid(item, item_path, "invalid value \"" + item.scalar + "\", expected key=value");
      if (bare == BareKey::kNull && std::isspace(static_cast<unsigned char>(key.back())))
        return invalid(item, item_path, "variable \"" + key + "\" is declared with a trailing space");
      Node value = eq != std::string::npos ? Node::str(item.scalar.substr(eq + 1), item.mark)
                   : bare == BareKey::kNull ? Node::null(item.mark)
                                            : Node::str("", item.mark);
      map.set(std::move(key), std::move(value), item.mark);
    }
    replace(node, std::move(map));
    return {};
  }
  if (!node.is_map()) return wrong_kind(node, path, "a mapping or a list of KEY=VALUE strings");
  for (auto& e : node.entries) {
    if (e.value.is_scalar()) {
      e.value.style = ScalarStyle::kQuoted;
    } else if (e.value.is_null()) {
      if (bare != BareKey::kNull && e.value.tag.empty()) e.value = Node::str("", e.value.mark);
    } else if (e.value.tag != "!reset") {
      return wrong_kind(e.value, join_path(path, e.key), "a string, number, boolean or null");
    }
  }
  return {};
}

// [name, ...] -> {name: null, ...}
Status list_to_null_map(Node& node, const std::string& path) {
  if (node.is_map()) return {};
  if (!node.is_seq()) return wrong_kind(node, path, "a list or a mapping");
  Node map = Node::map(node.mark);
  for (size_t i = 0; i < node.items.size(); ++i) {
    const Node& item = node.items[i];
    if (!item.is_scalar()) return wrong_kind(item, index_path(path, i), "a name");
    map.set(item.scalar, Node::null(item.mark), item.mark);
  }
  replace(node, std::move(map));
  return {};
}

// string -> {key: string}
Status scalar_to_map(Node& node, const std::string& path, const char* key) {
  if (node.is_map()) return {};
  if (!node.is_scalar()) return wrong_kind(node, path, "a string or a mapping");
  Node map = Node::map(node.mark);
  map.set(key, as_string(node), node.mark);
  replace(node, std::move(map));
  return {};
}

// [svc] -> {svc: {condition: service_started, required: true}}; map entries
// get the same defaults.
Status depends_on(Node& node, const std::string& path) {
  if (Status st = list_to_null_map(node, path); !st) return st;
  for (auto& e : node.entries) {
    if (e.value.tag == "!reset") continue;
    if (e.value.is_null()) e.value = Node::map(e.value.mark);
    if (!e.value.is_map()) return wrong_kind(e.value, join_path(path, e.key), "a mapping");
    if (!e.value.find("condition")) e.value.set("condition", Node::str("service_started", e.key_mark), e.key_mark);
    if (!e.value.find("required")) e.value.set("required", Node::boolean(true, e.key_mark), e.key_mark);
  }
  return {};
}

// string | list of (string | {path, required?}) -> [{path, required}]
Status env_file(Node& node, const std::string& path) {
  if (node.is_scalar()) {
    Node list = Node::seq(node.mark);
    list.items.push_back(untagged(node));
    replace(node, std::move(list));
  }
  if (!node.is_seq()) return wrong_kind(node, path, "a string or a list");
  for (size_t i = 0; i < node.items.size(); ++i) {
    Node& item = node.items[i];
    if (item.is_scalar()) {
      Node entry = Node::map(item.mark);
      entry.set("path", as_string(item), item.mark);
      entry.set("required", Node::boolean(true, item.mark), item.mark);
      item = std::move(entry);
    } else if (item.is_map()) {
      if (!item.find("path")) return invalid(item, index_path(path, i), "env_file entry is missing a path");
      if (!item.find("required")) item.set("required", Node::boolean(true, item.mark), item.mark);
    } else {
      return wrong_kind(item, index_path(path, i), "a path or a mapping");
    }
  }
  return {};
}

// ["host:ip", "host=ip1,ip2"] | {host: ip | [ip]} -> {host: [ip, ...]}
Status extra_hosts(Node& node, const std::string& path) {
  Node map = Node::map(node.mark);
  auto add = [&](const std::string& host, const std::string& ips, const Node& at, const std::string& at_path) -> Status {
    if (host.empty() || host.find_first_of(":=") != std::string::npos)
      return invalid(at, at_path, "bad host name \"" + host + "\"");
    Node* list = map.find(host);
    if (!list) list = &map.set(host, Node::seq(at.mark), at.mark);
    size_t start = 0;
    while (true) {
      size_t comma = ips.find(',', start);
      std::string ip = ips.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
      if (ip.size() > 2 && ip.front() == '[' && ip.back() == ']') ip = ip.substr(1, ip.size() - 2);
      list->items.push_back(Node::str(ip, at.mark));
      if (comma == std::string::npos) break;
      start = comma + 1;
    }
    return {};
  };
  if (node.is_seq()) {
    for (size_t i = 0; i < node.items.size(); ++i) {
      const Node& item = node.items[i];
      std::string item_path = index_path(path, i);
      if (!item.is_scalar()) return wrong_kind(item, item_path, "a host:ip string");
      // "=" first, so IPv6 addresses can follow it: "myhost=::1".
      size_t sep = item.scalar.find('=');
      if (sep == std::string::npos) sep = item.scalar.find(':');
      if (sep == std::string::npos && uninterpolated(item)) return {};  // left as a list
      if (sep == std::string::npos)
        return invalid(item, item_path, "invalid extra host \"" + item.scalar + "\": missing IP address");
      if (Status st = add(item.scalar.substr(0, sep), item.scalar.substr(sep + 1), item, item_path); !st) return st;
    }
  } else if (node.is_map()) {
    for (const auto& e : node.entries) {
      std::string entry_path = join_path(path, e.key);
      if (e.value.is_scalar() || e.value.is_null()) {
        if (Status st = add(e.key, e.value.scalar, e.value, entry_path); !st) return st;
      } else if (e.value.is_seq()) {
        for (size_t i = 0; i < e.value.items.size(); ++i) {
          const Node& ip = e.value.items[i];
          if (!ip.is_scalar()) return wrong_kind(ip, index_path(entry_path, i), "an IP address");
          if (Status st = add(e.key, ip.scalar, ip, entry_path); !st) return st;
        }
      } else {
        return wrong_kind(e.value, entry_path, "an IP address or a list of them");
      }
    }
  } else {
    return wrong_kind(node, path, "a list or a mapping");
  }
  replace(node, std::move(map));
  return {};
}

// ["default", "id=path"] -> {default: null, id: path}
Status ssh(Node& node, const std::string& path) {
  if (node.is_map()) return {};
  if (node.is_scalar()) {
    if (Status st = string_or_list(node, path); !st) return st;
  }
  if (!node.is_seq()) return wrong_kind(node, path, "a list or a mapping");
  Node map = Node::map(node.mark);
  for (size_t i = 0; i < node.items.size(); ++i) {
    const Node& item = node.items[i];
    if (!item.is_scalar()) return wrong_kind(item, index_path(path, i), "a string");
    size_t eq = item.scalar.find('=');
    if (eq == std::string::npos) {
      if (item.scalar != "default") return invalid(item, index_path(path, i), "invalid ssh key \"" + item.scalar + "\"");
      map.set("default", Node::null(item.mark), item.mark);
    } else {
      map.set(item.scalar.substr(0, eq), Node::str(item.scalar.substr(eq + 1), item.mark), item.mark);
    }
  }
  replace(node, std::move(map));
  return {};
}

}  // namespace racker::compose::canonical
