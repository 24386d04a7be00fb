#pragma once
// Top-level `include`: each entry (string or {path, project_directory,
// env_file}) is loaded as its own project (its own directory and .env for
// interpolation), its relative paths resolved against its project directory,
// and its resources merged into the including document. A resource defined
// both in the included and including file is a kConflict error, as in compose.
// Include cycles are kCycle errors.

#include <functional>
#include <string>
#include <vector>

#include "racker/compose/node.h"

namespace racker::compose {

struct IncludeSpec {
  std::vector<std::string> paths;  // absolute; merged in order like -f
  std::string project_directory;   // absolute
  std::vector<std::string> env_files;  // absolute
};

// Loads an included project up to merged, extends applied, includes expanded,
// relative paths made absolute. Supplied by load.cpp. `chain` lists the files
// being included, outermost first, for cycle detection.
using LoadIncludeFn =
    std::function<Result<Node>(const IncludeSpec& spec, const std::vector<std::string>& chain)>;

// Expands doc's `include` (doc came from `file`, relative to `working_dir`).
Status apply_include(Node& doc, const std::string& file, const std::string& working_dir,
                     const std::vector<std::string>& chain, const LoadIncludeFn& load_include);

}  // namespace racker::compose
