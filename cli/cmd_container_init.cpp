// racker container-init: racker's in-container init (hidden). systemd-nspawn
// runs it as a container's PID 1; see racker/runtime/container_init.h.
#include "command.h"
#include "racker/runtime/container_init.h"

namespace racker::cli {
namespace {

CommandRegistration reg(Parent::kRoot, 9999, [](CLI::App& parent, Context& ctx) {
  auto* cmd = parent.add_subcommand("container-init", "");
  cmd->group("");  // hidden from --help
  cmd->callback([&ctx] { ctx.exit_code = runtime::run_container_init(); });
});

}  // namespace
}  // namespace racker::cli
