#pragma once
// Resolving relative paths in a canonical document against a base directory:
// build.context and additional_contexts (unless URLs, git remotes or
// `service:`/`docker-image://` references), build.ssh paths, bind volume
// sources, env_file paths, label_file, extends.file, develop.watch paths,
// secrets/configs `file`, `local` volumes bound with `o: bind` (device),
// include paths, project_directory and env_file. Used for the main project (base = project directory), for
// services taken from another file by `extends`, and for included projects.
// A path starting with `~` is never joined to the base: it waits for a home.

#include <string>
#include <string_view>

#include "racker/compose/host.h"
#include "racker/compose/node.h"

namespace racker::compose {

// `home` expands a leading `~` (empty: leave `~` alone). Idempotent.
// A `build` mapping without a context gets base_dir, compose's default `.`
// (so an included project's builds default to its own directory).
void resolve_paths(Node& doc, const std::string& base_dir, const std::string& home);

// The same for a single service definition (extends from another file),
// except that a missing build context stays missing: the extending service
// may set one, and compose defaults it to the main project's directory.
void resolve_service_paths(Node& service, const std::string& base_dir, const std::string& home);

// A compose file compose would fetch (git or OCI: "://" or "git@...") for
// `extends.file` or `include`; racker reports those as kUnsupported.
bool is_remote_compose_file(std::string_view path);

}  // namespace racker::compose
