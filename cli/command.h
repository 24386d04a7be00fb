#pragma once
// How CLI commands plug in: each cli/cmd_*.cpp defines a setup function and
// registers it with a static CommandRegistration, so adding a command is
// adding a file. Setup adds a CLI11 subcommand whose callback stores the
// command's exit code in Context::exit_code.

#include <CLI/CLI.hpp>

#include <functional>
#include <string>
#include <vector>

#include "racker/util/error.h"

namespace racker::cli {

// Options shared by every command.
struct Context {
  CLI::App* root = nullptr;
  CLI::App* compose = nullptr;  // the `racker compose` group
  int exit_code = 0;
};

enum class Parent { kRoot, kCompose };

using SetupFn = std::function<void(CLI::App& parent, Context& ctx)>;

struct CommandRegistration {
  // `order` sorts commands in --help; `setup` is called once at start-up.
  CommandRegistration(Parent parent, int order, SetupFn setup);
};

struct RegisteredCommand {
  Parent parent;
  int order;
  SetupFn setup;
};
std::vector<RegisteredCommand>& registered_commands();

// Exit codes, docker's convention: 125 for racker's own failures,
// 1 for compose-level failures (docker compose exits 1), the payload's own
// code otherwise.
int exit_code_for(const Error& err, Parent parent);

// Prints an error to stderr as docker does ("Error response ...", or the
// compose loader's file:line:col form with the source line and a caret).
void print_error(const Error& err);

}  // namespace racker::cli
