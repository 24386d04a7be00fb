#pragma once
// The template engine behind interpolate_string and interpolate_tree, shared
// with dotenv.cpp so an error can name what was being interpolated: a key
// path (services.web.image) or a dotenv key.

#include <string>
#include <string_view>

#include "racker/compose/host.h"

namespace racker::compose {

// Errors: kInterpolation, message only. `subject` names the value in
// "invalid interpolation format for <subject>." and may be empty.
Result<std::string> substitute_template(std::string_view text, const Lookup& lookup, std::string_view subject);

}  // namespace racker::compose
