// The model's own helpers: replica count, lookups, and the two unit syntaxes
// compose uses (Go durations, docker byte sizes).
#include "racker/compose/model.h"

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

std::optional<Mark> Project::mark_of(const std::string& key_path) const {
  std::string path = key_path;
  while (!path.empty()) {
    if (auto it = marks.find(path); it != marks.end() && it->second.known()) return it->second;
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

}  // namespace racker::compose::model
