#include "racker/compose/source.h"

#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/yaml.h>

#include <optional>
#include <set>
#include <sstream>

namespace racker::compose {
namespace {

// Bounds that keep hostile input (alias bombs, deep nesting) from exhausting
// memory or the stack; real compose files are far below them.
constexpr size_t kMaxNodes = 250'000;
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

// YAML streams are UTF-8 text without control characters (YAML 1.2 c-printable):
// reject the rest up front with a position, as go-yaml does, so no later stage
// (or the JSON printer) ever sees such bytes.
std::optional<Error> check_text(std::string_view text, const std::string& file) {
  int line = 1, col = 1;
  size_t i = 0;
  if (text.substr(0, 3) == "\xEF\xBB\xBF") i = 3;  // a leading BOM is allowed
  while (i < text.size()) {
    unsigned char c = static_cast<unsigned char>(text[i]);
    size_t len = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 0;
    bool valid = len != 0 && i + len <= text.size();
    for (size_t k = 1; valid && k < len; ++k)
      valid = (static_cast<unsigned char>(text[i + k]) & 0xC0) == 0x80;
    if (!valid) return Error(Errc::kParse, "invalid UTF-8 byte in input", "", Mark{file, line, col});
    if (len == 1 && ((c < 0x20 && c != '\t' && c != '\n' && c != '\r') || c == 0x7F))
      return Error(Errc::kParse, "control characters are not allowed", "", Mark{file, line, col});
    if (c == '\n') {
      ++line;
      col = 1;
    } else {
      ++col;
    }
    i += len;
  }
  return std::nullopt;
}

// Counts documents that hold content. Only used when the text may hold more
// than one, because yaml-cpp's LoadAll can loop forever on some malformed input.
class DocumentCounter : public YAML::EventHandler {
 public:
  void OnDocumentStart(const YAML::Mark&) override { content_ = false; }
  void OnDocumentEnd() override {
    if (content_) ++documents_;
  }
  void OnNull(const YAML::Mark& m, YAML::anchor_t) override { note(m); }
  void OnAlias(const YAML::Mark& m, YAML::anchor_t) override { note(m); }
  void OnScalar(const YAML::Mark& m, const std::string&, YAML::anchor_t, const std::string&) override { note(m); }
  void OnSequenceStart(const YAML::Mark& m, const std::string&, YAML::anchor_t, YAML::EmitterStyle::value) override {
    note(m);
  }
  void OnSequenceEnd() override {}
  void OnMapStart(const YAML::Mark& m, const std::string&, YAML::anchor_t, YAML::EmitterStyle::value) override {
    note(m);
  }
  void OnMapEnd() override {}

  int documents() const { return documents_; }
  const YAML::Mark& second_start() const { return second_; }

 private:
  void note(const YAML::Mark& m) {
    if (!content_ && documents_ == 1) second_ = m;
    content_ = true;
  }
  bool content_ = false;
  int documents_ = 0;
  YAML::Mark second_;
};

bool may_hold_several_documents(std::string_view text) {
  for (size_t pos = 0; pos < text.size();) {
    if (text.compare(pos, 3, "---") == 0 || text.compare(pos, 3, "...") == 0) return true;
    size_t nl = text.find('\n', pos);
    if (nl == std::string_view::npos) break;
    pos = nl + 1;
  }
  return false;
}

}  // namespace

Result<Node> parse_yaml(std::string_view text, const std::string& file) {
  if (auto bad = check_text(text, file)) return *bad;
  YAML::Node root;
  try {
    std::string input(text);
    if (may_hold_several_documents(text)) {
      std::stringstream stream(input);
      YAML::Parser parser(stream);
      DocumentCounter counter;
      // Bounded: malformed streams can yield empty documents without end.
      for (int i = 0; i < 64 && counter.documents() < 2 && parser.HandleNextDocument(counter); ++i) {
      }
      if (counter.documents() > 1)
        return Error(Errc::kParse, "expected a single YAML document, found several", "",
                     Mark{file, counter.second_start().line + 1, counter.second_start().column + 1});
    }
    root = YAML::Load(input);
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
