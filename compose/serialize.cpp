// The canonical serializer's JSON side (nlohmann_json) and the config hash,
// plus the key order and scalar typing shared with the YAML printer
// (serialize_yaml.cpp): keys in docker compose v2's order.
#include "racker/compose/serialize.h"

#include <openssl/evp.h>

#include <algorithm>
#include <nlohmann/json.hpp>

#include "serialize_internal.h"

namespace racker::compose {
namespace serialize_detail {
namespace {

// Top-level keys come in compose's order, the rest (x-*) after, sorted.
const char* const kTopOrder[] = {"name", "services", "networks", "volumes", "secrets", "configs", "models"};

size_t top_rank(const std::string& key) {
  for (size_t i = 0; i < std::size(kTopOrder); ++i)
    if (key == kTopOrder[i]) return i;
  return std::size(kTopOrder);
}

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// YAML 1.1 base-60 numbers ("1:20" is 80 there): go-yaml quotes them too.
bool is_base60(std::string_view s) {
  size_t i = 0;
  if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
  if (i >= s.size() || !is_digit(s[i])) return false;
  while (i < s.size() && (is_digit(s[i]) || s[i] == '_')) ++i;
  int groups = 0;
  while (i < s.size() && s[i] == ':') {
    ++i;
    size_t start = i;
    while (i < s.size() && is_digit(s[i]) && i - start < 2) ++i;
    if (i == start || (i - start == 2 && s[start] > '5')) return false;
    ++groups;
  }
  if (groups == 0) return false;
  if (i < s.size() && s[i] == '.') {
    ++i;
    while (i < s.size() && (is_digit(s[i]) || s[i] == '_')) ++i;
  }
  return i == s.size();
}

}  // namespace

std::vector<const Entry*> ordered_entries(const Node& map, bool top_level) {
  std::vector<const Entry*> out;
  out.reserve(map.entries.size());
  for (const auto& e : map.entries) out.push_back(&e);
  if (top_level) {
    std::stable_sort(out.begin(), out.end(), [](const Entry* a, const Entry* b) {
      size_t ra = top_rank(a->key), rb = top_rank(b->key);
      if (ra != rb) return ra < rb;
      return a->key < b->key;
    });
    return out;
  }
  auto less = [](const Entry* a, const Entry* b) { return a->key < b->key; };
  if (std::is_sorted(out.begin(), out.end(), less)) return out;
  if (out.size() <= 16) {
    // Insertion sort: stable, and no buffer to allocate for the small maps
    // that make up most of a document.
    for (size_t i = 1; i < out.size(); ++i) {
      const Entry* e = out[i];
      size_t j = i;
      for (; j > 0 && less(e, out[j - 1]); --j) out[j] = out[j - 1];
      out[j] = e;
    }
  } else {
    std::stable_sort(out.begin(), out.end(), less);
  }
  return out;
}

PlainType plain_type(const Node& n) {
  if (n.style == ScalarStyle::kQuoted) return PlainType::kString;
  if (n.as_bool()) return PlainType::kBool;
  if (n.as_int()) return PlainType::kInt;
  if (n.as_double()) {
    // Only decimal forms; "inf"/"nan" spellings stay strings.
    bool digits = std::any_of(n.scalar.begin(), n.scalar.end(), is_digit);
    return digits ? PlainType::kFloat : PlainType::kString;
  }
  return PlainType::kString;
}

bool needs_quotes(std::string_view s) {
  if (s.empty()) return true;
  char first = s[0];
  bool numeric_start = (first >= '0' && first <= '9') || first == '+' || first == '-' || first == '.';
  if (!numeric_start) {
    // Words a reader takes for a boolean or null (YAML 1.2 and 1.1).
    if (s.size() > 5) return false;
    static constexpr std::string_view kWords[] = {"true", "True",  "TRUE", "false", "False", "FALSE", "null",
                                                  "Null", "NULL",  "~",    "yes",   "Yes",   "YES",   "no",
                                                  "No",   "NO",    "on",   "On",    "ON",    "off",   "Off",
                                                  "OFF",  "y",     "Y",    "n",     "N"};
    return std::find(std::begin(kWords), std::end(kWords), s) != std::end(kWords);
  }
  // What racker's own reader would type otherwise (plain_type); spellings
  // strtod takes but no YAML reader does ("infinity", "nan") stay plain.
  static thread_local Node probe = Node::plain("");  // reused: no allocation per call
  probe.scalar.assign(s);
  if (plain_type(probe) != PlainType::kString) return true;
  static constexpr std::string_view kSpecial[] = {".inf",  ".Inf",  ".INF",  "+.inf", "+.Inf", "+.INF",
                                                  "-.inf", "-.Inf", "-.INF", ".nan",  ".NaN",  ".NAN"};
  if (std::find(std::begin(kSpecial), std::end(kSpecial), s) != std::end(kSpecial)) return true;
  return is_base60(s);
}

}  // namespace serialize_detail

namespace {

using ojson = nlohmann::ordered_json;
using serialize_detail::ordered_entries;
using serialize_detail::plain_type;
using serialize_detail::PlainType;

ojson to_ojson(const Node& n, bool top_level) {
  switch (n.kind) {
    case NodeKind::kNull: return nullptr;
    case NodeKind::kScalar:
      switch (plain_type(n)) {
        case PlainType::kBool: return *n.as_bool();
        case PlainType::kInt: return *n.as_int();
        case PlainType::kFloat: return *n.as_double();
        case PlainType::kString: return n.scalar;
      }
      return n.scalar;
    case NodeKind::kSequence: {
      ojson arr = ojson::array();
      for (const auto& item : n.items) arr.push_back(to_ojson(item, false));
      return arr;
    }
    case NodeKind::kMapping: {
      ojson obj = ojson::object();
      // Keys are unique already: append to the underlying vector instead of
      // operator[], whose lookup is linear (quadratic for a big mapping).
      auto& entries = static_cast<ojson::object_t::Container&>(obj.get_ref<ojson::object_t&>());
      entries.reserve(n.entries.size());
      for (const Entry* e : ordered_entries(n, top_level)) entries.emplace_back(e->key, to_ojson(e->value, false));
      return obj;
    }
  }
  return nullptr;
}

std::string sha256_hex(const std::string& data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), digest, &len, EVP_sha256(), nullptr);
  static const char* hex = "0123456789abcdef";
  std::string out;
  for (unsigned int i = 0; i < len; ++i) {
    out += hex[digest[i] >> 4];
    out += hex[digest[i] & 15];
  }
  return out;
}

}  // namespace

// Inputs are checked for UTF-8 when read; replacing (never throwing) keeps
// the printer safe should some other path bring in a bad byte.
std::string to_json(const Node& doc, int indent) {
  return to_ojson(doc, true).dump(indent, ' ', false, nlohmann::ordered_json::error_handler_t::replace) +
         (indent >= 0 ? "\n" : "");
}

std::string service_config_hash(const Node& service) {
  Node copy = service;
  for (const char* key : {"build", "pull_policy", "scale", "depends_on", "profiles"}) copy.erase(key);
  if (Node* deploy = copy.find("deploy")) {
    deploy->erase("replicas");
    if (deploy->entries.empty()) copy.erase("deploy");  // replicas alone must not change the hash
  }
  return sha256_hex(to_ojson(copy, false).dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace));
}

}  // namespace racker::compose
