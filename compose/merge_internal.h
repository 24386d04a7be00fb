#pragma once
// Private to the compose library: the per-path merge rules (merge_rules.cpp),
// shared by merge.cpp and canonical.cpp (which dedupes within one file).

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "racker/compose/node.h"

namespace racker::compose {

// `pattern` is dot-separated; `*` matches any one segment (a key, or "[]"
// for a sequence item). Segments are keys as written, dots and all.
bool path_matches(std::string_view pattern, const std::vector<std::string>& segments);

// How the overlay's value at a path combines with the base's.
enum class MergeRule {
  kDeep,        // mappings merge key by key, sequences append, scalars replace
  kReplace,     // the overlay's value replaces the base's (command, entrypoint, ...)
  kFlat,        // mapping whose values replace one by one, null included (environment, labels)
  kHostUnion,   // extra_hosts: per host, addresses of both, without repeats
  kLogging,     // replaced when the drivers differ, else merged
  kIpamConfig,  // ipam.config pools merge by subnet
};

MergeRule merge_rule_for(const std::vector<std::string>& segments);

// For sequences whose items have an identity (ports, volumes, dns, ...):
// the item's key, or nullopt when the item has none (kept as is).
using Indexer = std::optional<std::string> (*)(const Node& item);
Indexer unique_indexer_for(const std::vector<std::string>& segments);

// A later item with the key of an earlier one replaces it in place.
void dedupe(Node& seq, Indexer key_of);

// Applies dedupe() to every sequence of `doc` that has an indexer.
void dedupe_unique_sequences(Node& doc);

}  // namespace racker::compose
