// parse_yaml(): bytes -> Node tree, built straight from yaml-cpp's parser
// events (YAML::Parser + an EventHandler). No YAML::Node graph is made, so
// loading costs one pass of the scanner plus the Nodes themselves.
//
// Hostile input is bounded while parsing, not afterwards: the byte size up
// front, then the node count (aliases count as the size of what they copy,
// checked before copying, so an alias bomb stops at once) and the nesting
// depth (including what an alias would add). A limit or a semantic error
// (duplicate key, bad merge) throws out of the handler, which stops yaml-cpp
// at that event; parse_yaml() turns the exception back into an Error.
#include "racker/compose/source.h"

#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/exceptions.h>
#include <yaml-cpp/mark.h>
#include <yaml-cpp/parser.h>

#include <algorithm>
#include <istream>
#include <iterator>
#include <memory>
#include <optional>
#include <streambuf>
#include <string_view>
#include <unordered_set>
#include <utility>
#include <vector>

namespace racker::compose {
namespace {

// Real compose files are far below these.
constexpr size_t kMaxBytes = 8 << 20;
constexpr size_t kMaxNodes = 250'000;
constexpr size_t kMaxDepth = 200;
// Maps with more keys than this check for duplicates with a hash set.
constexpr size_t kLinearKeyCheck = 16;

// YAML streams are UTF-8 text without control characters (YAML 1.2 c-printable):
// reject the rest up front with a position, as go-yaml does, so no later stage
// (or the JSON printer) ever sees such bytes.
std::optional<Error> check_text(std::string_view text, const std::string& file) {
  int line = 1, col = 1;
  size_t i = 0;
  if (text.substr(0, 3) == "\xEF\xBB\xBF") i = 3;  // a leading BOM is allowed
  while (i < text.size()) {
    unsigned char c = static_cast<unsigned char>(text[i]);
    if (c >= 0x20 && c < 0x7F) {  // the common case: printable ASCII
      ++col;
      ++i;
      continue;
    }
    // 0xC0, 0xC1 (overlong) and 0xF5.. (beyond U+10FFFF) never lead a sequence.
    size_t len = c < 0x80 ? 1 : c < 0xC2 ? 0 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : c < 0xF5 ? 4 : 0;
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

// A "---" or "..." at the start of a line: the text may hold several documents.
bool may_hold_several_documents(std::string_view text) {
  for (size_t pos = 0; pos < text.size();) {
    if (text.compare(pos, 3, "---") == 0 || text.compare(pos, 3, "...") == 0) return true;
    size_t nl = text.find('\n', pos);
    if (nl == std::string_view::npos) break;
    pos = nl + 1;
  }
  return false;
}

bool is_yaml_null(std::string_view s) { return s.empty() || s == "~" || s == "null" || s == "Null" || s == "NULL"; }

// Reads the caller's text in place: yaml-cpp wants an std::istream.
class ViewBuf : public std::streambuf {
 public:
  explicit ViewBuf(std::string_view text) {
    char* begin = const_cast<char*>(text.data());  // the get area is never written
    setg(begin, begin, begin + text.size());
  }
};

// Thrown by the handlers to stop yaml-cpp at the offending event.
struct Abort {
  Error error;
};

// Builds the Node tree of the first document from its events.
class Builder : public YAML::EventHandler {
 public:
  explicit Builder(const std::string& file) : file_(NodeMark::intern(file)) {}

  Node take_root() { return std::move(root_); }

  NodeMark mark(const YAML::Mark& m) const { return NodeMark(file_, m.line + 1, m.column + 1); }

  void OnDocumentStart(const YAML::Mark&) override {}
  void OnDocumentEnd() override {}
  void OnAnchor(const YAML::Mark&, const std::string& name) override { anchor_name_ = name; }

  void OnNull(const YAML::Mark& m, YAML::anchor_t anchor) override {
    Node n;
    n.mark = mark(m);
    count(1, 0, n.mark);
    finish_scalar(std::move(n), anchor);
  }

  // yaml-cpp tags plain scalars "?" and quoted or block ones "!". `!reset`
  // and `!override` are kept and leave the scalar plain; any other explicit
  // tag (`!!str`, `!foo`) makes it a string, as quoting does.
  void OnScalar(const YAML::Mark& m, const std::string& tag, YAML::anchor_t anchor,
                const std::string& value) override {
    Node n;
    n.mark = mark(m);
    count(1, 0, n.mark);
    apply_tag(n, tag);
    bool plain = tag == "?" || !n.tag.empty();
    if (!(plain && is_yaml_null(value))) {
      n.kind = NodeKind::kScalar;
      n.scalar = value;
      n.style = plain ? ScalarStyle::kPlain : ScalarStyle::kQuoted;
    }
    finish_scalar(std::move(n), anchor);
  }

  void OnAlias(const YAML::Mark& m, YAML::anchor_t anchor) override {
    NodeMark at = mark(m);
    // yaml-cpp rejects unknown names itself; ids are dense from 1.
    if (anchor >= anchors_.size()) fail(at, "unknown anchor referenced");
    const Anchored& a = anchors_[anchor];
    if (!a.complete) fail(at, "anchor '" + a.name + "' is used inside its own definition");
    count(a.size, a.height, at);
    add(Node(a.node), a.height);
  }

  void OnSequenceStart(const YAML::Mark& m, const std::string& tag, YAML::anchor_t anchor,
                       YAML::EmitterStyle::value) override {
    open(Node::seq(mark(m)), tag, anchor);
  }
  void OnMapStart(const YAML::Mark& m, const std::string& tag, YAML::anchor_t anchor,
                  YAML::EmitterStyle::value) override {
    open(Node::map(mark(m)), tag, anchor);
  }
  void OnSequenceEnd() override { close(); }
  void OnMapEnd() override { close(); }

 private:
  // A collection being filled.
  struct Open {
    Node node;
    YAML::anchor_t anchor = YAML::NullAnchor;
    size_t first_node = 0;  // nodes_ before this collection began
    size_t height = 0;      // of its deepest child so far
    // Mappings only: the key waiting for its value, merge-key entries, and
    // the own keys as a set once there are many.
    bool have_key = false;
    bool key_is_merge = false;
    std::string key;
    NodeMark key_mark;
    std::vector<Entry> merged;
    std::unique_ptr<std::unordered_set<std::string>> keys;
  };

  struct Anchored {
    std::string name;
    Node node;
    size_t size = 0;    // nodes in it, aliases expanded
    size_t height = 0;  // 0 for a scalar
    bool complete = false;
  };

  [[noreturn]] static void fail(const NodeMark& at, std::string message) {
    throw Abort{Error(Errc::kParse, std::move(message), "", at)};
  }

  // Every node, aliases expanded, counts against the limits.
  void count(size_t nodes, size_t height, const NodeMark& at) {
    nodes_ += nodes;
    if (nodes_ > kMaxNodes) fail(at, "document too large (too many nodes after expanding aliases)");
    if (stack_.size() + height > kMaxDepth) fail(at, "document nested too deeply");
  }

  static void apply_tag(Node& n, const std::string& tag) {
    if (tag == "!reset" || tag == "!override") n.tag = tag;
  }

  // Anchor ids are dense per document; the name came just before (OnAnchor).
  Anchored& define(YAML::anchor_t anchor) {
    if (anchors_.size() <= anchor) anchors_.resize(anchor + 1);
    Anchored& a = anchors_[anchor];
    a = Anchored{};
    a.name = std::move(anchor_name_);
    return a;
  }

  void finish_scalar(Node n, YAML::anchor_t anchor) {
    if (anchor != YAML::NullAnchor) {
      Anchored& a = define(anchor);
      a.node = n;
      a.size = 1;
      a.complete = true;
    }
    add(std::move(n), 0);
  }

  void open(Node n, const std::string& tag, YAML::anchor_t anchor) {
    size_t before = nodes_;
    count(1, 0, n.mark);
    apply_tag(n, tag);
    Open o;
    o.node = std::move(n);
    o.first_node = before;
    o.anchor = anchor;
    if (anchor != YAML::NullAnchor) define(anchor);  // defined, not complete yet
    stack_.push_back(std::move(o));
    if (scratch_entries_.size() < stack_.size()) {
      scratch_entries_.resize(stack_.size());
      scratch_items_.resize(stack_.size());
    }
  }

  void close() {
    if (stack_.empty()) return;
    Open o = std::move(stack_.back());
    stack_.pop_back();
    // Children were gathered in this depth's scratch buffer (reused from one
    // collection to the next): the node gets an exactly sized copy.
    if (o.node.is_map()) {
      auto& buf = scratch_entries_[stack_.size()];
      o.node.entries.reserve(buf.size() + o.merged.size());
      std::move(buf.begin(), buf.end(), std::back_inserter(o.node.entries));
      buf.clear();
      if (!o.merged.empty()) add_merged(o.node, o.merged);
    } else {
      auto& buf = scratch_items_[stack_.size()];
      o.node.items.reserve(buf.size());
      std::move(buf.begin(), buf.end(), std::back_inserter(o.node.items));
      buf.clear();
    }
    size_t height = o.height + 1;
    if (o.anchor != YAML::NullAnchor) {
      Anchored& a = anchors_[o.anchor];
      a.node = o.node;
      a.size = nodes_ - o.first_node;
      a.height = height;
      a.complete = true;
    }
    add(std::move(o.node), height);
  }

  // The mapping's own keys win over merged ones; earlier merge sources win
  // over later ones (YAML merge-key semantics).
  static void add_merged(Node& map, std::vector<Entry>& merged) {
    std::unordered_set<std::string> seen;
    for (const auto& e : map.entries) seen.insert(e.key);
    for (auto& e : merged) {
      if (seen.insert(e.key).second) map.entries.push_back(std::move(e));
    }
  }

  static const char* kind_word(const Node& n) {
    return n.is_map() ? "mapping" : n.is_seq() ? "sequence" : "null";
  }

  bool has_key(Open& o, const std::string& key) {
    auto& entries = scratch_entries_[stack_.size() - 1];
    if (!o.keys) {
      if (entries.size() < kLinearKeyCheck)
        return std::any_of(entries.begin(), entries.end(), [&](const Entry& e) { return e.key == key; });
      o.keys = std::make_unique<std::unordered_set<std::string>>();
      for (const auto& e : entries) o.keys->insert(e.key);
    }
    return o.keys->count(key) > 0;
  }

  // A finished node goes into its parent (or becomes the root).
  void add(Node n, size_t height) {
    if (stack_.empty()) {
      root_ = std::move(n);
      return;
    }
    Open& top = stack_.back();
    top.height = std::max(top.height, height);
    if (top.node.is_seq()) {
      scratch_items_[stack_.size() - 1].push_back(std::move(n));
      return;
    }
    if (!top.have_key) {
      if (!n.is_scalar()) fail(n.mark, std::string("mapping keys must be strings, found a ") + kind_word(n));
      top.have_key = true;
      top.key_is_merge = n.scalar == "<<" && n.style == ScalarStyle::kPlain && n.tag.empty();
      top.key = std::move(n.scalar);
      top.key_mark = std::move(n.mark);
      return;
    }
    top.have_key = false;
    if (top.key_is_merge) return collect_merge(std::move(n), top.merged);
    if (has_key(top, top.key)) fail(top.key_mark, "mapping key \"" + top.key + "\" already defined");
    if (top.keys) top.keys->insert(top.key);
    scratch_entries_[stack_.size() - 1].push_back(Entry{std::move(top.key), std::move(n), std::move(top.key_mark)});
  }

  void collect_merge(Node src, std::vector<Entry>& merged) {
    static const char* const kBadMerge = "merge key \"<<\" takes a mapping or a sequence of mappings";
    if (src.is_map()) {
      for (auto& e : src.entries) merged.push_back(std::move(e));
      return;
    }
    if (!src.is_seq()) fail(src.mark, kBadMerge);
    for (auto& item : src.items) {
      if (!item.is_map()) fail(item.mark, kBadMerge);
      for (auto& e : item.entries) merged.push_back(std::move(e));
    }
  }

  const std::string* file_;  // interned
  std::vector<Open> stack_;
  // Per depth: the children of the open collection there.
  std::vector<std::vector<Entry>> scratch_entries_;
  std::vector<std::vector<Node>> scratch_items_;
  std::vector<Anchored> anchors_;  // by yaml-cpp's anchor id
  std::string anchor_name_;        // from OnAnchor, for the next node
  size_t nodes_ = 0;
  Node root_;
};

// Stops at the first node of a later document and reports where it is.
class SecondDocument : public YAML::EventHandler {
 public:
  struct Found {};

  void OnDocumentStart(const YAML::Mark&) override {}
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark& m, YAML::anchor_t) override { stop(m); }
  void OnAlias(const YAML::Mark& m, YAML::anchor_t) override { stop(m); }
  void OnScalar(const YAML::Mark& m, const std::string&, YAML::anchor_t, const std::string&) override { stop(m); }
  void OnSequenceStart(const YAML::Mark& m, const std::string&, YAML::anchor_t, YAML::EmitterStyle::value) override {
    stop(m);
  }
  void OnSequenceEnd() override {}
  void OnMapStart(const YAML::Mark& m, const std::string&, YAML::anchor_t, YAML::EmitterStyle::value) override {
    stop(m);
  }
  void OnMapEnd() override {}

  // Set once stop() was called; holds the first node's position.
  const std::optional<YAML::Mark>& at() const { return at_; }

 private:
  [[noreturn]] void stop(const YAML::Mark& m) {
    at_ = m;
    throw Found{};
  }

  std::optional<YAML::Mark> at_;
};

Mark mark_of(const YAML::Mark& m, const std::string& file) {
  if (m.is_null()) return Mark{file, 1, 1};
  return Mark{file, m.line + 1, m.column + 1};
}

}  // namespace

std::optional<Error> check_compose_text(std::string_view text, const std::string& file) {
  return check_text(text, file);
}

Result<Node> parse_yaml(std::string_view text, const std::string& file) {
  if (text.size() > kMaxBytes)
    return Error(Errc::kParse,
                 "file too large: " + std::to_string(text.size()) + " bytes (the limit is " +
                     std::to_string(kMaxBytes >> 20) + " MiB)",
                 "", Mark{file, 1, 1});
  if (auto bad = check_text(text, file)) return *bad;

  ViewBuf buf(text);
  std::istream in(&buf);
  Builder builder(file);
  try {
    YAML::Parser parser(in);
    if (!parser.HandleNextDocument(builder)) return Node{};  // no document at all
    // Anything after the first document is an error. Only one more document
    // is asked for: on some malformed input (a stray ',' or ']') yaml-cpp
    // never stops yielding empty documents, so a loop could hang.
    SecondDocument second;
    try {
      parser.HandleNextDocument(second);
    } catch (const SecondDocument::Found&) {
    }
    if (second.at()) {
      const char* message = may_hold_several_documents(text) ? "expected a single YAML document, found several"
                                                             : "unexpected text after the end of the document";
      return Error(Errc::kParse, message, "", mark_of(*second.at(), file));
    }
  } catch (const Abort& a) {
    return a.error;
  } catch (const YAML::Exception& e) {
    return Error(Errc::kParse, e.msg, "", mark_of(e.mark, file));
  } catch (const std::exception& e) {
    return Error(Errc::kParse, e.what(), "", Mark{file, 1, 1});
  }
  return builder.take_root();
}

}  // namespace racker::compose
