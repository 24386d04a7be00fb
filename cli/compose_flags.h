#pragma once
// The `racker compose` group's own flags (-f, -p, --project-directory,
// --env-file, --profile), shared by every compose subcommand.

#include <string>
#include <vector>

#include "racker/compose/load.h"

namespace racker::cli {

struct ComposeFlags {
  std::vector<std::string> files;
  std::string project_name;
  std::string project_directory;
  std::vector<std::string> env_files;
  std::vector<std::string> profiles;
  std::string group_all;  // `up --group-all NAME`: every service in one group
};

ComposeFlags& compose_flags();

// ProjectOptions from the flags and the current directory.
compose::ProjectOptions project_options();

// Loads the project; on failure prints the error (with source line and
// caret) and returns nullopt.
std::optional<compose::LoadedProject> load_or_report(const compose::ProjectOptions& opts);

}  // namespace racker::cli
