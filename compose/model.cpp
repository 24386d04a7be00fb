// The model's own helpers: replica count, lookups, and the two unit syntaxes
// compose uses (Go durations, docker byte sizes).
#include "racker/compose/model.h"

#include <algorithm>
#include <functional>
#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <limits>

namespace racker::compose::model {
namespace {

using Nanos = int64_t;

// Go's units plus compose's days and weeks (compose-go reads durations with
// str2duration, which adds `d` and `w`).
std::optional<Nanos> unit_nanos(std::string_view unit) {
  if (unit == "ns") return 1;
  if (unit == "us" || unit == "\xC2\xB5s" || unit == "\xCE\xBCs") return 1000;  // us, µs (micro), μs (mu)
  if (unit == "ms") return 1000'000;
  if (unit == "s") return 1000'000'000;
  if (unit == "m") return 60 * 1000'000'000LL;
  if (unit == "h") return 3600 * 1000'000'000LL;
  if (unit == "d") return 24 * 3600 * 1000'000'000LL;
  if (unit == "w") return 7 * 24 * 3600 * 1000'000'000LL;
  return std::nullopt;
}

bool is_digit(char c) { return c >= '0' && c <= '9'; }

Error bad_duration(std::string_view text, std::string_view why) {
  return Error(Errc::kValidation, "invalid duration \"" + std::string(text) + "\": " + std::string(why));
}

// Fraction of v / 10^prec as ".123" without trailing zeros ("" when zero).
std::string fraction(uint64_t v, int prec) {
  std::string digits(prec, '0');
  for (int i = prec - 1; i >= 0; --i) {
    digits[i] = static_cast<char>('0' + v % 10);
    v /= 10;
  }
  while (!digits.empty() && digits.back() == '0') digits.pop_back();
  return digits.empty() ? "" : "." + digits;
}

}  // namespace

Result<Duration> parse_duration(std::string_view text) {
  std::string_view s = text;
  bool negative = false;
  if (!s.empty() && (s[0] == '-' || s[0] == '+')) {
    negative = s[0] == '-';
    s.remove_prefix(1);
  }
  if (s == "0") return Duration(0);
  if (s.empty()) return bad_duration(text, "empty");
  // Accumulate in long double: a component like "1.5h" needs the fraction
  // scaled by its unit, and the total is checked against int64 at the end.
  long double total = 0;
  while (!s.empty()) {
    size_t i = 0;
    while (i < s.size() && is_digit(s[i])) ++i;
    std::string_view whole = s.substr(0, i);
    std::string_view frac;
    if (i < s.size() && s[i] == '.') {
      size_t start = ++i;
      while (i < s.size() && is_digit(s[i])) ++i;
      frac = s.substr(start, i - start);
    }
    if (whole.empty() && frac.empty()) return bad_duration(text, "expected a number");
    size_t u = i;
    while (u < s.size() && !is_digit(s[u]) && s[u] != '.') ++u;
    std::string_view unit = s.substr(i, u - i);
    if (unit.empty()) return bad_duration(text, "missing unit (e.g. \"10s\", \"1m30s\", \"500ms\")");
    auto scale = unit_nanos(unit);
    if (!scale) return bad_duration(text, "unknown unit \"" + std::string(unit) + "\"");
    long double value = 0;
    for (char c : whole) value = value * 10 + (c - '0');
    long double place = 0.1L;
    for (char c : frac) {
      value += (c - '0') * place;
      place /= 10;
    }
    total += value * static_cast<long double>(*scale);
    if (total > static_cast<long double>(std::numeric_limits<int64_t>::max()))
      return bad_duration(text, "out of range");
    s.remove_prefix(u);
  }
  auto nanos = static_cast<int64_t>(std::llround(total));
  return Duration(negative ? -nanos : nanos);
}

// Mirrors Go's time.Duration.String(), which is what `docker compose config` prints.
std::string format_duration(Duration d) {
  int64_t n = d.count();
  if (n == 0) return "0s";
  bool negative = n < 0;
  uint64_t u = negative ? 0 - static_cast<uint64_t>(n) : static_cast<uint64_t>(n);
  std::string out;
  if (u < 1000'000'000ULL) {
    if (u < 1000) {
      out = std::to_string(u) + "ns";
    } else if (u < 1000'000) {
      out = std::to_string(u / 1000) + fraction(u % 1000, 3) + "\xC2\xB5s";
    } else {
      out = std::to_string(u / 1000'000) + fraction(u % 1000'000, 6) + "ms";
    }
  } else {
    std::string seconds = std::to_string((u / 1000'000'000ULL) % 60) + fraction(u % 1000'000'000ULL, 9) + "s";
    uint64_t minutes = u / 1000'000'000ULL / 60;
    if (minutes == 0) {
      out = seconds;
    } else if (minutes < 60) {
      out = std::to_string(minutes) + "m" + seconds;
    } else {
      out = std::to_string(minutes / 60) + "h" + std::to_string(minutes % 60) + "m" + seconds;
    }
  }
  return negative ? "-" + out : out;
}

Result<int64_t> parse_bytes(std::string_view text) {
  auto bad = [&] {
    return Error(Errc::kValidation, "invalid size \"" + std::string(text) +
                                        "\": expected a number of bytes with an optional unit (b, k, m, g, t, p)");
  };
  // Plain integers (also negative: memswap_limit: -1 means unlimited).
  {
    std::string s(text);
    if (!s.empty()) {
      char* end = nullptr;
      errno = 0;
      long long v = std::strtoll(s.c_str(), &end, 10);
      if (end == s.c_str() + s.size() && errno == 0 && (is_digit(s.back()))) return static_cast<int64_t>(v);
    }
  }
  size_t i = 0;
  while (i < text.size() && is_digit(text[i])) ++i;
  if (i == 0) return bad();
  if (i < text.size() && text[i] == '.') {
    size_t start = ++i;
    while (i < text.size() && is_digit(text[i])) ++i;
    if (i == start) return bad();
  }
  long double size = std::strtold(std::string(text.substr(0, i)).c_str(), nullptr);
  if (i < text.size() && text[i] == ' ') ++i;
  long double multiplier = 1;
  if (i < text.size()) {
    const char* units = "kmgtp";
    const char* at = std::strchr(units, std::tolower(static_cast<unsigned char>(text[i])));
    if (at && *at) {
      for (const char* p = units; p <= at; ++p) multiplier *= 1024;
      ++i;
    }
  }
  if (i < text.size() && (text[i] == 'i' || text[i] == 'I')) ++i;
  if (i < text.size() && (text[i] == 'b' || text[i] == 'B')) ++i;
  if (i != text.size()) return bad();
  long double bytes = size * multiplier;
  if (bytes > static_cast<long double>(std::numeric_limits<int64_t>::max())) return bad();
  return static_cast<int64_t>(bytes);  // truncates like docker's int64(size)
}

int Service::replicas() const {
  if (scale) return *scale;
  if (deploy && deploy->replicas) return *deploy->replicas;
  return 1;
}

const Service* Project::service(const std::string& name) const {
  auto it = services.find(name);
  return it == services.end() ? nullptr : &it->second;
}

std::optional<Mark> Project::value_mark_of(const std::string& key_path) const {
  if (auto m = marks.value(key_path)) return m;
  return mark_of(key_path);
}

std::optional<Mark> Project::mark_of(const std::string& key_path) const {
  std::string path = key_path;
  while (!path.empty()) {
    if (auto m = marks.key(path)) return m;
    // Drop the last component: "[3]" or ".key".
    size_t cut = path.size();
    if (path.back() == ']') {
      cut = path.rfind('[');
    } else {
      size_t dot = path.rfind('.');
      cut = dot == std::string::npos ? 0 : dot;
    }
    if (cut == std::string::npos) break;
    path.resize(cut);
  }
  return std::nullopt;
}

namespace {
uint64_t path_hash(std::string_view path) { return std::hash<std::string_view>()(path); }
}  // namespace

SourceMarks::Where& SourceMarks::entry(std::string_view path) {
  uint64_t h = path_hash(path);
  // The binder usually sets a path's value right after its key.
  if (!sealed_ && !where_.empty() && where_.back().hash == h) return where_.back();
  sealed_ = false;
  where_.push_back(Where{h, static_cast<uint32_t>(where_.size()), Pos{}, Pos{}});
  return where_.back();
}

void SourceMarks::set(std::string_view path, const NodeMark& key) {
  if (key.known()) entry(path).key = key;
}

void SourceMarks::set_value(std::string_view path, const NodeMark& value) {
  if (value.known()) entry(path).value = value;
}

void SourceMarks::seal() {
  if (sealed_) return;
  std::sort(where_.begin(), where_.end(),
            [](const Where& a, const Where& b) { return a.hash != b.hash ? a.hash < b.hash : a.order < b.order; });
  // One entry per path; a later set wins, per kind.
  size_t out = 0;
  for (size_t i = 0; i < where_.size(); ++i) {
    if (out > 0 && where_[out - 1].hash == where_[i].hash) {
      if (where_[i].key.line) where_[out - 1].key = where_[i].key;
      if (where_[i].value.line) where_[out - 1].value = where_[i].value;
    } else {
      where_[out++] = where_[i];
    }
  }
  where_.resize(out);
  sealed_ = true;
}

bool SourceMarks::lookup(std::string_view path, Pos& key, Pos& value) const {
  const uint64_t h = path_hash(path);
  if (sealed_) {
    auto it = std::lower_bound(where_.begin(), where_.end(), h, [](const Where& w, uint64_t v) { return w.hash < v; });
    if (it == where_.end() || it->hash != h) return false;
    key = it->key;
    value = it->value;
    return true;
  }
  // Not sealed: the latest entries win.
  bool found = false;
  key = value = Pos{};
  for (auto it = where_.rbegin(); it != where_.rend(); ++it) {
    if (it->hash != h) continue;
    found = true;
    if (!key.line) key = it->key;
    if (!value.line) value = it->value;
  }
  return found;
}

std::optional<Mark> SourceMarks::key(std::string_view path) const {
  Pos k, v;
  if (!lookup(path, k, v) || k.line == 0) return std::nullopt;
  return Mark(k);
}

std::optional<Mark> SourceMarks::value(std::string_view path) const {
  Pos k, v;
  if (!lookup(path, k, v) || v.line == 0) return std::nullopt;
  return Mark(v);
}

}  // namespace racker::compose::model
