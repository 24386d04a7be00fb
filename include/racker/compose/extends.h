#pragma once
// `extends`: a service takes another service's definition (same file or
// another file, nested to any depth) and merges its own on top
// (merge_service). Every key is inherited, depends_on, links, volumes_from
// and service:-modes included, as compose v2 does; validate checks that what
// they name exists. Relative paths of a service taken from another file are
// rebased onto that file's directory (resolve_service_paths; `~` stays for
// normalize). Each other file is loaded once.
//
// Errors, at the mark of the offending `extends` value:
//   kCycle        "circular reference: a in /p/compose.yaml -> extends b in
//                 /p/compose.yaml -> extends a in /p/compose.yaml"
//   kNotFound     "cannot extend service "web" in /p/compose.yaml: service "base"
//                 not found[ in /p/other.yaml]"; an unreadable file: the reader's
//                 error at extends.file
//   kUnsupported  remote files (git, oci://)
//   kValidation   extends without `service`
// An extending service's `!reset`/`!override` values stay tagged in the result
// (see merge_service); the loader resolves what is left after the -f merge.

#include <functional>
#include <string>

#include "racker/compose/node.h"

namespace racker::compose {

// Loads another compose file up to (and including) canonicalize(): parse,
// interpolate, canonical. Supplied by load.cpp so this stage never calls back
// into earlier stages itself. `path` is absolute.
using LoadFileFn = std::function<Result<Node>(const std::string& path)>;

// Resolves every services.*.extends in `doc` (which was read from `file`,
// an absolute path; relative extends.file values are relative to
// `working_dir`). On success no service has `extends`.
Status apply_extends(Node& doc, const std::string& file, const std::string& working_dir,
                     const LoadFileFn& load_file);

}  // namespace racker::compose
