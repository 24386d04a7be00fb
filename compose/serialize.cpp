// The canonical serializer: YAML through yaml-cpp's emitter, JSON through
// nlohmann_json, keys in docker compose v2's order.
#include "racker/compose/serialize.h"

#include <openssl/evp.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <nlohmann/json.hpp>

namespace racker::compose {
namespace {

using ojson = nlohmann::ordered_json;

// Top-level keys come in compose's order, the rest (x-*) after, sorted.
const char* const kTopOrder[] = {"name", "services", "networks", "volumes", "secrets", "configs", "models"};

std::vector<const Entry*> ordered_entries(const Node& map, bool top_level) {
  std::vector<const Entry*> out;
  for (const auto& e : map.entries) out.push_back(&e);
  auto rank = [top_level](const std::string& key) -> size_t {
    if (!top_level) return 0;
    for (size_t i = 0; i < std::size(kTopOrder); ++i)
      if (key == kTopOrder[i]) return i;
    return std::size(kTopOrder);
  };
  std::stable_sort(out.begin(), out.end(), [&](const Entry* a, const Entry* b) {
    size_t ra = rank(a->key), rb = rank(b->key);
    if (ra != rb) return ra < rb;
    return a->key < b->key;
  });
  return out;
}

// What a plain scalar reads as (YAML 1.2 core schema).
enum class PlainType { kString, kInt, kFloat, kBool };

PlainType plain_type(const Node& n) {
  if (n.style == ScalarStyle::kQuoted) return PlainType::kString;
  if (n.as_bool()) return PlainType::kBool;
  if (n.as_int()) return PlainType::kInt;
  if (n.as_double()) {
    // Only decimal forms; "inf"/"nan" spellings stay strings.
    bool digits = std::any_of(n.scalar.begin(), n.scalar.end(), [](char c) { return c >= '0' && c <= '9'; });
    return digits ? PlainType::kFloat : PlainType::kString;
  }
  return PlainType::kString;
}

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
      for (const Entry* e : ordered_entries(n, top_level)) obj[e->key] = to_ojson(e->value, false);
      return obj;
    }
  }
  return nullptr;
}

// A string that a YAML reader would take for something else if written plain.
bool needs_quotes(const std::string& s) {
  if (s.empty()) return true;
  Node probe = Node::plain(s);
  if (probe.as_bool() || probe.as_int() || probe.as_double()) return true;
  static const char* const kAmbiguous[] = {"null", "Null", "NULL", "~",   "yes", "no",  "Yes", "No",
                                           "YES",  "NO",   "on",   "off", "On",  "Off", "ON",  "OFF",
                                           "y",    "n",    "Y",    "N",   ".inf", ".nan", "-.inf"};
  for (const char* a : kAmbiguous)
    if (s == a) return true;
  return false;
}

// yaml-cpp writes literal blocks with "clip" chomping (`|`), which reads back
// with exactly one trailing newline: only such strings round-trip that way.
bool literal_safe(const std::string& s) {
  if (s.size() < 2 || s.back() != '\n' || s[s.size() - 2] == '\n') return false;
  // Leading spaces on the first line or trailing spaces would need indicators.
  return s.front() != ' ' && s.find(" \n") == std::string::npos;
}

void emit(YAML::Emitter& out, const Node& n, bool top_level) {
  switch (n.kind) {
    case NodeKind::kNull:
      out << YAML::Null;
      return;
    case NodeKind::kScalar:
      if (plain_type(n) != PlainType::kString) {
        out << n.scalar;
      } else if (n.scalar.find('\n') != std::string::npos && literal_safe(n.scalar)) {
        // The block's own line break supplies the string's final newline.
        out << YAML::Literal << n.scalar.substr(0, n.scalar.size() - 1);
      } else if (needs_quotes(n.scalar)) {
        out << YAML::DoubleQuoted << n.scalar;
      } else {
        out << n.scalar;
      }
      return;
    case NodeKind::kSequence:
      if (n.items.empty()) {
        out << YAML::Flow << YAML::BeginSeq << YAML::EndSeq;
        return;
      }
      out << YAML::BeginSeq;
      for (const auto& item : n.items) emit(out, item, false);
      out << YAML::EndSeq;
      return;
    case NodeKind::kMapping:
      if (n.entries.empty()) {
        out << YAML::Flow << YAML::BeginMap << YAML::EndMap;
        return;
      }
      out << YAML::BeginMap;
      for (const Entry* e : ordered_entries(n, top_level)) {
        out << YAML::Key << e->key << YAML::Value;
        emit(out, e->value, false);
      }
      out << YAML::EndMap;
      return;
  }
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

std::string to_yaml(const Node& doc) {
  YAML::Emitter out;
  out.SetIndent(2);
  out.SetSeqFormat(YAML::Block);
  out.SetMapFormat(YAML::Block);
  out.SetNullFormat(YAML::LowerNull);  // compose prints `null`, not `~`
  emit(out, doc, true);
  std::string text = out.c_str();
  if (text.empty() || text.back() != '\n') text += '\n';
  return text;
}

std::string to_json(const Node& doc, int indent) { return to_ojson(doc, true).dump(indent) + (indent >= 0 ? "\n" : ""); }

std::string service_config_hash(const Node& service) {
  Node copy = service;
  for (const char* key : {"build", "pull_policy", "scale", "depends_on", "profiles"}) copy.erase(key);
  if (Node* deploy = copy.find("deploy")) {
    deploy->erase("replicas");
    if (deploy->entries.empty()) copy.erase("deploy");  // replicas alone must not change the hash
  }
  return sha256_hex(to_ojson(copy, false).dump());
}

}  // namespace racker::compose
