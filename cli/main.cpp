// racker: docker-compose stacks on systemd-nspawn, without a Docker daemon.
// main() only wires CLI11, logging and the registered commands together.

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstdio>

#include "command.h"
#include "racker/version.h"

namespace {

void setup_logging(bool verbose, bool debug) {
  auto logger = spdlog::stderr_color_mt("racker");
  logger->set_pattern("%^%l%$ %v");
  spdlog::set_default_logger(logger);
  spdlog::set_level(debug ? spdlog::level::debug : verbose ? spdlog::level::info : spdlog::level::warn);
}

}  // namespace

int main(int argc, char** argv) {
  using namespace racker::cli;
  CLI::App app{"racker: run docker-compose stacks on systemd-nspawn, no Docker daemon needed", "racker"};
  app.require_subcommand(1);
  app.failure_message(CLI::FailureMessage::simple);
  bool verbose = false, debug = false;
  app.add_flag("--verbose", verbose, "Log what racker does");
  app.add_flag("-D,--debug", debug, "Log debugging detail");

  Context ctx;
  ctx.root = &app;
  CLI::App* compose = app.add_subcommand("compose", "Define and run multi-container applications");
  compose->require_subcommand(1);
  ctx.compose = compose;

  auto& commands = registered_commands();
  std::stable_sort(commands.begin(), commands.end(),
                   [](const RegisteredCommand& a, const RegisteredCommand& b) { return a.order < b.order; });
  for (auto& cmd : commands) {
    // Compose subcommands are set up after the `compose` group's own options.
    if (cmd.parent == Parent::kCompose) cmd.setup(*compose, ctx);
    else cmd.setup(app, ctx);
  }

  app.parse_complete_callback([&] { setup_logging(verbose, debug); });
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::fprintf(stderr, "%s\nSee 'racker --help'.\n", e.what());
    return 125;
  } catch (const std::exception& e) {  // last resort: racker code itself does not throw
    std::fprintf(stderr, "racker: internal error: %s\n", e.what());
    return 125;
  }
  return ctx.exit_code;
}
