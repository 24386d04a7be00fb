#include "racker/compose/source.h"

#include <yaml-cpp/yaml.h>

#include <set>

namespace racker::compose {
namespace {

// Bounds that keep hostile input (alias bombs, deep nesting) from exhausting
// memory or the stack; real compose files are far below them.
constexpr size_t kMaxNodes = 4'000'000;
constexpr int kMaxDepth = 200;

Mark mark_of(const YAML::Mark& m, const std::string& file) {
  return Mark{file, m.line + 1, m.column + 1};
}

class Converter {
 public:
  explicit Converter(const std::string& file) : file_(file) {}

  Result<Node> convert(const YAML::Node& in, int depth) {
    if (++count_ > kMaxNodes)
      return error(in, "document too large (too many nodes after expanding aliases)");
    if (depth > kMaxDepth) return error(in, "document nested too deeply");
    Node out;
    out.mark = mark_of(in.Mark(), file_);
    const std::string& tag = in.Tag();
    if (tag == "!reset" || tag == "!override") out.tag = tag;
    switch (in.Type()) {
      case YAML::NodeType::Undefined:
      case YAML::NodeType::Null:
        out.kind = NodeKind::kNull;
        return out;
      case YAML::NodeType::Scalar:
        out.kind = NodeKind::kScalar;
        out.scalar = in.Scalar();
        // yaml-cpp tags plain scalars "?" and quoted/block ones "!".
        out.style = (tag == "?" || !out.tag.empty()) ? ScalarStyle::kPlain : ScalarStyle::kQuoted;
        if (tag == "!!str" || tag == "tag:yaml.org,2002:str") out.style = ScalarStyle::kQuoted;
        if (out.style == ScalarStyle::kPlain && is_yaml_null(out.scalar)) {
          out.kind = NodeKind::kNull;
          out.scalar.clear();
        }
        return out;
      case YAML::NodeType::Sequence:
        out.kind = NodeKind::kSequence;
        for (const auto& item : in) {
          auto child = convert(item, depth + 1);
          if (!child) return child;
          out.items.push_back(std::move(*child));
        }
        return out;
      case YAML::NodeType::Map:
        return convert_map(in, depth, std::move(out));
    }
    return out;
  }

 private:
  static bool is_yaml_null(const std::string& s) {
    return s.empty() || s == "~" || s == "null" || s == "Null" || s == "NULL";
  }

  Error error(const YAML::Node& at, std::string msg) {
    return Error(Errc::kParse, std::move(msg), "", mark_of(at.Mark(), file_));
  }

  // Merge keys first collect the merged-in entries; explicit keys override them
  // (YAML merge-key semantics: the mapping's own keys win, earlier sources win).
  Result<Node> convert_map(const YAML::Node& in, int depth, Node out) {
    out.kind = NodeKind::kMapping;
    std::vector<Entry> merged;
    std::set<std::string, std::less<>> own_keys;
    for (const auto& kv : in) {
      const YAML::Node& key = kv.first;
      if (!key.IsScalar())
        return error(key, "mapping keys must be strings, found a " +
                              std::string(key.IsMap() ? "mapping" : key.IsSequence() ? "sequence" : "null"));
      const std::string& name = key.Scalar();
      if (name == "<<" && key.Tag() == "?") {
        auto st = collect_merge(kv.second, depth, merged);
        if (!st) return st.error();
        continue;
      }
      if (!own_keys.insert(name).second)
        return error(key, "mapping key \"" + name + "\" already defined");
      auto value = convert(kv.second, depth + 1);
      if (!value) return value;
      out.entries.push_back(Entry{name, std::move(*value), mark_of(key.Mark(), file_)});
    }
    std::set<std::string, std::less<>> seen = own_keys;
    for (auto& e : merged) {
      if (seen.insert(e.key).second) out.entries.push_back(std::move(e));
    }
    return out;
  }

  Status collect_merge(const YAML::Node& src, int depth, std::vector<Entry>& merged) {
    if (src.IsMap()) {
      auto node = convert(src, depth + 1);
      if (!node) return node.error();
      for (auto& e : node->entries) merged.push_back(std::move(e));
      return {};
    }
    if (src.IsSequence()) {
      for (const auto& item : src) {
        if (!item.IsMap()) return error(item, "merge key \"<<\" takes a mapping or a sequence of mappings");
        auto st = collect_merge(item, depth, merged);
        if (!st) return st;
      }
      return {};
    }
    return error(src, "merge key \"<<\" takes a mapping or a sequence of mappings");
  }

  const std::string& file_;
  size_t count_ = 0;
};

}  // namespace

Result<Node> parse_yaml(std::string_view text, const std::string& file) {
  YAML::Node root;
  try {
    std::vector<YAML::Node> docs = YAML::LoadAll(std::string(text));
    if (docs.size() > 1)
      return Error(Errc::kParse, "expected a single YAML document, found " + std::to_string(docs.size()),
                   "", Mark{file, docs[1].Mark().line + 1, docs[1].Mark().column + 1});
    if (docs.empty()) return Node::null(Mark{file, 1, 1});
    root = docs.front();
  } catch (const YAML::Exception& e) {
    return Error(Errc::kParse, e.msg, "", Mark{file, e.mark.line + 1, e.mark.column + 1});
  } catch (const std::exception& e) {
    return Error(Errc::kParse, e.what(), "", Mark{file, 0, 0});
  }
  try {
    Converter conv(file);
    return conv.convert(root, 0);
  } catch (const YAML::Exception& e) {
    return Error(Errc::kParse, e.msg, "", Mark{file, e.mark.line + 1, e.mark.column + 1});
  }
}

}  // namespace racker::compose
