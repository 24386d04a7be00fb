#pragma once
// Private to serialize*.cpp: the key order and scalar typing that the YAML
// and JSON printers share, so both describe the same model.

#include <string_view>
#include <vector>

#include "racker/compose/node.h"

namespace racker::compose::serialize_detail {

// A map's entries in output order: sorted by key; at the top level compose's
// order first (name, services, networks, volumes, secrets, configs, models).
std::vector<const Entry*> ordered_entries(const Node& map, bool top_level);

// What a scalar reads as (YAML 1.2 core schema; quoted scalars are strings).
enum class PlainType { kString, kInt, kFloat, kBool };
PlainType plain_type(const Node& n);

// A string a YAML reader would take for something else if written plain:
// numbers, booleans, nulls, YAML 1.1 spellings (yes/no/on/off, base 60).
bool needs_quotes(std::string_view s);

}  // namespace racker::compose::serialize_detail
