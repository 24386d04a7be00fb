#pragma once
// Resolving relative paths in a canonical document against a base directory:
// build.context (unless a URL), bind volume sources (`.`/`..`-relative and
// `~`), env_file paths, secrets/configs `file`, extends.file, include paths,
// label_file. Used for the main project (base = project directory), for
// services taken from another file by `extends`, and for included projects.

#include <string>

#include "racker/compose/host.h"
#include "racker/compose/node.h"

namespace racker::compose {

// `home` expands a leading `~` (empty: leave `~` alone). Idempotent.
void resolve_paths(Node& doc, const std::string& base_dir, const std::string& home);

// The same for a single service definition (extends from another file).
void resolve_service_paths(Node& service, const std::string& base_dir, const std::string& home);

}  // namespace racker::compose
