#include "kube_names.h"

#include <cctype>
#include <cmath>
#include <filesystem>

namespace racker::convert {

std::string kube_name(const std::string& raw) {
  std::string out;
  for (unsigned char c : raw) {
    char l = static_cast<char>(std::tolower(c));
    if (std::isalnum(c)) {
      out += l;
    } else if (!out.empty() && out.back() != '-') {
      out += '-';
    }
  }
  while (!out.empty() && out.back() == '-') out.pop_back();
  if (out.empty() || !std::isalpha(static_cast<unsigned char>(out[0]))) out = "x-" + out;
  if (out.size() > 63) out.resize(63);
  while (out.back() == '-') out.pop_back();
  return out;
}

std::string data_key(const std::string& raw) {
  std::string out;
  for (unsigned char c : raw) out += (std::isalnum(c) || c == '-' || c == '.' || c == '_') ? static_cast<char>(c) : '_';
  return out.empty() ? "_" : out;
}

bool is_dns_label(const std::string& s) { return !s.empty() && kube_name(s) == s; }

std::string cpu_quantity(double cpus) {
  auto milli = static_cast<int64_t>(std::llround(cpus * 1000));
  if (milli % 1000 == 0) return std::to_string(milli / 1000);
  return std::to_string(milli) + "m";
}

std::string memory_quantity(int64_t bytes) {
  const char* units[] = {"Ki", "Mi", "Gi", "Ti"};
  std::string unit;
  for (const char* u : units) {
    if (bytes == 0 || bytes % 1024 != 0) break;
    bytes /= 1024;
    unit = u;
  }
  return std::to_string(bytes) + unit;
}

int64_t seconds(compose::model::Duration d, int64_t min) {
  int64_t ns = d.count();
  int64_t s = ns / 1000000000 + (ns % 1000000000 > 0 ? 1 : 0);
  return s < min ? min : s;
}

std::string escape_dollar_refs(const std::string& s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '$' && i + 1 < s.size() && (s[i + 1] == '(' || s[i + 1] == '$')) out += '$';
    out += s[i];
  }
  return out;
}

std::string relative_to(const std::string& path, const std::string& base) {
  if (path == base) return ".";
  std::string prefix = base.empty() || base.back() == '/' ? base : base + "/";
  if (!base.empty() && path.compare(0, prefix.size(), prefix) == 0) return path.substr(prefix.size());
  if (base.empty() || path.empty() || path[0] != '/' || base[0] != '/') return path;
  return std::filesystem::path(path).lexically_relative(base).string();
}

std::string base_name(const std::string& path) {
  std::string p = path;
  while (p.size() > 1 && p.back() == '/') p.pop_back();
  auto slash = p.rfind('/');
  return slash == std::string::npos ? p : p.substr(slash + 1);
}

std::string base64(const std::string& bytes) {
  static const char* kAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  size_t i = 0;
  for (; i + 2 < bytes.size(); i += 3) {
    uint32_t v = (uint8_t(bytes[i]) << 16) | (uint8_t(bytes[i + 1]) << 8) | uint8_t(bytes[i + 2]);
    for (int k = 18; k >= 0; k -= 6) out += kAlphabet[(v >> k) & 63];
  }
  if (i < bytes.size()) {
    uint32_t v = uint8_t(bytes[i]) << 16;
    if (i + 1 < bytes.size()) v |= uint8_t(bytes[i + 1]) << 8;
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += i + 1 < bytes.size() ? kAlphabet[(v >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

bool is_text(const std::string& bytes) {
  for (size_t i = 0; i < bytes.size();) {
    unsigned char c = static_cast<unsigned char>(bytes[i]);
    if (c == 0) return false;
    size_t len = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 0;
    if (len == 0 || i + len > bytes.size()) return false;
    for (size_t k = 1; k < len; ++k)
      if ((static_cast<unsigned char>(bytes[i + k]) >> 6) != 0x2) return false;
    i += len;
  }
  return true;
}

}  // namespace racker::convert
