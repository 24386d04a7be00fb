#pragma once
// The loader: the only place that knows the order of the stages.
//   per file:  read -> parse_yaml -> interpolate_tree -> canonicalize
//              -> apply_include -> apply_extends
//   then:      merge_documents (in -f order) -> apply_profiles -> normalize
//              -> bind -> validate
// Options mirror `docker compose`'s global flags and COMPOSE_* variables.

#include <string>
#include <vector>

#include "racker/compose/host.h"
#include "racker/compose/model.h"
#include "racker/compose/node.h"

namespace racker::compose {

struct ProjectOptions {
  std::vector<std::string> files;         // -f; empty: COMPOSE_FILE or discovery
  std::string project_name;               // -p
  std::string project_directory;          // --project-directory
  std::vector<std::string> env_files;     // --env-file
  std::vector<std::string> profiles;      // --profile (plus COMPOSE_PROFILES)
  std::vector<std::string> selected_services;  // services named on the command line
  std::string working_dir;                // where racker runs (cwd), absolute
  bool interpolate = true;                // --no-interpolate clears it
  bool normalize = true;                  // --no-normalize clears it
  bool resolve_env = true;                // resolve bare env keys and env_file contents
  bool validate = true;                   // bind + validate (tests may skip)
};

// Files, directory, name and environment, resolved before any YAML is read.
struct ProjectSource {
  std::vector<std::string> files;  // absolute; "-" for stdin is not supported
  std::string project_dir;         // absolute
  std::string name;                // may be empty until the YAML's `name:` is read
  bool name_explicit = false;      // from -p or COMPOSE_PROJECT_NAME
  EnvMap environment;              // process env overlaid on .env (process wins)
  std::vector<std::string> profiles;
};

// Applies docker compose's rules: -f / COMPOSE_FILE (split by
// COMPOSE_PATH_SEPARATOR, default ':'), else compose.yaml, compose.yml,
// docker-compose.yml, docker-compose.yaml searched from working_dir upward
// plus the matching *.override.* file; project dir = --project-directory or
// the first file's directory; .env from the project dir (or --env-file);
// COMPOSE_PROFILES; project name from -p, COMPOSE_PROJECT_NAME.
Result<ProjectSource> resolve_source(const ProjectOptions& opts, FileReader& files, const EnvMap& process_env);

// Docker's project name rules: lowercase letters, digits, dashes,
// underscores, starting with a letter or digit.
bool is_valid_project_name(const std::string& name);
// Base name of a directory turned into a valid name (lowercased, invalid characters dropped).
std::string normalize_project_name(const std::string& raw);

struct LoadedProject {
  ProjectSource source;
  Node doc;                  // merged, normalized document (what `config` prints)
  model::Project project;    // typed view of `doc` (empty when !opts.validate)
  std::vector<std::string> warnings;
};

// Runs the whole pipeline. Errors carry file:line:col and key path.
Result<LoadedProject> load_project(const ProjectOptions& opts, FileReader& files, const EnvMap& process_env);

// Renders an error as compose.yaml:12:7: path: message, then the source line
// and a caret under the column when the file can be read.
std::string render_error(const Error& err, FileReader& files);

}  // namespace racker::compose
