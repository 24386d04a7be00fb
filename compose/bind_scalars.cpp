// The Binder's diagnostics and scalar readers. Types follow the compose JSON
// schema: where it allows a string besides a number or boolean (so that
// `${VAR}` can fill it), a quoted "8" reads as 8 just like a plain 8.
#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdlib>

#include "bind_internal.h"

namespace racker::compose::bind_detail {
namespace {

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

}  // namespace

void Binder::fail(const Node& n, const std::string& path, std::string message) {
  // A node made by an earlier stage may have no mark: then its key's.
  fail_at(n.mark.known() ? std::optional<Mark>(n.mark) : std::nullopt, path, std::move(message));
}

void Binder::fail_at(std::optional<Mark> at, std::string path, std::string message, std::string near) {
  if (!at) unplaced_.emplace_back(errors_.size(), near.empty() ? path : std::move(near));
  errors_.emplace_back(Errc::kValidation, std::move(message), std::move(path), std::move(at));
}

std::vector<Error> Binder::take_errors() {
  // Marks are looked up only now, once all are recorded and sorted.
  project_.marks.seal();
  for (auto& [index, near] : unplaced_) errors_[index].at = project_.mark_of(near);
  unplaced_.clear();
  return std::move(errors_);
}

void Binder::remember(const std::string& path, const NodeMark& at) {
  project_.marks.set(path, at);
}

void Binder::remember(const std::string& path, const Entry& e) {
  remember(path, e.key_mark.known() ? e.key_mark : e.value.mark);
  // A null value (`key:` with nothing after it) has no token of its own.
  if (e.value.is_scalar()) project_.marks.set_value(path, e.value.mark);
}

void Binder::ignore(const std::string& path, std::string_view reason) {
  if (holder_.ignored) (*holder_.ignored)[path] = std::string(reason);
  warn(path + ": not supported by racker, ignored");
}

void Binder::remember_tree(const std::string& path, const Node& node) {
  if (node.is_scalar()) project_.marks.set_value(path, node.mark);
  for (size_t i = 0; i < node.items.size(); ++i) {
    std::string item = path + "[" + std::to_string(i) + "]";
    remember(item, node.items[i].mark);
    remember_tree(item, node.items[i]);
  }
  for (const auto& entry : node.entries) {
    remember(path + "." + entry.key, entry);
    remember_tree(path + "." + entry.key, entry.value);
  }
}

void Binder::extension(const Entry& e, const std::string& path) {
  if (!holder_.extensions) return;
  // racker's own extension is validated later: its errors need positions.
  if (e.key == "x-racker") remember_tree(path, e.value);
  std::string key = path;
  if (!holder_.path.empty() && key.compare(0, holder_.path.size() + 1, holder_.path + ".") == 0)
    key = key.substr(holder_.path.size() + 1);
  (*holder_.extensions)[key] = node_to_json(e.value);
}

void Binder::unknown_key(const Entry& e, const std::string& object_path) {
  // compose's wording, which names the object rather than the key's own path.
  std::string owner = object_path.empty() ? "(root)" : object_path;
  std::optional<Mark> at = e.key_mark.known()     ? std::optional<Mark>(e.key_mark)
                           : e.value.mark.known() ? std::optional<Mark>(e.value.mark)
                                                  : std::nullopt;
  fail_at(at, "", owner + " additional property " + e.key + " is not allowed", object_path);
}

std::optional<std::string> Binder::string(const Node& n, const std::string& path) {
  if (n.is_scalar()) return n.scalar;
  fail(n, path, "must be a string");
  return std::nullopt;
}

std::optional<bool> Binder::boolean(const Node& n, const std::string& path) {
  if (n.is_scalar()) {
    std::string v = lower(n.scalar);
    if (v == "true") return true;
    if (v == "false") return false;
    // YAML 1.1 spellings: compose still reads them, with a warning.
    bool yes = v == "y" || v == "yes" || v == "on";
    bool no = v == "n" || v == "no" || v == "off";
    if (yes || no) {
      warn(path + ": \"" + n.scalar + "\" for boolean is not supported by YAML 1.2, please use `" +
           (yes ? "true" : "false") + "`");
      return yes;
    }
  }
  fail(n, path, "must be a boolean");
  return std::nullopt;
}

std::optional<int64_t> Binder::integer(const Node& n, const std::string& path, int64_t min, int64_t max) {
  std::optional<long long> v = n.is_scalar() ? n.as_int() : std::nullopt;
  if (!v) {
    fail(n, path, "must be an integer");
    return std::nullopt;
  }
  if (*v < min || *v > max) {
    if (max == std::numeric_limits<int64_t>::max() || max == std::numeric_limits<int32_t>::max())
      fail(n, path, "must be greater than or equal to " + std::to_string(min));
    else
      fail(n, path, "must be between " + std::to_string(min) + " and " + std::to_string(max));
    return std::nullopt;
  }
  return *v;
}

std::optional<double> Binder::number(const Node& n, const std::string& path) {
  std::optional<double> v = n.is_scalar() ? n.as_double() : std::nullopt;
  if (!v) fail(n, path, "must be a number");
  return v;
}

std::optional<model::Duration> Binder::duration(const Node& n, const std::string& path) {
  if (!n.is_scalar()) {
    fail(n, path, "must be a duration string like \"1m30s\"");
    return std::nullopt;
  }
  auto d = model::parse_duration(n.scalar);
  if (!d) {
    fail(n, path, d.error().message);
    return std::nullopt;
  }
  return *d;
}

std::optional<int64_t> Binder::bytes(const Node& n, const std::string& path) {
  if (!n.is_scalar()) {
    fail(n, path, "must be a size like \"512m\" or a number of bytes");
    return std::nullopt;
  }
  auto b = model::parse_bytes(n.scalar);
  if (!b) {
    fail(n, path, b.error().message);
    return std::nullopt;
  }
  return *b;
}

// File modes: a quoted "0440" is octal (compose's rule); a plain number is
// read like YAML 1.1 integers, so a leading 0 means octal too, unless the
// caller knows the key is always octal.
std::optional<uint32_t> Binder::file_mode(const Node& n, const std::string& path, bool octal) {
  if (n.is_scalar() && !n.scalar.empty()) {
    const std::string& s = n.scalar;
    int base = n.style == ScalarStyle::kQuoted || octal ? 8 : 0;
    const char* digits = s.c_str();
    if (s.size() > 2 && s[0] == '0' && (s[1] == 'o' || s[1] == 'O')) {
      base = 8;
      digits += 2;
    }
    char* end = nullptr;
    errno = 0;
    unsigned long v = std::strtoul(digits, &end, base);
    if (*digits != '-' && end == s.c_str() + s.size() && errno == 0 && v <= 07777) return static_cast<uint32_t>(v);
  }
  fail(n, path, "must be a file mode like 0440");
  return std::nullopt;
}

std::optional<std::string> Binder::one_of(const Node& n, const std::string& path,
                                          std::initializer_list<std::string_view> allowed) {
  auto v = string(n, path);
  if (!v) return std::nullopt;
  for (auto a : allowed)
    if (*v == a) return v;
  std::string list;
  for (auto a : allowed) list += (list.empty() ? "" : ", ") + std::string(a);
  fail(n, path, "must be one of " + list + " (got \"" + *v + "\")");
  return std::nullopt;
}

}  // namespace racker::compose::bind_detail
