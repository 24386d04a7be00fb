#pragma once
// Documentation generated from the CLI11 command tree, so that it cannot
// drift from the flags: the CLI reference (docs/cli-reference.md), the man
// page and the bash completion script. Hidden commands and options (group
// "") are left out of all three.

#include <CLI/CLI.hpp>

#include <string>

namespace racker::cli {

// Markdown: a command index, then each command's --help text.
std::string cli_reference_markdown(CLI::App& root);
// racker(1) in roff.
std::string man_page(CLI::App& root, const std::string& version);
// A bash script defining _racker and `complete -F _racker racker`.
std::string bash_completion(CLI::App& root);

}  // namespace racker::cli
