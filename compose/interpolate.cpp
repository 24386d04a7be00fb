// Variable interpolation. A one-pass scanner over `$` templates instead of
// compose-go's regex: it gives the same results for well-formed templates and
// rejects the malformed ones up front. As in compose-go, evaluation is lazy: a
// default, replacement or error message is only expanded when it is used.
#include "racker/compose/interpolate.h"

#include <optional>

#include "interpolate_internal.h"

namespace racker::compose {
namespace {

constexpr std::string_view::size_type kNpos = std::string_view::npos;

// Far beyond any real file; bounds the recursion on hostile input.
constexpr int kMaxNesting = 64;

bool is_name_start(char c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_'; }
bool is_name_char(char c) { return is_name_start(c) || (c >= '0' && c <= '9'); }

// Index of the '}' closing the '{' at `open`, or kNpos. Every brace counts,
// template or not, so JSON defaults like ${X:-{"a":1}} work (compose-go
// balances them the same way). A template never spans lines in compose-go.
size_t closing_brace(std::string_view s, size_t open) {
  int depth = 0;
  for (size_t i = open; i < s.size(); ++i) {
    if (s[i] == '\n') return kNpos;
    if (s[i] == '{') {
      ++depth;
    } else if (s[i] == '}' && --depth == 0) {
      return i;
    }
  }
  return kNpos;
}

struct Failure {
  bool invalid = false;  // a malformed template: `text` is the string it was found in
  std::string text;      // otherwise: the whole message
};

class Substituter {
 public:
  explicit Substituter(const Lookup& lookup) : lookup_(lookup) {}

  // Appends the expansion of `text` to `out`; on error returns false and
  // failure() says why.
  bool expand(std::string_view text, std::string& out, int depth = 0);
  const Failure& failure() const { return failure_; }

 private:
  // `body` is what stands between "${" and "}" in `text`.
  bool expand_braced(std::string_view text, std::string_view body, std::string& out, int depth);

  std::optional<std::string> lookup(std::string_view name) const {
    if (!lookup_) return std::nullopt;
    return lookup_(name);
  }
  bool fail(bool invalid, std::string text) {
    failure_ = Failure{invalid, std::move(text)};
    return false;
  }

  const Lookup& lookup_;
  Failure failure_;
};

bool Substituter::expand(std::string_view text, std::string& out, int depth) {
  if (depth > kMaxNesting)
    return fail(false, "templates nested more than " + std::to_string(kMaxNesting) + " levels deep");
  size_t i = 0;
  while (i < text.size()) {
    size_t dollar = text.find('$', i);
    if (dollar == kNpos || dollar + 1 == text.size()) {  // a trailing $ is literal
      out.append(text.substr(i));
      break;
    }
    out.append(text.substr(i, dollar - i));
    char next = text[dollar + 1];
    if (next == '$') {
      out += '$';
      i = dollar + 2;
    } else if (is_name_start(next)) {
      size_t end = dollar + 1;
      while (end < text.size() && is_name_char(text[end])) ++end;
      out += lookup(text.substr(dollar + 1, end - dollar - 1)).value_or("");
      i = end;
    } else if (next == '{') {
      size_t close = closing_brace(text, dollar + 1);
      if (close == kNpos) return fail(true, std::string(text));
      if (!expand_braced(text, text.substr(dollar + 2, close - dollar - 2), out, depth)) return false;
      i = close + 1;
    } else {  // "$ ", "$}", "$1": not a template, compose keeps the $
      out += '$';
      i = dollar + 1;
    }
  }
  return true;
}

bool Substituter::expand_braced(std::string_view text, std::string_view body, std::string& out, int depth) {
  if (body.empty() || !is_name_start(body[0])) return fail(true, std::string(text));
  size_t name_end = 1;
  while (name_end < body.size() && is_name_char(body[name_end])) ++name_end;
  std::string_view name = body.substr(0, name_end);
  std::string_view rest = body.substr(name_end);
  if (rest.empty()) {
    out += lookup(name).value_or("");
    return true;
  }
  bool colon = rest[0] == ':';
  size_t op_at = colon ? 1 : 0;
  if (op_at >= rest.size()) return fail(true, std::string(text));
  char op = rest[op_at];
  if (op != '-' && op != '+' && op != '?') return fail(true, std::string(text));
  std::string_view arg = rest.substr(op_at + 1);

  std::optional<std::string> value = lookup(name);
  bool present = value && !(colon && value->empty());  // ':' makes empty count as missing
  switch (op) {
    case '-':
      if (!present) return expand(arg, out, depth + 1);
      out += *value;
      return true;
    case '+':
      if (present) return expand(arg, out, depth + 1);
      return true;  // unset or empty: the value is "" either way
    default: {     // '?'
      if (present) {
        out += *value;
        return true;
      }
      std::string reason;
      if (!expand(arg, reason, depth + 1)) return false;
      std::string message = "required variable " + std::string(name) + " is missing a value";
      if (!reason.empty()) message += ": " + reason;
      return fail(false, std::move(message));
    }
  }
}

// The key path of the node being interpolated, as a chain through the
// callers' frames: the string is only built for a template (its messages
// name the path), not for every node of the document.
struct PathLink {
  const PathLink* parent = nullptr;
  std::string_view key;  // for a mapping entry
  size_t index = 0;      // for a sequence item (key empty)
  bool is_index = false;

  std::string str() const {
    if (!parent) return std::string();
    std::string base = parent->str();
    return is_index ? index_path(base, index) : join_path(base, key);
  }
};

Status interpolate_node(Node& node, const PathLink& at, const Lookup& lookup) {
  switch (node.kind) {
    case NodeKind::kScalar: {
      if (node.scalar.find('$') == std::string::npos) return {};
      std::string path = at.str();
      auto value = substitute_template(node.scalar, lookup, path);
      if (!value) {
        Error err = std::move(value.error());
        err.key_path = std::move(path);
        if (node.mark.known() || !node.mark.file().empty()) err.at = node.mark;
        return err;
      }
      node.scalar = std::move(*value);  // style untouched: plain stays plain
      return {};
    }
    case NodeKind::kSequence:
      for (size_t i = 0; i < node.items.size(); ++i) {
        PathLink item{&at, {}, i, true};
        if (auto st = interpolate_node(node.items[i], item, lookup); !st) return st;
      }
      return {};
    case NodeKind::kMapping:
      for (auto& entry : node.entries) {  // keys are never interpolated
        PathLink child{&at, entry.key, 0, false};
        if (auto st = interpolate_node(entry.value, child, lookup); !st) return st;
      }
      return {};
    case NodeKind::kNull:
      return {};
  }
  return {};
}

}  // namespace

Result<std::string> substitute_template(std::string_view text, const Lookup& lookup, std::string_view subject) {
  Substituter substituter(lookup);
  std::string out;
  if (substituter.expand(text, out)) return out;
  const Failure& failure = substituter.failure();
  if (!failure.invalid) return Error(Errc::kInterpolation, failure.text);
  // docker compose's wording, so users can search for it.
  std::string message = "invalid interpolation format";
  if (!subject.empty()) message += " for " + std::string(subject);
  message += ".\nYou may need to escape any $ with another $.\n" + failure.text;
  return Error(Errc::kInterpolation, std::move(message));
}

Result<std::string> interpolate_string(std::string_view text, const Lookup& lookup) {
  return substitute_template(text, lookup, "");
}

Status interpolate_tree(Node& root, const Lookup& lookup) { return interpolate_node(root, PathLink{}, lookup); }

}  // namespace racker::compose
