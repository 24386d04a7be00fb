#pragma once
// Node: the compose document as a tree of maps, sequences and scalars, each
// remembering where it came from (Mark). Every stage of the loader takes and
// returns Nodes; only source.cpp knows about yaml-cpp.
//
// Scalars keep their text. `style` tells a plain scalar (which may read as a
// number, bool or null) from a quoted one (always a string), so later stages
// can resolve types per key the way compose does. Maps keep insertion order.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "racker/util/error.h"

namespace racker::compose {

struct Entry;

// Where a node (or a key) came from: a Mark, stored compactly. The file name
// is interned (one shared, never freed copy per distinct name), so the tens
// of thousands of marks of a big document cost no allocation of their own.
// Converts to and from Mark implicitly; errors carry plain Marks.
class NodeMark {
 public:
  NodeMark() = default;
  NodeMark(const Mark& m);  // NOLINT(google-explicit-constructor): interns m.file
  NodeMark(const std::string* interned_file, int l, int c) : file_(interned_file), line(l), col(c) {}
  operator Mark() const { return Mark{file(), line, col}; }  // NOLINT(google-explicit-constructor)

  const std::string& file() const;
  bool known() const { return line > 0; }
  // The interned copy of `file`, for building many marks of one file.
  static const std::string* intern(const std::string& file);

 private:
  const std::string* file_ = nullptr;  // interned; nullptr for ""

 public:
  int line = 0;  // 1-based; 0: unknown
  int col = 0;
};

enum class NodeKind { kNull, kScalar, kSequence, kMapping };
enum class ScalarStyle { kPlain, kQuoted };

struct Node {
  NodeKind kind = NodeKind::kNull;
  std::string scalar;               // kScalar only
  ScalarStyle style = ScalarStyle::kPlain;
  std::string tag;                  // "!reset", "!override" or empty
  std::vector<Node> items;          // kSequence only
  std::vector<Entry> entries;       // kMapping only, in source order
  NodeMark mark;

  // Constructors for building trees in code (normalize, tests).
  static Node null(NodeMark m = {});
  static Node str(std::string s, NodeMark m = {});     // quoted string
  static Node plain(std::string s, NodeMark m = {});   // plain scalar (number, bool)
  static Node integer(long long v, NodeMark m = {});
  static Node boolean(bool v, NodeMark m = {});
  static Node seq(NodeMark m = {});
  static Node map(NodeMark m = {});

  bool is_null() const { return kind == NodeKind::kNull; }
  bool is_scalar() const { return kind == NodeKind::kScalar; }
  bool is_seq() const { return kind == NodeKind::kSequence; }
  bool is_map() const { return kind == NodeKind::kMapping; }

  // Mapping access. find() returns nullptr when absent or not a map.
  Node* find(std::string_view key);
  const Node* find(std::string_view key) const;
  const Entry* find_entry(std::string_view key) const;
  // Sets key (replacing its value in place, or appending); returns the value.
  Node& set(std::string key, Node value, NodeMark key_mark = {});
  bool erase(std::string_view key);

  // Scalar reading, following YAML 1.2 core schema for plain scalars
  // (true/false, null/~, decimal/octal/hex ints); quoted scalars are strings.
  bool is_plain_null() const;
  std::optional<bool> as_bool() const;
  std::optional<long long> as_int() const;
  std::optional<double> as_double() const;

  // Human name of the kind for messages: "a mapping", "a sequence", ...
  const char* kind_name() const;
};

struct Entry {
  std::string key;
  Node value;
  NodeMark key_mark;
};

// Deep structural equality, ignoring marks and tags.
bool same_value(const Node& a, const Node& b);

// Key-path helpers: "services.web.ports[1]".
std::string join_path(std::string_view parent, std::string_view key);
std::string index_path(std::string_view parent, size_t index);

}  // namespace racker::compose
