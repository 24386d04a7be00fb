// x-* extension values are kept as JSON text so the model stays free of a
// tree type; consumers parse what they understand (x-racker groups).
#include <nlohmann/json.hpp>

#include "bind_internal.h"

namespace racker::compose::bind_detail {
namespace {

using ojson = nlohmann::ordered_json;

ojson to_json_value(const Node& n) {
  switch (n.kind) {
    case NodeKind::kNull: return nullptr;
    case NodeKind::kScalar:
      if (n.style == ScalarStyle::kPlain) {
        if (auto b = n.as_bool()) return *b;
        if (auto i = n.as_int()) return *i;
        if (auto d = n.as_double(); d && n.scalar.find_first_of("0123456789") != std::string::npos) return *d;
      }
      return n.scalar;
    case NodeKind::kSequence: {
      ojson arr = ojson::array();
      for (const auto& item : n.items) arr.push_back(to_json_value(item));
      return arr;
    }
    case NodeKind::kMapping: {
      ojson obj = ojson::object();
      for (const auto& e : n.entries) obj[e.key] = to_json_value(e.value);
      return obj;
    }
  }
  return nullptr;
}

}  // namespace

std::string node_to_json(const Node& n) {
  // Invalid UTF-8 in a scalar would make dump() throw: replace it instead.
  return to_json_value(n).dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

}  // namespace racker::compose::bind_detail
