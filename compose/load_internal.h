#pragma once
// Private to the loader's .cpp files.
#include <string>

#include "racker/util/error.h"

namespace racker::compose {

// Docker's message for a project name that breaks the naming rules.
Error invalid_project_name(const std::string& name);

}  // namespace racker::compose
