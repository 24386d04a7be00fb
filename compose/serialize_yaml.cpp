// to_yaml(): the canonical document as block-style YAML, written directly
// into one string (no emitter object, no per-scalar regular expressions).
//
// Layout, two spaces per level:
//   key: scalar            key:              key:          - scalar
//   key: {} / []             nested: map       - item      - k: v
//   key: |                                                   k2: v
//     literal block                                        -
//                                                            - nested seq
// A string is written plain only when a YAML reader gives back exactly that
// string: otherwise double-quoted with escapes, or as a literal block when
// it is multi-line text that a block keeps exactly. Keys follow the same
// rules, and keys longer than YAML's 1024-character limit for implicit keys
// use the explicit `? key` form.
#include "racker/compose/serialize.h"

#include <string_view>

#include "serialize_internal.h"

namespace racker::compose {
namespace {

using serialize_detail::needs_quotes;
using serialize_detail::ordered_entries;
using serialize_detail::plain_type;
using serialize_detail::PlainType;

constexpr size_t kMaxImplicitKey = 1024;

bool is_blank_or_break(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

// Bytes that are fine as is in any scalar style but not in a plain or
// literal one: C0 controls and DEL, C1 controls and NEL (U+0080..U+009F),
// the BOM (U+FEFF) and the Unicode line/paragraph separators (U+2028/9),
// which YAML 1.1 readers take as line breaks. Returns the sequence length,
// 0 when the byte at `i` starts an ordinary character.
size_t special_at(std::string_view s, size_t i) {
  unsigned char c = static_cast<unsigned char>(s[i]);
  if (c < 0x20 || c == 0x7F) return 1;
  if (c < 0x80) return 0;
  auto next = [&](size_t k) { return i + k < s.size() ? static_cast<unsigned char>(s[i + k]) : 0; };
  if (c == 0xC2 && next(1) >= 0x80 && next(1) <= 0x9F) return 2;
  if (c == 0xEF && next(1) == 0xBB && next(2) == 0xBF) return 3;
  if (c == 0xE2 && next(1) == 0x80 && (next(2) == 0xA8 || next(2) == 0xA9)) return 3;
  return 0;
}

// Readable back as this very string when written plain (block context).
bool plain_ok(std::string_view s) {
  if (s.empty()) return false;
  if (s == "~" || s == "null" || s == "Null" || s == "NULL") return false;
  // Indicators that cannot start a plain scalar.
  static constexpr std::string_view kIndicators = ",[]{}#&*!|>'\"%@`";
  char first = s[0];
  if (is_blank_or_break(first) || kIndicators.find(first) != std::string_view::npos) return false;
  if ((first == '-' || first == '?' || first == ':') && (s.size() == 1 || is_blank_or_break(s[1]))) return false;
  // A key at column 0 spelled like a document marker would end the document;
  // a plain `<<` key is a merge key.
  if (s.compare(0, 3, "---") == 0 || s.compare(0, 3, "...") == 0 || s == "<<") return false;
  char last = s.back();
  if (last == ' ' || last == '\t') return false;
  for (size_t i = 0; i < s.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    // Printable ASCII other than ':' and '#' is always fine.
    if (c > 0x20 && c < 0x7F && c != ':' && c != '#') continue;
    if (c == ':' && (i + 1 == s.size() || is_blank_or_break(s[i + 1]))) return false;
    if (c == '#' && i > 0 && is_blank_or_break(s[i - 1])) return false;
    if (special_at(s, i)) return false;
  }
  return true;
}

// Multi-line text a literal block (`|`, clip chomping) reads back exactly:
// one final line break, no trailing spaces on a line (kept by some readers,
// trimmed by editors), no leading space on the first text line (it would
// set the block's indentation), no special characters.
bool literal_ok(std::string_view s) {
  if (s.size() < 2 || s.back() != '\n' || s[s.size() - 2] == '\n') return false;
  size_t first_text = s.find_first_not_of('\n');
  if (first_text == std::string_view::npos || s[first_text] == ' ') return false;
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c == '\n') {
      if (i > 0 && (s[i - 1] == ' ' || s[i - 1] == '\t')) return false;
      continue;
    }
    if (c == '\t') continue;
    if (special_at(s, i)) return false;
  }
  return true;
}

void append_hex(std::string& out, unsigned value, int digits) {
  static const char* const kHex = "0123456789abcdef";
  for (int d = digits - 1; d >= 0; --d) out += kHex[(value >> (4 * d)) & 0xF];
}

void write_double_quoted(std::string& out, std::string_view s) {
  out += '"';
  for (size_t i = 0; i < s.size();) {
    char c = s[i];
    switch (c) {
      case '"': out += "\\\""; ++i; continue;
      case '\\': out += "\\\\"; ++i; continue;
      case '\n': out += "\\n"; ++i; continue;
      case '\t': out += "\\t"; ++i; continue;
      case '\r': out += "\\r"; ++i; continue;
      default: break;
    }
    size_t len = special_at(s, i);
    if (len == 0) {
      out += c;
      ++i;
      continue;
    }
    unsigned char b = static_cast<unsigned char>(c);
    if (len == 1) {
      out += "\\x";
      append_hex(out, b, 2);
    } else if (len == 2) {  // U+0080..U+009F
      out += "\\x";
      append_hex(out, static_cast<unsigned char>(s[i + 1]), 2);
    } else {  // U+FEFF, U+2028, U+2029
      unsigned cp = ((b & 0x0F) << 12) | ((static_cast<unsigned char>(s[i + 1]) & 0x3F) << 6) |
                    (static_cast<unsigned char>(s[i + 2]) & 0x3F);
      out += "\\u";
      append_hex(out, cp, 4);
    }
    i += len;
  }
  out += '"';
}

void indent(std::string& out, size_t n) { out.append(n, ' '); }

class Writer {
 public:
  explicit Writer(std::string& out) : out_(out) {}

  // A whole mapping's entries, each at `col`; with `inline_first` the first
  // one continues the current line (after "- ").
  void map_body(const Node& map, size_t col, bool inline_first, bool top_level) {
    bool first = true;
    for (const Entry* e : ordered_entries(map, top_level)) {
      if (!(first && inline_first)) indent(out_, col);
      first = false;
      size_t mark = out_.size();
      string(e->key);
      if (out_.size() - mark > kMaxImplicitKey) {
        out_.insert(mark, "? ");
        out_ += '\n';
        indent(out_, col);
      }
      out_ += ':';
      value(e->value, col, /*in_seq=*/false);
    }
  }

  // A document that is a bare scalar (not compose, but printable all the same).
  void top_scalar(const Node& n) {
    scalar(n, 0);
    out_ += '\n';
  }

  void seq_body(const Node& seq, size_t col, bool inline_first) {
    bool first = true;
    for (const Node& item : seq.items) {
      if (!(first && inline_first)) indent(out_, col);
      first = false;
      out_ += '-';
      value(item, col, /*in_seq=*/true);
    }
  }

 private:
  // What follows "key:" or "-" (at column `col`), through the end of line.
  void value(const Node& n, size_t col, bool in_seq) {
    switch (n.kind) {
      case NodeKind::kNull:
        out_ += " null\n";
        return;
      case NodeKind::kScalar:
        out_ += ' ';
        scalar(n, col);
        out_ += '\n';
        return;
      case NodeKind::kSequence:
        if (n.items.empty()) {
          out_ += " []\n";
        } else {
          out_ += '\n';
          seq_body(n, col + 2, false);
        }
        return;
      case NodeKind::kMapping:
        if (n.entries.empty()) {
          out_ += " {}\n";
        } else if (in_seq) {
          out_ += ' ';
          map_body(n, col + 2, true, false);
        } else {
          out_ += '\n';
          map_body(n, col + 2, false, false);
        }
        return;
    }
  }

  void scalar(const Node& n, size_t col) {
    if (plain_type(n) != PlainType::kString) {
      // Numbers and booleans as written (they are valid plain scalars).
      if (plain_ok(n.scalar)) {
        out_ += n.scalar;
      } else {
        write_double_quoted(out_, n.scalar);
      }
      return;
    }
    if (n.scalar.find('\n') != std::string::npos && literal_ok(n.scalar)) {
      literal(n.scalar, col + 2);
      return;
    }
    string(n.scalar);
  }

  void string(std::string_view s) {
    if (!needs_quotes(s) && plain_ok(s)) {
      out_ += s;
    } else {
      write_double_quoted(out_, s);
    }
  }

  // "|" and the lines at `col`; the text's final line break ends the block.
  void literal(std::string_view s, size_t col) {
    out_ += "|\n";
    s.remove_suffix(1);
    size_t start = 0;
    while (true) {
      size_t nl = s.find('\n', start);
      std::string_view line = s.substr(start, nl == std::string_view::npos ? std::string_view::npos : nl - start);
      if (!line.empty()) {
        indent(out_, col);
        out_ += line;
      }
      if (nl == std::string_view::npos) break;
      out_ += '\n';
      start = nl + 1;
    }
  }

  std::string& out_;
};

// About the printed size of `n` at nesting `depth`, so the output string is
// allocated once (a big document would otherwise be copied through every
// doubling, each time into fresh pages).
size_t estimated_size(const Node& n, size_t depth) {
  size_t size = n.scalar.size() + 8;
  for (const auto& e : n.entries) size += e.key.size() + 2 * depth + 2 + estimated_size(e.value, depth + 1);
  for (const auto& item : n.items) size += 2 * depth + 2 + estimated_size(item, depth + 1);
  return size;
}

}  // namespace

std::string to_yaml(const Node& doc) {
  std::string out;
  out.reserve(estimated_size(doc, 0) + 64);
  Writer w(out);
  switch (doc.kind) {
    case NodeKind::kMapping:
      if (doc.entries.empty()) return "{}\n";
      w.map_body(doc, 0, false, true);
      return out;
    case NodeKind::kSequence:
      if (doc.items.empty()) return "[]\n";
      w.seq_body(doc, 0, false);
      return out;
    case NodeKind::kNull:
      return "null\n";
    case NodeKind::kScalar:
      w.top_scalar(doc);
      return out;
  }
  return out;
}

}  // namespace racker::compose
