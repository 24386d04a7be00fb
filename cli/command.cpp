#include "command.h"

#include <cstdio>

#include "racker/compose/host.h"
#include "racker/compose/load.h"

namespace racker::cli {

std::vector<RegisteredCommand>& registered_commands() {
  static std::vector<RegisteredCommand> commands;
  return commands;
}

CommandRegistration::CommandRegistration(Parent parent, int order, SetupFn setup) {
  registered_commands().push_back({parent, order, std::move(setup)});
}

int exit_code_for(const Error& err, Parent parent) {
  if (parent == Parent::kCompose) return 1;
  switch (err.code) {
    case Errc::kInvalidArgument: return 125;
    default: return 125;
  }
}

void print_error(const Error& err) {
  compose::DiskFileReader files;
  std::string text = compose::render_error(err, files);
  std::fprintf(stderr, "%s\n", text.c_str());
}

}  // namespace racker::cli
