// racker version: the version of this binary.
#include <cstdio>
#include <memory>

#include "command.h"
#include "racker/version.h"

namespace racker::cli {
namespace {

CommandRegistration register_version(Parent::kRoot, 1000, [](CLI::App& parent, Context& ctx) {
  auto* cmd = parent.add_subcommand("version", "Show the racker version information");
  auto format = std::make_shared<std::string>();
  cmd->add_option("-f,--format", *format, "Format the output (json)");
  cmd->callback([&ctx, format] {
    if (*format == "json") std::printf("{\"Version\":\"%s\"}\n", RACKER_VERSION);
    else std::printf("racker version %s\n", RACKER_VERSION);
    ctx.exit_code = 0;
  });
});

}  // namespace
}  // namespace racker::cli
