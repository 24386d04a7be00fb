#pragma once
// Variable interpolation as in compose-spec 12-interpolation:
//   $VAR ${VAR}            value or "" when unset
//   ${VAR:-d} ${VAR-d}     default when unset-or-empty / unset
//   ${VAR:?e} ${VAR?e}     error when unset-or-empty / unset
//   ${VAR:+r} ${VAR+r}     replacement when set-and-non-empty / set
//   $$                     a literal $
// Names are [A-Za-z_][A-Za-z0-9_]*. Defaults, errors and replacements may
// nest (`${A:-${B:-x}}`) and are only expanded when used. A `$` that starts no
// template (`$ `, `$}`, `$1`, a trailing `$`) stays as written; `${` that does
// not form a template (`${`, `${}`, `${ A}`, `${A:x}`, no `}` on the line) is
// an error. Braces inside a template balance: `${X:-{"a":1}}` is {"a":1}.
// Applied to values only, never to mapping keys, per file before merging.

#include <string>
#include <string_view>

#include "racker/compose/host.h"
#include "racker/compose/node.h"

namespace racker::compose {

// Errors: kInterpolation, message only (no mark):
//   "invalid interpolation format.\nYou may need to escape any $ with another
//   $.\n<template>" (<template>: the string holding the bad `${`, which is a
//   default's text when the bad part sits in a default), or
//   "required variable X is missing a value[: <e>]", or (hostile input)
//   "templates nested more than 64 levels deep".
Result<std::string> interpolate_string(std::string_view text, const Lookup& lookup);

// Interpolates every scalar value under `root` in place, stopping at the
// first error. Errors carry the scalar's mark and its key path
// (services.web.ports[0]); a bad template reads "invalid interpolation format
// for services.web.image.\n..." as in docker compose. Interpolated scalars
// keep their style, so a plain `${PORT}` can still read as a number.
Status interpolate_tree(Node& root, const Lookup& lookup);

}  // namespace racker::compose
