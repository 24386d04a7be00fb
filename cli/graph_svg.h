#pragma once
// Graphviz's rendering of a DOT text (`dot -Tsvg`), for `compose graph
// --format svg` and the dashboard. kNotFound when dot is not installed.

#include <string>

#include "racker/util/error.h"

namespace racker::cli {

Result<std::string> dot_to_svg(const std::string& dot_text);

}  // namespace racker::cli
