// racker: docker-compose stacks on systemd-nspawn, without a Docker daemon.
// main() only wires CLI11, logging and the registered commands together.

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstdio>
#include <string>

#include "project_networks.h"
#include "command.h"
#include "racker/version.h"

namespace {

// Warnings go to stderr by default; --verbose adds info, --debug everything.
void setup_logging() {
  auto logger = spdlog::stderr_color_mt("racker");
  logger->set_pattern("%^%l%$ %v");
  spdlog::set_default_logger(logger);
  spdlog::set_level(spdlog::level::warn);
}

// The innermost subcommand the user named.
CLI::App* deepest(CLI::App& app) {
  CLI::App* cur = &app;
  for (;;) {
    auto subs = cur->get_subcommands();
    if (subs.empty()) return cur;
    cur = subs.front();
  }
}

// "racker compose config", for "See '... --help'".
std::string command_path(CLI::App& app) {
  std::string path = "racker";
  CLI::App* cur = &app;
  for (;;) {
    auto subs = cur->get_subcommands();
    if (subs.empty()) return path;
    cur = subs.front();
    path += " " + cur->get_name();
  }
}

}  // namespace

int main(int argc, char** argv) {
  using namespace racker::cli;
  CLI::App app{"racker: run docker-compose stacks on systemd-nspawn, no Docker daemon needed", "racker"};
  app.require_subcommand(1);
  app.failure_message(CLI::FailureMessage::simple);
  setup_logging();
  install_network_removal_hook();
  // Flag callbacks run as the flag is parsed, before any command callback.
  app.add_flag_callback("--verbose", [] { spdlog::set_level(spdlog::level::info); }, "Log what racker does");
  app.add_flag_callback("-D,--debug", [] { spdlog::set_level(spdlog::level::debug); }, "Log debugging detail");

  Context ctx;
  ctx.root = &app;
  CLI::App* compose = app.add_subcommand("compose", "Define and run multi-container applications");
  compose->require_subcommand(1);
  compose->fallthrough();  // -f, -p ... also after the subcommand, like docker compose
  ctx.compose = compose;

  auto& commands = registered_commands();
  std::stable_sort(commands.begin(), commands.end(),
                   [](const RegisteredCommand& a, const RegisteredCommand& b) { return a.order < b.order; });
  for (auto& cmd : commands) {
    // Compose subcommands are set up after the `compose` group's own options.
    if (cmd.parent == Parent::kCompose) cmd.setup(*compose, ctx);
    else cmd.setup(app, ctx);
  }

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ExtrasError& e) {
    // docker's wording for an unknown flag or a stray argument.
    std::string what = e.what();
    auto colon = what.find(": ");
    std::string arg = colon == std::string::npos ? what : what.substr(colon + 2);
    if (!arg.empty() && arg[0] == '-')
      std::fprintf(stderr, "unknown flag: %s\nSee '%s --help'.\n", arg.c_str(), command_path(app).c_str());
    else
      std::fprintf(stderr, "%s\nSee '%s --help'.\n", what.c_str(), command_path(app).c_str());
    return 125;
  } catch (const CLI::RequiredError& e) {
    // A group called without a subcommand prints its help, as docker does.
    if (std::string(e.what()).find("subcommand") != std::string::npos) {
      std::fputs(deepest(app)->help().c_str(), stdout);
      return 0;
    }
    std::fprintf(stderr, "%s\nSee '%s --help'.\n", e.what(), command_path(app).c_str());
    return 125;
  } catch (const CLI::ParseError& e) {
    std::fprintf(stderr, "%s\nSee '%s --help'.\n", e.what(), command_path(app).c_str());
    return 125;
  } catch (const std::exception& e) {  // last resort: racker code itself does not throw
    std::fprintf(stderr, "racker: internal error: %s\n", e.what());
    return 125;
  }
  return ctx.exit_code;
}
