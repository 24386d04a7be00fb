// racker exec [-i] [-t] [-e K=V] [-u USER] [-w DIR] [--privileged] CONTAINER CMD [ARG...]:
// run a command in a running container, as docker exec.
#include <unistd.h>

#include <cstdio>
#include <memory>

#include "command.h"
#include "container_cli.h"

namespace racker::cli {
namespace {

using namespace racker::runtime;

struct ExecFlags {
  bool interactive = false, tty = false, privileged = false, detach = false;
  std::string user, workdir;
  std::vector<std::string> env, env_files;
};

int run_exec(const ExecFlags& f, const std::vector<std::string>& rest) {
  if (!rest.empty() && rest[0].size() > 1 && rest[0][0] == '-') {
    std::fprintf(stderr, "unknown flag: %s\nSee 'racker exec --help'.\n", rest[0].c_str());
    return 125;
  }
  if (rest.size() < 2) {
    std::fprintf(stderr, "\"racker exec\" requires at least 2 arguments.\nSee 'racker exec --help'.\n\n"
                         "Usage:  racker exec [OPTIONS] CONTAINER COMMAND [ARG...]\n\n"
                         "Execute a command in a running container\n");
    return 1;
  }
  ExecSpec spec;
  spec.args.assign(rest.begin() + 1, rest.end());
  for (const auto& file : f.env_files) {
    auto env = read_env_file(file);
    if (!env) return daemon_error(env.error());
    spec.env.insert(spec.env.end(), env->begin(), env->end());
  }
  auto env = expand_env_flags(f.env);
  spec.env.insert(spec.env.end(), env.begin(), env.end());
  if (!f.user.empty()) spec.user = f.user;
  if (!f.workdir.empty()) spec.working_dir = f.workdir;
  spec.tty = f.tty;
  spec.interactive = f.interactive;
  spec.privileged = f.privileged;
  auto containers = open_containers();
  AttachIo io{STDIN_FILENO, f.detach ? -1 : STDOUT_FILENO, f.detach ? -1 : STDERR_FILENO, false};
  auto code = containers.driver->exec(rest[0], spec, io);
  if (!code) {
    daemon_error(code.error());
    return code.error().code == Errc::kNotFound ? exit_code_hint(code.error()) : 1;
  }
  return *code;
}

CommandRegistration register_exec(Parent::kRoot, 115, [](CLI::App& parent, Context& ctx) {
  auto* cmd = parent.add_subcommand("exec", "Execute a command in a running container");
  auto f = std::make_shared<ExecFlags>();
  cmd->prefix_command();
  cmd->add_flag("-i,--interactive", f->interactive, "Keep STDIN open even if not attached");
  cmd->add_flag("-t,--tty", f->tty, "Allocate a pseudo-TTY");
  cmd->add_flag("-d,--detach", f->detach, "Detached mode: run command in the background");
  cmd->add_flag("--privileged", f->privileged, "Give extended privileges to the command");
  cmd->add_option("-e,--env", f->env, "Set environment variables")->allow_extra_args(false);
  cmd->add_option("--env-file", f->env_files, "Read in a file of environment variables")->allow_extra_args(false);
  cmd->add_option("-u,--user", f->user, "Username or UID (format: \"<name|uid>[:<group|gid>]\")");
  cmd->add_option("-w,--workdir", f->workdir, "Working directory inside the container");
  cmd->callback([&ctx, f, cmd] { ctx.exit_code = run_exec(*f, cmd->remaining()); });
});

}  // namespace
}  // namespace racker::cli
