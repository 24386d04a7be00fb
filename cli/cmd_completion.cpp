// racker completion bash: the bash completion script, generated from the
// command tree (cli_docs.h). Hidden `racker system cli-reference` and
// `racker system man-page` print docs/cli-reference.md and racker(1) from
// the same tree.
#include <cstdio>

#include "cli_docs.h"
#include "command.h"
#include "racker/version.h"

namespace racker::cli {
namespace {

// The hidden `system` group, made here unless another command file made it first.
CLI::App* system_group(CLI::App& parent) {
  auto found = parent.get_subcommands([](CLI::App* app) { return app->get_name() == "system"; });
  if (!found.empty()) return found.front();
  CLI::App* system = parent.add_subcommand("system", "racker's own plumbing");
  system->group("");  // hidden from --help
  system->require_subcommand(1);
  return system;
}

CommandRegistration completion(Parent::kRoot, 990, [](CLI::App& parent, Context& ctx) {
  auto* cmd = parent.add_subcommand("completion", "Generate the autocompletion script for the specified shell");
  cmd->require_subcommand(1);
  auto* bash = cmd->add_subcommand("bash", "Generate the autocompletion script for bash");
  bash->callback([&ctx] {
    std::fputs(bash_completion(*ctx.root).c_str(), stdout);
    ctx.exit_code = 0;
  });
});

CommandRegistration docs(Parent::kRoot, 9991, [](CLI::App& parent, Context& ctx) {
  CLI::App* system = system_group(parent);
  auto* ref = system->add_subcommand("cli-reference", "Print the command reference (docs/cli-reference.md)");
  ref->group("");
  ref->callback([&ctx] {
    std::fputs(cli_reference_markdown(*ctx.root).c_str(), stdout);
    ctx.exit_code = 0;
  });
  auto* man = system->add_subcommand("man-page", "Print the racker(1) man page");
  man->group("");
  man->callback([&ctx] {
    std::fputs(man_page(*ctx.root, RACKER_VERSION).c_str(), stdout);
    ctx.exit_code = 0;
  });
});

}  // namespace
}  // namespace racker::cli
