#include "racker/compose/node.h"

#include <cerrno>
#include <cctype>
#include <cstdlib>
#include <mutex>
#include <unordered_set>

namespace racker::compose {

const std::string* NodeMark::intern(const std::string& file) {
  if (file.empty()) return nullptr;
  // Loads may run on several threads; each keeps its last answer at hand.
  thread_local const std::string* last = nullptr;
  if (last && *last == file) return last;
  static std::mutex mu;
  static std::unordered_set<std::string>* names = new std::unordered_set<std::string>();  // never freed
  std::lock_guard<std::mutex> lock(mu);
  last = &*names->insert(file).first;  // node-based: the address is stable
  return last;
}

NodeMark::NodeMark(const Mark& m) : file_(intern(m.file)), line(m.line), col(m.col) {}

const std::string& NodeMark::file() const {
  static const std::string* const kEmpty = new std::string();
  return file_ ? *file_ : *kEmpty;
}

Node Node::null(NodeMark m) {
  Node n;
  n.mark = std::move(m);
  return n;
}
Node Node::str(std::string s, NodeMark m) {
  Node n;
  n.kind = NodeKind::kScalar;
  n.scalar = std::move(s);
  n.style = ScalarStyle::kQuoted;
  n.mark = std::move(m);
  return n;
}
Node Node::plain(std::string s, NodeMark m) {
  Node n = str(std::move(s), std::move(m));
  n.style = ScalarStyle::kPlain;
  return n;
}
Node Node::integer(long long v, NodeMark m) { return plain(std::to_string(v), std::move(m)); }
Node Node::boolean(bool v, NodeMark m) { return plain(v ? "true" : "false", std::move(m)); }
Node Node::seq(NodeMark m) {
  Node n;
  n.kind = NodeKind::kSequence;
  n.mark = std::move(m);
  return n;
}
Node Node::map(NodeMark m) {
  Node n;
  n.kind = NodeKind::kMapping;
  n.mark = std::move(m);
  return n;
}

Node* Node::find(std::string_view key) {
  if (!is_map()) return nullptr;
  for (auto& e : entries)
    if (e.key == key) return &e.value;
  return nullptr;
}
const Node* Node::find(std::string_view key) const { return const_cast<Node*>(this)->find(key); }

const Entry* Node::find_entry(std::string_view key) const {
  if (!is_map()) return nullptr;
  for (const auto& e : entries)
    if (e.key == key) return &e;
  return nullptr;
}

Node& Node::set(std::string key, Node value, NodeMark key_mark) {
  if (!is_map()) {
    kind = NodeKind::kMapping;
    scalar.clear();
    items.clear();
  }
  for (auto& e : entries) {
    if (e.key == key) {
      e.value = std::move(value);
      return e.value;
    }
  }
  entries.push_back(Entry{std::move(key), std::move(value), std::move(key_mark)});
  return entries.back().value;
}

bool Node::erase(std::string_view key) {
  for (auto it = entries.begin(); it != entries.end(); ++it) {
    if (it->key == key) {
      entries.erase(it);
      return true;
    }
  }
  return false;
}

bool Node::is_plain_null() const { return kind == NodeKind::kNull; }

std::optional<bool> Node::as_bool() const {
  if (!is_scalar() || style != ScalarStyle::kPlain) return std::nullopt;
  if (scalar == "true" || scalar == "True" || scalar == "TRUE") return true;
  if (scalar == "false" || scalar == "False" || scalar == "FALSE") return false;
  return std::nullopt;
}

std::optional<long long> Node::as_int() const {
  if (!is_scalar() || scalar.empty()) return std::nullopt;
  const char* s = scalar.c_str();
  int base = 10;
  const char* digits = s;
  bool neg = false;
  if (*digits == '+' || *digits == '-') {
    neg = *digits == '-';
    ++digits;
  }
  if (digits[0] == '0' && (digits[1] == 'x' || digits[1] == 'X')) {
    base = 16;
    digits += 2;
  } else if (digits[0] == '0' && digits[1] == 'o') {
    base = 8;
    digits += 2;
  }
  if (*digits == '\0') return std::nullopt;
  for (const char* p = digits; *p; ++p) {
    bool ok = base == 16 ? std::isxdigit(static_cast<unsigned char>(*p)) : (*p >= '0' && *p <= '9' && (base == 10 || *p <= '7'));
    if (!ok) return std::nullopt;
  }
  errno = 0;
  char* end = nullptr;
  long long v = std::strtoll(digits, &end, base);
  if (errno == ERANGE) return std::nullopt;
  return neg ? -v : v;
}

std::optional<double> Node::as_double() const {
  if (auto i = as_int()) return static_cast<double>(*i);
  if (!is_scalar() || scalar.empty()) return std::nullopt;
  char* end = nullptr;
  errno = 0;
  double v = std::strtod(scalar.c_str(), &end);
  if (errno == ERANGE || end != scalar.c_str() + scalar.size()) return std::nullopt;
  return v;
}

const char* Node::kind_name() const {
  switch (kind) {
    case NodeKind::kNull: return "null";
    case NodeKind::kScalar: return "a scalar";
    case NodeKind::kSequence: return "a sequence";
    case NodeKind::kMapping: return "a mapping";
  }
  return "?";
}

bool same_value(const Node& a, const Node& b) {
  if (a.kind != b.kind) return false;
  switch (a.kind) {
    case NodeKind::kNull: return true;
    case NodeKind::kScalar: return a.scalar == b.scalar;
    case NodeKind::kSequence:
      if (a.items.size() != b.items.size()) return false;
      for (size_t i = 0; i < a.items.size(); ++i)
        if (!same_value(a.items[i], b.items[i])) return false;
      return true;
    case NodeKind::kMapping:
      if (a.entries.size() != b.entries.size()) return false;
      for (const auto& e : a.entries) {
        const Node* other = b.find(e.key);
        if (!other || !same_value(e.value, *other)) return false;
      }
      return true;
  }
  return false;
}

std::string join_path(std::string_view parent, std::string_view key) {
  if (parent.empty()) return std::string(key);
  std::string out(parent);
  out += '.';
  out += key;
  return out;
}

std::string index_path(std::string_view parent, size_t index) {
  return std::string(parent) + "[" + std::to_string(index) + "]";
}

}  // namespace racker::compose
