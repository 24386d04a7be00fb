#pragma once
// Canonical, normalized Node tree -> typed model::Project. Every key of the
// compose spec is either bound to a model field or recorded as ignored with a
// warning; unknown keys (not `x-*`) are kValidation errors like compose's
// ("services.web additional property foo is not allowed"). Wrong types are
// errors naming file:line:col and the key path. Marks are kept per key path
// for later stages (validate, graph) and for the runtime's messages.

#include <string>
#include <vector>

#include "racker/compose/model.h"
#include "racker/compose/node.h"

namespace racker::compose {

// Collects all errors it finds (sorted by position) rather than stopping at
// the first; the Result holds the first, the rest are in `more` if given.
Result<model::Project> bind(const Node& doc, std::vector<Error>* more = nullptr);

// One key bind() accepts, as a path pattern: `*` stands for any name
// (services.*.image), `[]` for any list item (services.*.ports[].target).
struct KnownKey {
  enum class Kind {
    kBound,    // read into the model
    kIgnored,  // accepted, recorded in `ignored` with a warning
    kApplied,  // handled by an earlier stage (include, extends, version)
  };
  std::string pattern;
  Kind kind = Kind::kBound;
  std::string reason;  // kIgnored: why
};

// Every key of bind()'s field tables, in table order (x-* keys aside, which
// every object accepts). For the compatibility matrix and its test; listing
// keys changes nothing about binding.
std::vector<KnownKey> known_keys();

}  // namespace racker::compose
