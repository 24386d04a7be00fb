#pragma once
// Variable interpolation as in compose-spec 12-interpolation:
//   $VAR ${VAR}            value or "" when unset
//   ${VAR:-d} ${VAR-d}     default when unset-or-empty / unset
//   ${VAR:?e} ${VAR?e}     error when unset-or-empty / unset
//   ${VAR:+r} ${VAR+r}     replacement when set-and-non-empty / set
//   $$                     a literal $
// Defaults, errors and replacements may nest (`${A:-${B:-x}}`). Applied to
// values only, never to mapping keys, per file before merging.

#include <string>
#include <string_view>

#include "racker/compose/host.h"
#include "racker/compose/node.h"

namespace racker::compose {

// Errors: kInterpolation, message only (no mark): "invalid interpolation
// format ..." or "required variable X is missing a value: <e>".
Result<std::string> interpolate_string(std::string_view text, const Lookup& lookup);

// Interpolates every scalar value under `root` in place. Errors carry the
// scalar's mark and its key path (services.web.image). Interpolated scalars
// keep their style, so a plain `${PORT}` can still read as a number.
Status interpolate_tree(Node& root, const Lookup& lookup);

}  // namespace racker::compose
