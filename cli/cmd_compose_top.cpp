// racker compose top [SERVICE...]: the processes of each running service
// container, under a header with its name.
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <memory>

#include "cmd_compose_common.h"
#include "command.h"
#include "racker/runtime/container_process.h"

namespace racker::cli {
namespace {

using namespace racker::runtime;

int run_top(const std::vector<std::string>& services) {
  auto session = open_compose();
  if (!session) return 1;
  auto& s = *session;
  if (auto st = check_services(s, services); !st) return compose_fail(st.error());
  auto list = s.driver().list(false);
  if (!list) return compose_fail(list.error());
  auto mine = observe_project(s.name(), *list);
  for (const auto& c : mine) {
    if (!services.empty() && std::find(services.begin(), services.end(), c.service) == services.end()) continue;
    auto info = s.driver().inspect(c.id);
    if (!info || info->state.pid <= 0) continue;
    std::string pids;
    for (int pid : pids_in_namespace_of(info->state.pid)) pids += (pids.empty() ? "" : ",") + std::to_string(pid);
    std::printf("%s\n", c.name.c_str());
    std::fflush(stdout);
    pid_t child = ::fork();
    if (child == 0) {
      ::execlp("ps", "ps", "-f", "-p", pids.c_str(), static_cast<char*>(nullptr));
      ::_exit(127);
    }
    int status = 0;
    ::waitpid(child, &status, 0);
    std::printf("\n");
  }
  return 0;
}

CommandRegistration register_compose_top(Parent::kCompose, 44, [](CLI::App& parent, Context& ctx) {
  auto* cmd = parent.add_subcommand("top", "Display the running processes");
  auto services = std::make_shared<std::vector<std::string>>();
  cmd->add_option("SERVICE", *services, "Services");
  cmd->callback([&ctx, services] { ctx.exit_code = run_top(*services); });
});

}  // namespace
}  // namespace racker::cli
