#pragma once
// Private to the loader's .cpp files.
#include <string>
#include <vector>

#include "racker/util/error.h"

namespace racker::compose {

// Docker's message for a project name that breaks the naming rules.
Error invalid_project_name(const std::string& name);

// Orders errors by file, line and column (stable); those without a position last.
void sort_by_position(std::vector<Error>& errors);

}  // namespace racker::compose
