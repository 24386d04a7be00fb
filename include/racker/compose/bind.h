#pragma once
// Canonical, normalized Node tree -> typed model::Project. Every key of the
// compose spec is either bound to a model field or recorded as ignored with a
// warning; unknown keys (not `x-*`) are kValidation errors like compose's
// ("services.web additional property foo is not allowed"). Wrong types are
// errors naming file:line:col and the key path. Marks are kept per key path
// for later stages (validate, graph) and for the runtime's messages.

#include <vector>

#include "racker/compose/model.h"
#include "racker/compose/node.h"

namespace racker::compose {

// Collects all errors it finds (sorted by position) rather than stopping at
// the first; the Result holds the first, the rest are in `more` if given.
Result<model::Project> bind(const Node& doc, std::vector<Error>* more = nullptr);

}  // namespace racker::compose
