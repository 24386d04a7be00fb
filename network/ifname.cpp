#include "racker/network/ifname.h"

#include <openssl/evp.h>

#include <cctype>

namespace racker::network {

namespace {

// The first `digits` hex digits of sha256(text): stable across releases and
// machines, which a std::hash would not promise.
std::string hex_hash(std::string_view text, std::size_t digits) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(text.data(), text.size(), md, &len, EVP_sha256(), nullptr);
  static const char* kHex = "0123456789abcdef";
  std::string out;
  for (unsigned int i = 0; i < len && out.size() < digits; ++i) {
    out += kHex[md[i] >> 4];
    out += kHex[md[i] & 0xf];
  }
  out.resize(digits);
  return out;
}

std::string salted(std::string_view text, int attempt) {
  std::string s(text);
  if (attempt > 0) s += "#" + std::to_string(attempt);
  return s;
}

bool all_hex(std::string_view s) {
  for (char c : s)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  return !s.empty();
}

}  // namespace

std::string bridge_ifname(std::string_view network_name, int attempt) {
  return "rk-" + hex_hash(salted(network_name, attempt), 12);
}

std::string veth_prefix(std::string_view bridge) {
  return "rkv" + std::string(bridge.substr(3, 6));
}

std::string veth_ifname(std::string_view bridge, std::string_view endpoint, int attempt) {
  return veth_prefix(bridge) + hex_hash(salted(endpoint, attempt), 6);
}

std::string container_ifname(int index) { return "eth" + std::to_string(index); }

bool is_bridge_ifname(std::string_view name) {
  return name.size() == 15 && name.substr(0, 3) == "rk-" && all_hex(name.substr(3));
}

bool is_veth_ifname(std::string_view name) {
  return name.size() == 15 && name.substr(0, 3) == "rkv" && all_hex(name.substr(3));
}

bool is_valid_ifname(std::string_view name) {
  if (name.empty() || name.size() > kMaxIfnameLength || name == "." || name == "..") return false;
  for (unsigned char c : name)
    if (c == '/' || c == ':' || std::isspace(c) || c == 0) return false;
  return true;
}

}  // namespace racker::network
