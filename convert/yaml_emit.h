#pragma once
// Private to convert/: JSON values printed as block YAML through yaml-cpp's
// emitter, the one place convert/ calls it (its exceptions stop here).
// Strings a YAML reader would take for another type ("8080", "true", "")
// are double-quoted; multi-line strings are literal blocks.

#include <string>

#include <nlohmann/json.hpp>

#include "racker/util/error.h"

namespace racker::convert {

using Json = nlohmann::ordered_json;  // keeps the insertion order of keys

// One YAML document (no `---`), ending in a newline. Errors: kInternal.
Result<std::string> emit_yaml(const Json& value);

}  // namespace racker::convert
