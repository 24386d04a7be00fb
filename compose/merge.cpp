// The merge engine: walks base and overlay together and, at each path,
// combines them by the rule merge_rules.cpp gives for that path.
#include "racker/compose/merge.h"

#include <algorithm>

#include "merge_internal.h"

namespace racker::compose {
namespace {

constexpr std::string_view kReset = "!reset";
constexpr std::string_view kOverride = "!override";

enum class TagMode {
  kConsume,  // documents: tags act now, the result has none
  kKeep,     // extends: tagged overlay nodes stay in the result
};

class Merger {
 public:
  Merger(TagMode mode, std::vector<std::string> segments, std::string path)
      : mode_(mode), segments_(std::move(segments)), path_(std::move(path)) {}

  Result<Node> merge(Node base, const Node& overlay) {
    switch (merge_rule_for(segments_)) {
      case MergeRule::kReplace: return take(overlay);
      case MergeRule::kFlat:
        if (overlay.is_null()) return base;
        if (base.is_map() && overlay.is_map()) return merge_map(std::move(base), overlay, EntryRule::kReplace);
        break;
      case MergeRule::kHostUnion:
        if (overlay.is_null()) return base;
        if (base.is_map() && overlay.is_map()) return merge_map(std::move(base), overlay, EntryRule::kUnion);
        break;
      case MergeRule::kLogging:
        if (base.is_map() && overlay.is_map() && different_drivers(base, overlay)) return take(overlay);
        break;
      case MergeRule::kIpamConfig:
        if (base.is_seq() && overlay.is_seq()) return merge_ipam(std::move(base), overlay);
        break;
      case MergeRule::kDeep: break;
    }
    return merge_deep(std::move(base), overlay);
  }

 private:
  enum class EntryRule { kDeep, kReplace, kUnion };

  // A value taken from the overlay as is.
  Node take(const Node& overlay) const {
    Node out = overlay;
    if (mode_ == TagMode::kConsume) resolve_merge_tags(out);
    return out;
  }

  Result<Node> merge_deep(Node base, const Node& overlay) {
    if (overlay.is_null()) return base;  // as compose: an empty overlay value changes nothing
    if (base.is_map()) {
      if (!overlay.is_map()) return mismatch(base, overlay);
      return merge_map(std::move(base), overlay, EntryRule::kDeep);
    }
    if (base.is_seq()) {
      if (!overlay.is_seq()) return mismatch(base, overlay);
      for (const auto& item : overlay.items) {
        if (mode_ == TagMode::kConsume && item.tag == kReset) continue;
        base.items.push_back(take(item));
      }
      if (Indexer indexer = unique_indexer_for(segments_)) dedupe(base, indexer);
      return base;
    }
    return take(overlay);
  }

  Error mismatch(const Node& base, const Node& overlay) const {
    return Error(Errc::kValidation,
                 std::string("cannot override ") + base.kind_name() + " with " + overlay.kind_name(), path_,
                 overlay.mark);
  }

  Result<Node> merge_map(Node base, const Node& overlay, EntryRule rule) {
    for (const auto& oe : overlay.entries) {
      if (oe.value.tag == kReset) {
        if (mode_ == TagMode::kKeep) {
          base.set(oe.key, oe.value, oe.key_mark);
        } else {
          base.erase(oe.key);
        }
        continue;
      }
      Entry* be = find_entry(base, oe.key);
      if (!be || oe.value.tag == kOverride) {
        base.set(oe.key, take(oe.value), oe.key_mark);
        if (be) be->key_mark = oe.key_mark;
        continue;
      }
      if (rule == EntryRule::kReplace) {
        be->value = take(oe.value);
        be->key_mark = oe.key_mark;
        continue;
      }
      if (rule == EntryRule::kUnion) {
        merge_union(be->value, oe.value);
        continue;
      }
      segments_.push_back(oe.key);
      std::string saved = path_;
      path_ = join_path(path_, oe.key);
      auto merged = merge(std::move(be->value), oe.value);
      path_ = std::move(saved);
      segments_.pop_back();
      if (!merged) return merged;
      // The overlay's key mark goes with a value the overlay decided alone.
      if (merged->is_scalar() || same_origin(*merged, oe.value)) be->key_mark = oe.key_mark;
      be->value = std::move(*merged);
    }
    return base;
  }

  // extra_hosts: addresses of both lists, the base's first, each once.
  void merge_union(Node& base, const Node& overlay) const {
    if (!base.is_seq() || !overlay.is_seq()) {
      base = take(overlay);
      return;
    }
    for (const auto& ip : overlay.items) {
      bool known = std::any_of(base.items.begin(), base.items.end(),
                               [&](const Node& b) { return same_value(b, ip); });
      if (!known) base.items.push_back(take(ip));
    }
  }

  // ipam.config: a pool for a subnet already known merges into it; others append.
  Result<Node> merge_ipam(Node base, const Node& overlay) {
    for (const auto& pool : overlay.items) {
      const Node* subnet = pool.find("subnet");
      auto it = std::find_if(base.items.begin(), base.items.end(), [&](const Node& b) {
        const Node* s = b.find("subnet");
        return subnet && s && same_value(*s, *subnet);
      });
      if (it == base.items.end() || !it->is_map() || !pool.is_map()) {
        base.items.push_back(take(pool));
        continue;
      }
      auto merged = merge_map(std::move(*it), pool, EntryRule::kDeep);
      if (!merged) return merged;
      *it = std::move(*merged);
    }
    return base;
  }

  static bool different_drivers(const Node& base, const Node& overlay) {
    const Node* a = base.find("driver");
    const Node* b = overlay.find("driver");
    return a && b && !same_value(*a, *b);
  }

  // Whether `merged` is the overlay's own value (same place in the same file).
  static bool same_origin(const Node& merged, const Node& overlay) {
    return &merged.mark.file() == &overlay.mark.file() && merged.mark.line == overlay.mark.line &&
           merged.mark.col == overlay.mark.col;
  }

  static Entry* find_entry(Node& map, std::string_view key) {
    for (auto& e : map.entries)
      if (e.key == key) return &e;
    return nullptr;
  }

  TagMode mode_;
  std::vector<std::string> segments_;
  std::string path_;
};

}  // namespace

void resolve_merge_tags(Node& doc) {
  if (doc.tag == kOverride) doc.tag.clear();
  if (doc.is_map()) {
    auto& entries = doc.entries;
    entries.erase(std::remove_if(entries.begin(), entries.end(), [](const Entry& e) { return e.value.tag == kReset; }),
                  entries.end());
    for (auto& e : entries) resolve_merge_tags(e.value);
  } else if (doc.is_seq()) {
    auto& items = doc.items;
    items.erase(std::remove_if(items.begin(), items.end(), [](const Node& n) { return n.tag == kReset; }),
                items.end());
    for (auto& item : items) resolve_merge_tags(item);
  }
}

Result<Node> merge_documents(Node base, const Node& overlay) {
  resolve_merge_tags(base);
  if (base.is_null()) base = Node::map(overlay.mark);
  Merger merger(TagMode::kConsume, {}, "");
  return merger.merge(std::move(base), overlay);
}

Result<Node> merge_service(Node base, const Node& overlay, std::string_view path) {
  resolve_merge_tags(base);
  if (base.is_null()) base = Node::map(overlay.mark);
  // Service names may contain dots: only the first one separates.
  std::vector<std::string> segments;
  if (size_t dot = path.find('.'); dot != std::string_view::npos) {
    segments = {std::string(path.substr(0, dot)), std::string(path.substr(dot + 1))};
  } else if (!path.empty()) {
    segments = {std::string(path)};
  }
  Merger merger(TagMode::kKeep, std::move(segments), std::string(path));
  return merger.merge(std::move(base), overlay);
}

}  // namespace racker::compose
