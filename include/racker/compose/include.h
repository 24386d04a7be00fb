#pragma once
// Top-level `include`: each entry (string or {path, project_directory,
// env_file}) is loaded as its own project (its own directory and .env for
// interpolation), its relative paths resolved against its project directory,
// and its resources (services, networks, volumes, secrets, configs, models)
// copied into the including document, `include` itself removed. The included
// project's own `!reset`/`!override` tags are resolved before the copy.
//
// Errors:
//   kConflict     a resource defined here (or by an earlier include) and imported
//                 with a different definition, at the first definition:
//                 "services.foo: conflicts with imported resource from /p/inc.yaml"
//                 (compose-go's rule until late 2025; newer compose lets the
//                 including file override the imported definition)
//   kCycle        a path already in the chain, at the entry:
//                 "include cycle detected: /p/a.yaml -> include /p/b.yaml -> include /p/a.yaml"
//   kUnsupported  remote files (git, oci://)
//   kValidation   malformed entries
// Errors of the included project get the context "while including <path>".

#include <functional>
#include <string>
#include <vector>

#include "racker/compose/node.h"

namespace racker::compose {

struct IncludeSpec {
  std::vector<std::string> paths;  // absolute; merged in order like -f
  std::string project_directory;   // absolute; default: the first path's directory
  // Absolute; empty means "the project directory's .env if any". "/dev/null"
  // is passed through: a list was given, so no default .env.
  std::vector<std::string> env_files;
};

// Loads an included project up to merged, extends applied, includes expanded,
// relative paths made absolute. Supplied by load.cpp. `chain` lists the files
// being included, outermost first, for cycle detection.
using LoadIncludeFn =
    std::function<Result<Node>(const IncludeSpec& spec, const std::vector<std::string>& chain)>;

// Expands doc's `include` (doc came from `file`; relative paths, project
// directories and env files are relative to `working_dir`). `chain` is the
// including files, outermost first; `file` is appended if it is not last.
Status apply_include(Node& doc, const std::string& file, const std::string& working_dir,
                     const std::vector<std::string>& chain, const LoadIncludeFn& load_include);

}  // namespace racker::compose
