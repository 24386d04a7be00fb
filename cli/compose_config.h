#pragma once
// `compose config`'s options and body, shared with `compose convert`
// (docker compose's alias of config, which racker extends with
// --format kubernetes|systemd).

#include <CLI/CLI.hpp>

#include <string>

namespace racker::cli {

struct ConfigOptions {
  std::string format = "yaml";
  bool quiet = false, services = false, volumes = false, networks = false, profiles = false, images = false;
  bool environment = false, variables = false;
  bool no_interpolate = false, no_normalize = false, no_path_resolution = false;
  std::string hash, output;
};

// Adds config's flags (all but --format) to `cmd`.
void add_config_flags(CLI::App& cmd, ConfigOptions& o);

// Writes `text` to `path` (stdout when empty); 0, or 1 with the error printed.
int write_output(const std::string& text, const std::string& path);

// Prints what `o` asks for; returns the exit code.
int run_config(const ConfigOptions& o);

}  // namespace racker::cli
