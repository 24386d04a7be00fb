#pragma once
// `extends`: a service takes another service's definition (same file or
// another file, nested to any depth) and merges its own on top. Relative
// paths of a service taken from another file are rebased onto that file's
// directory. Cycles are kCycle errors naming the chain.

#include <functional>
#include <string>

#include "racker/compose/node.h"

namespace racker::compose {

// Loads another compose file up to (and including) canonicalize(): parse,
// interpolate, canonical. Supplied by load.cpp so this stage never calls back
// into earlier stages itself. `path` is absolute.
using LoadFileFn = std::function<Result<Node>(const std::string& path)>;

// Resolves every services.*.extends in `doc` (which was read from `file`,
// whose directory is `working_dir`). On return no service has `extends`.
Status apply_extends(Node& doc, const std::string& file, const std::string& working_dir,
                     const LoadFileFn& load_file);

}  // namespace racker::compose
