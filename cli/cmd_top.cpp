// racker top CONTAINER [ps OPTIONS]: the processes of a container, as docker
// top: the host's ps output restricted to the container's PID namespace.
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <memory>
#include <sstream>

#include "command.h"
#include "container_cli.h"
#include "racker/runtime/container_process.h"

namespace racker::cli {
namespace {

using namespace racker::runtime;

int run_top(const std::vector<std::string>& args) {
  auto containers = open_containers();
  auto info = containers.driver->inspect(args[0]);
  if (!info) return daemon_error(info.error());
  const auto& s = info->state;
  if (s.status != ContainerStatus::kRunning || !process_alive(s.pid, s.pid_start))
    return daemon_error(Error(Errc::kConflict, "container " + info->spec.id + " is not running"));
  auto pids = pids_in_namespace_of(s.pid);
  std::string list;
  for (int pid : pids) {
    if (!list.empty()) list += ',';
    list += std::to_string(pid);
  }
  std::vector<std::string> argv = {"ps"};
  if (args.size() > 1) argv.insert(argv.end(), args.begin() + 1, args.end());
  else argv.push_back("-f");
  argv.push_back("-p");
  argv.push_back(list);
  std::fflush(stdout);
  pid_t child = ::fork();
  if (child == 0) {
    std::vector<char*> a;
    for (auto& s : argv) a.push_back(s.data());
    a.push_back(nullptr);
    ::execvp("ps", a.data());
    std::perror("ps");
    ::_exit(127);
  }
  int status = 0;
  ::waitpid(child, &status, 0);
  return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : 1;
}

CommandRegistration register_top(Parent::kRoot, 134, [](CLI::App& parent, Context& ctx) {
  auto* cmd = parent.add_subcommand("top", "Display the running processes of a container");
  cmd->prefix_command();
  cmd->callback([&ctx, cmd] {
    auto rest = cmd->remaining();
    if (rest.empty()) {
      std::fprintf(stderr, "\"racker top\" requires at least 1 argument.\nSee 'racker top --help'.\n");
      ctx.exit_code = 1;
      return;
    }
    ctx.exit_code = run_top(rest);
  });
});

}  // namespace
}  // namespace racker::cli
