// `racker compose` group flags, and loading a project for its subcommands.
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <climits>
#include <cstdio>
#include <cstdlib>

#include "command.h"
#include "compose_flags.h"

namespace racker::cli {

ComposeFlags& compose_flags() {
  static ComposeFlags flags;
  return flags;
}

compose::ProjectOptions project_options() {
  const ComposeFlags& f = compose_flags();
  compose::ProjectOptions opts;
  opts.files = f.files;
  opts.project_name = f.project_name;
  opts.project_directory = f.project_directory;
  opts.env_files = f.env_files;
  // docker compose: COMPOSE_ENV_FILES (comma separated) stands in for --env-file.
  if (const char* list = std::getenv("COMPOSE_ENV_FILES"); opts.env_files.empty() && list && *list) {
    std::string rest = list;
    for (size_t at = 0; at <= rest.size();) {
      size_t comma = rest.find(',', at);
      if (comma == std::string::npos) comma = rest.size();
      if (comma > at) opts.env_files.push_back(rest.substr(at, comma - at));
      at = comma + 1;
    }
  }
  opts.profiles = f.profiles;
  char cwd[PATH_MAX];
  opts.working_dir = ::getcwd(cwd, sizeof cwd) ? cwd : "/";
  return opts;
}

std::optional<compose::LoadedProject> load_or_report(const compose::ProjectOptions& opts) {
  compose::DiskFileReader files;
  auto loaded = compose::load_project(opts, files, compose::process_environment());
  if (!loaded) {
    print_error(loaded.error());
    return std::nullopt;
  }
  for (const auto& w : loaded->warnings) spdlog::warn("{}", w);
  return std::move(*loaded);
}

namespace {

CommandRegistration register_compose(Parent::kRoot, 0, [](CLI::App&, Context& ctx) {
  ComposeFlags& f = compose_flags();
  CLI::App& c = *ctx.compose;
  c.add_option("-f,--file", f.files, "Compose configuration files")->allow_extra_args(false);
  c.add_option("-p,--project-name", f.project_name, "Project name");
  c.add_option("--project-directory", f.project_directory,
               "Specify an alternate working directory (default: the path of the first Compose file)");
  c.add_option("--env-file", f.env_files, "Specify an alternate environment file")->allow_extra_args(false);
  c.add_option("--profile", f.profiles, "Specify a profile to enable")->allow_extra_args(false);
});

}  // namespace
}  // namespace racker::cli
