// racker system dns-daemon (hidden): the host DNS daemon in the foreground.
// ensure_dns_daemon() starts it detached; see racker/network/dns_daemon.h.
// The hidden `system` group holds racker's own plumbing commands; it is made
// here unless another command file made it first.
#include <spdlog/spdlog.h>

#include "command.h"
#include "racker/network/dns_daemon.h"

namespace racker::cli {
namespace {

CommandRegistration register_system_dns(Parent::kRoot, 9990, [](CLI::App& parent, Context& ctx) {
  auto found = parent.get_subcommands([](CLI::App* app) { return app->get_name() == "system"; });
  CLI::App* system = found.empty() ? nullptr : found.front();
  if (!system) {
    system = parent.add_subcommand("system", "racker's own plumbing");
    system->group("");  // hidden from --help
    system->require_subcommand(1);
  }
  auto* cmd = system->add_subcommand("dns-daemon", "Serve container names on every network's gateway");
  cmd->group("");
  cmd->callback([&ctx] {
    // Its log is a file (dns.log): say what it does unless --debug asked for more.
    if (spdlog::get_level() > spdlog::level::info) spdlog::set_level(spdlog::level::info);
    spdlog::default_logger()->set_pattern("%Y-%m-%dT%H:%M:%S.%e %l %v");
    ctx.exit_code = network::run_dns_daemon_foreground(network::dns_daemon_options_from_env());
  });
});

}  // namespace
}  // namespace racker::cli
