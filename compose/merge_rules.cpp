// The tables behind merge: which paths combine specially, and which
// sequences hold items with an identity (compose-go's override/merge.go and
// override/uncity.go, over racker's canonical shapes).
#include <unordered_map>

#include "merge_internal.h"
#include "path_patterns.h"

namespace racker::compose {
namespace {

struct RuleEntry {
  const char* pattern;
  MergeRule rule;
};

// environment, labels and the like are lists in compose-go's merge; here
// they are already mappings, so "later KEY=... wins" is a flat merge.
const RuleEntry kMergeRules[] = {
    {"services.*.command", MergeRule::kReplace},
    {"services.*.entrypoint", MergeRule::kReplace},
    {"services.*.healthcheck.test", MergeRule::kReplace},
    {"services.*.ulimits.*", MergeRule::kReplace},
    {"services.*.environment", MergeRule::kFlat},
    {"services.*.labels", MergeRule::kFlat},
    {"services.*.annotations", MergeRule::kFlat},
    {"services.*.sysctls", MergeRule::kFlat},
    {"services.*.deploy.labels", MergeRule::kFlat},
    {"services.*.build.args", MergeRule::kFlat},
    {"services.*.build.labels", MergeRule::kFlat},
    {"services.*.build.additional_contexts", MergeRule::kFlat},
    {"services.*.volumes.*.volume.labels", MergeRule::kFlat},
    {"networks.*.labels", MergeRule::kFlat},
    {"volumes.*.labels", MergeRule::kFlat},
    {"services.*.extra_hosts", MergeRule::kHostUnion},
    {"services.*.build.extra_hosts", MergeRule::kHostUnion},
    {"services.*.logging", MergeRule::kLogging},
    {"networks.*.ipam.config", MergeRule::kIpamConfig},
};

std::optional<std::string> scalar_text(const Node& item) {
  if (!item.is_scalar()) return std::nullopt;
  return item.scalar;
}

// "KEY=value" and "KEY" share the key KEY.
std::optional<std::string> by_key(const Node& item) {
  if (!item.is_scalar()) return std::nullopt;
  return item.scalar.substr(0, item.scalar.find('='));
}

std::optional<std::string> field(const Node& item, const char* name) {
  const Node* f = item.find(name);
  if (!f || !f->is_scalar()) return std::nullopt;
  return f->scalar;
}

std::optional<std::string> by_target(const Node& item) { return field(item, "target"); }

std::optional<std::string> by_device_target(const Node& item) {
  if (auto t = field(item, "target")) return t;
  return field(item, "source");
}

std::optional<std::string> by_path(const Node& item) { return field(item, "path"); }

// Secrets land in /run/secrets/<source> unless a target says otherwise.
std::optional<std::string> by_secret_target(const Node& item) {
  if (auto t = field(item, "target")) return t;
  if (auto s = field(item, "source")) return "/run/secrets/" + *s;
  return std::nullopt;
}

std::optional<std::string> by_config_target(const Node& item) {
  if (auto t = field(item, "target")) return t;
  if (auto s = field(item, "source")) return "/" + *s;
  return std::nullopt;
}

// {host_ip, published, target, protocol}, with compose's defaults.
std::optional<std::string> by_port(const Node& item) {
  auto target = field(item, "target");
  if (!target) return std::nullopt;
  return field(item, "host_ip").value_or("0.0.0.0") + ":" + field(item, "published").value_or("") + ":" + *target +
         "/" + field(item, "protocol").value_or("tcp");
}

struct UniqueEntry {
  const char* pattern;
  Indexer indexer;
};

const UniqueEntry kUniqueRules[] = {
    {"services.*.ports", by_port},
    {"services.*.volumes", by_target},
    {"services.*.devices", by_device_target},
    {"services.*.secrets", by_secret_target},
    {"services.*.configs", by_config_target},
    {"services.*.env_file", by_path},
    {"services.*.expose", scalar_text},
    {"services.*.dns", by_key},
    {"services.*.dns_opt", by_key},
    {"services.*.dns_search", by_key},
    {"services.*.tmpfs", by_key},
    {"services.*.cap_add", by_key},
    {"services.*.cap_drop", by_key},
    {"services.*.links", by_key},
    {"services.*.profiles", by_key},
    {"services.*.build.tags", by_key},
    {"services.*.build.platforms", by_key},
    {"services.*.networks.*.aliases", by_key},
    {"services.*.networks.*.link_local_ips", by_key},
};

const PathPatterns& unique_patterns() {
  static const PathPatterns patterns = PathPatterns::of(kUniqueRules);
  return patterns;
}

// `depth` segments so far, matched by the patterns of `alive`.
void dedupe_walk(Node& node, size_t depth, PathPatterns::Set alive) {
  const PathPatterns& patterns = unique_patterns();
  if (node.is_seq()) {
    if (int i = patterns.complete(alive, depth); i >= 0 && depth > 0) dedupe(node, kUniqueRules[i].indexer);
    if (!patterns.deeper(alive, depth)) return;
    PathPatterns::Set next = patterns.step(alive, depth, "[]");
    if (!next) return;
    for (auto& item : node.items) dedupe_walk(item, depth + 1, next);
  } else if (node.is_map()) {
    if (!patterns.deeper(alive, depth)) return;
    for (auto& e : node.entries) {
      if (PathPatterns::Set next = patterns.step(alive, depth, e.key)) dedupe_walk(e.value, depth + 1, next);
    }
  }
}

}  // namespace

bool path_matches(std::string_view pattern, const std::vector<std::string>& segments) {
  size_t i = 0, start = 0;
  while (true) {
    size_t dot = pattern.find('.', start);
    std::string_view part = pattern.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start);
    if (i >= segments.size()) return false;
    if (part != "*" && part != segments[i]) return false;
    ++i;
    if (dot == std::string_view::npos) return i == segments.size();
    start = dot + 1;
  }
}

MergeRule merge_rule_for(const std::vector<std::string>& segments) {
  for (const auto& r : kMergeRules)
    if (path_matches(r.pattern, segments)) return r.rule;
  return MergeRule::kDeep;
}

Indexer unique_indexer_for(const std::vector<std::string>& segments) {
  for (const auto& r : kUniqueRules)
    if (path_matches(r.pattern, segments)) return r.indexer;
  return nullptr;
}

void dedupe(Node& seq, Indexer key_of) {
  std::vector<Node> out;
  std::unordered_map<std::string, size_t> seen;
  for (auto& item : seq.items) {
    auto key = key_of(item);
    if (key) {
      if (auto it = seen.find(*key); it != seen.end()) {
        out[it->second] = std::move(item);
        continue;
      }
      seen.emplace(*key, out.size());
    }
    out.push_back(std::move(item));
  }
  seq.items = std::move(out);
}

void dedupe_unique_sequences(Node& doc) { dedupe_walk(doc, 0, unique_patterns().all()); }

}  // namespace racker::compose
