// racker compose exec [-T] [-e K=V] [-u USER] [-w DIR] [--index N]
// [--privileged] SERVICE COMMAND [ARGS...]: run a command in a running
// service container; exits with the command's code.
#include <unistd.h>

#include <cstdio>
#include <memory>

#include "cmd_compose_common.h"
#include "command.h"

namespace racker::cli {
namespace {

using namespace racker::runtime;

struct ExecFlags {
  bool no_tty = false, privileged = false, detach = false, interactive = true;
  int index = 0;
  std::string user, workdir;
  std::vector<std::string> env;
};

int run_exec(const ExecFlags& f, const std::vector<std::string>& rest) {
  if (rest.size() < 2) {
    std::fprintf(stderr, "\"racker compose exec\" requires at least 2 arguments.\n");
    return 1;
  }
  const std::string& service = rest[0];
  auto session = open_compose();
  if (!session) return 1;
  auto& s = *session;
  if (auto st = check_services(s, {service}); !st) return compose_fail(st.error());
  auto observed = observe(s);
  if (!observed) return compose_fail(observed.error());
  const ObservedContainer* target = nullptr;
  for (const auto& c : *observed) {
    if (c.service != service || c.oneoff || !c.running()) continue;
    if (f.index > 0 ? c.number == f.index : (!target || c.number < target->number)) target = &c;
  }
  if (!target) {
    if (f.index > 0)
      return compose_fail(Error(Errc::kNotFound, "service \"" + service + "\" is not running container #" +
                                                     std::to_string(f.index)));
    return compose_fail(Error(Errc::kNotFound, "service \"" + service + "\" is not running"));
  }
  ExecSpec spec;
  spec.args.assign(rest.begin() + 1, rest.end());
  spec.env = expand_env_flags(f.env, s.loaded.source.environment);
  if (!f.user.empty()) spec.user = f.user;
  if (!f.workdir.empty()) spec.working_dir = f.workdir;
  spec.privileged = f.privileged;
  spec.tty = !f.no_tty && ::isatty(STDIN_FILENO) && ::isatty(STDOUT_FILENO);
  spec.interactive = f.interactive && !f.detach;
  AttachIo io;
  io.in = f.detach ? -1 : STDIN_FILENO;
  io.out = f.detach ? -1 : STDOUT_FILENO;
  io.err = f.detach ? -1 : STDERR_FILENO;
  std::fflush(stdout);
  auto code = s.driver().exec(target->id, spec, io);
  if (!code) {
    std::fprintf(stderr, "%s\n", code.error().message.c_str());
    return exit_code_hint(code.error());
  }
  return *code;
}

CommandRegistration register_compose_exec(Parent::kCompose, 35, [](CLI::App& parent, Context& ctx) {
  auto* cmd = parent.add_subcommand("exec", "Execute a command in a running container");
  auto f = std::make_shared<ExecFlags>();
  auto args = std::make_shared<std::vector<std::string>>();
  // SERVICE COMMAND ARGS...: everything from SERVICE on belongs to the command.
  cmd->add_option("SERVICE", *args, "Service, then the command and its arguments")->take_all();
  cmd->positionals_at_end();
  cmd->add_flag("-T,--no-TTY", f->no_tty, "Disable pseudo-TTY allocation");
  cmd->add_flag("-d,--detach", f->detach, "Detached mode: Run command in the background");
  cmd->add_flag("--privileged", f->privileged, "Give extended privileges to the process");
  cmd->add_option("-e,--env", f->env, "Set environment variables")->allow_extra_args(false);
  cmd->add_option("-u,--user", f->user, "Run the command as this user");
  cmd->add_option("-w,--workdir", f->workdir, "Path to workdir directory for this command");
  cmd->add_option("--index", f->index, "Index of the container if service has multiple replicas");
  cmd->callback([&ctx, f, args] { ctx.exit_code = run_exec(*f, *args); });
});

}  // namespace
}  // namespace racker::cli
