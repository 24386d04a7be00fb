// racker run [OPTIONS] IMAGE [COMMAND] [ARG...]: create and run a container,
// as `docker run` does. Flags after IMAGE belong to the command.
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <thread>

#include "command.h"
#include "container_cli.h"
#include "container_image.h"
#include "racker/compose/model.h"

namespace racker::cli {
namespace {

using namespace racker::runtime;

struct RunFlags {
  bool detach = false, rm = false, interactive = false, tty = false, read_only = false, privileged = false,
       init = false;
  std::string name, workdir, user, hostname, domainname, entrypoint, memory, memory_swap, cpus, restart = "no",
      stop_signal, network = "host", pull = "missing", userns;
  bool entrypoint_set = false;
  int stop_timeout = -1;
  int64_t pids_limit = 0, cpu_shares = 0;
  std::vector<std::string> env, env_files, volumes, tmpfs, cap_add, cap_drop, ulimits, sysctls, labels, log_opts,
      expose;
};

std::optional<std::string> host_env(const std::string& key) {
  const char* v = std::getenv(key.c_str());
  return v ? std::optional<std::string>(v) : std::nullopt;
}

Result<ContainerSettings> settings_from(const RunFlags& f, std::vector<std::string> cmd) {
  ContainerSettings s;
  s.name = f.name;
  if (f.entrypoint_set) {
    s.entrypoint = std::vector<std::string>{};
    if (!f.entrypoint.empty()) s.entrypoint->push_back(f.entrypoint);
  }
  s.cmd = std::move(cmd);
  for (const auto& file : f.env_files) {
    auto env = read_env_file(file);
    if (!env) return env.error();
    s.env.insert(s.env.end(), env->begin(), env->end());
  }
  auto flags_env = expand_env_flags(f.env);
  s.env.insert(s.env.end(), flags_env.begin(), flags_env.end());
  if (!f.user.empty()) s.user = f.user;
  if (!f.workdir.empty()) s.working_dir = f.workdir;
  if (!f.stop_signal.empty()) s.stop_signal = f.stop_signal;
  if (f.stop_timeout >= 0) s.stop_timeout = f.stop_timeout;
  s.hostname = f.hostname;
  s.domainname = f.domainname;
  s.tty = f.tty;
  s.open_stdin = f.interactive;
  s.read_only = f.read_only;
  s.privileged = f.privileged;
  s.init = f.init;
  s.auto_remove = f.rm;
  s.cap_add = f.cap_add;
  s.cap_drop = f.cap_drop;
  for (const auto& v : f.volumes) {
    auto m = parse_volume_flag(v);
    if (!m) return m.error();
    s.mounts.push_back(*m);
  }
  for (const auto& t : f.tmpfs) {
    auto m = parse_tmpfs_flag(t);
    if (!m) return m.error();
    s.mounts.push_back(*m);
  }
  for (const auto& u : f.ulimits) {
    auto l = parse_ulimit_flag(u);
    if (!l) return l.error();
    s.ulimits.push_back(*l);
  }
  for (const auto& kv : f.sysctls) {
    auto eq = kv.find('=');
    if (eq == std::string::npos) return Error(Errc::kInvalidArgument, "invalid argument \"" + kv + "\" for \"--sysctl\" flag");
    s.sysctls[kv.substr(0, eq)] = kv.substr(eq + 1);
  }
  for (const auto& kv : f.labels) {
    auto eq = kv.find('=');
    s.labels[kv.substr(0, eq)] = eq == std::string::npos ? "" : kv.substr(eq + 1);
  }
  if (!f.memory.empty()) {
    auto bytes = compose::model::parse_bytes(f.memory);
    if (!bytes) return Error(Errc::kInvalidArgument, "invalid argument \"" + f.memory + "\" for \"-m, --memory\" flag: invalid size: '" + f.memory + "'");
    if (*bytes < 6 * 1024 * 1024) return Error(Errc::kInvalidArgument, "Minimum memory limit allowed is 6MB");
    s.resources.memory_bytes = *bytes;
  }
  if (!f.memory_swap.empty()) {
    if (f.memory_swap == "-1") s.resources.memory_swap_bytes = -1;
    else {
      auto bytes = compose::model::parse_bytes(f.memory_swap);
      if (!bytes) return Error(Errc::kInvalidArgument, "invalid argument \"" + f.memory_swap + "\" for \"--memory-swap\" flag");
      s.resources.memory_swap_bytes = *bytes;
    }
  }
  if (!f.cpus.empty()) {
    char* end = nullptr;
    double cpus = std::strtod(f.cpus.c_str(), &end);
    if (*end != '\0' || cpus < 0) return Error(Errc::kInvalidArgument, "invalid argument \"" + f.cpus + "\" for \"--cpus\" flag: failed to parse " + f.cpus + " as a rational number");
    unsigned host = std::thread::hardware_concurrency();
    if (cpus > host || (cpus > 0 && cpus < 0.01)) {
      char msg[160];
      std::snprintf(msg, sizeof msg, "range of CPUs is from 0.01 to %u.00, as there are only %u CPUs available", host, host);
      return Error(Errc::kInvalidArgument, msg);
    }
    s.resources.cpus = cpus;
  }
  s.resources.pids_limit = f.pids_limit;
  s.resources.cpu_shares = f.cpu_shares;
  auto policy = parse_restart_policy(f.restart);
  if (!policy) return policy.error();
  s.restart = *policy;
  for (const auto& opt : f.log_opts) {
    auto eq = opt.find('=');
    std::string key = opt.substr(0, eq), value = eq == std::string::npos ? "" : opt.substr(eq + 1);
    if (key == "max-size") {
      auto bytes = compose::model::parse_bytes(value);
      if (!bytes) return Error(Errc::kInvalidArgument, "failed to parse max-size: " + value);
      s.log.max_size = *bytes;
    } else if (key == "max-file") {
      s.log.max_files = std::max(1, std::atoi(value.c_str()));
    } else {
      return Error(Errc::kInvalidArgument, "unknown log opt '" + key + "' for json-file log driver");
    }
  }
  s.network_mode = f.network == "default" || f.network == "bridge" ? "host" : f.network;
  auto userns = parse_userns_mode(f.userns);
  if (!userns) return userns.error();
  s.userns = *userns;
  s.expose = f.expose;
  return s;
}

int run_container(const RunFlags& f, const std::vector<std::string>& rest) {
  if (!rest.empty() && rest[0].size() > 1 && rest[0][0] == '-') {
    std::fprintf(stderr, "unknown flag: %s\nSee 'racker run --help'.\n", rest[0].c_str());
    return 125;
  }
  if (rest.empty()) {
    std::fprintf(stderr, "\"racker run\" requires at least 1 argument.\nSee 'racker run --help'.\n\n"
                         "Usage:  racker run [OPTIONS] IMAGE [COMMAND] [ARG...]\n\nCreate and run a new container from an image\n");
    return 125;
  }
  if (f.tty && f.interactive && !f.detach && !::isatty(STDIN_FILENO)) {
    std::fprintf(stderr, "the input device is not a TTY\n");
    return 1;
  }
  if (f.detach && f.rm && f.restart != "no") {
    run_error(Error(Errc::kInvalidArgument, "conflicting options: cannot specify both --restart and --rm"), 125);
    return 125;
  }
  auto settings = settings_from(f, std::vector<std::string>(rest.begin() + 1, rest.end()));
  if (!settings) {
    run_error(settings.error(), 125);
    return 125;
  }
  PullPolicy pull = f.pull == "always" ? PullPolicy::kAlways : f.pull == "never" ? PullPolicy::kNever : PullPolicy::kMissing;
  auto image = image_for_run(rest[0], pull);
  if (!image) {
    run_error(image.error(), 125);
    return 125;
  }
  auto spec = merge_container_spec(image->config, *settings, host_env);
  if (!spec) {
    run_error(spec.error(), 125);
    return 125;
  }
  spec->image = rest[0];
  spec->image_id = image->record.id.str();
  spec->layer_dirs = image->layer_dirs;

  auto containers = open_containers();
  auto created = containers.driver->create(*spec);
  if (!created) {
    run_error(created.error(), 125);
    return 125;
  }
  const std::string id = created->id;
  if (f.detach) {
    auto st = containers.driver->start(id);
    if (!st) {
      int code = exit_code_hint(st.error());
      run_error(st.error(), code);
      return code;
    }
    std::printf("%s\n", id.c_str());
    return 0;
  }
  AttachIo io;
  io.in = f.interactive ? STDIN_FILENO : -1;
  io.out = STDOUT_FILENO;
  io.err = STDERR_FILENO;
  io.proxy_signals = true;
  std::fflush(stdout);
  auto code = containers.driver->run_attached(id, io);
  if (!code) {
    int exit_code = exit_code_hint(code.error());
    run_error(code.error(), exit_code);
    return exit_code;
  }
  return *code;
}

CommandRegistration register_run(Parent::kRoot, 100, [](CLI::App& parent, Context& ctx) {
  auto* cmd = parent.add_subcommand("run", "Create and run a new container from an image");
  auto f = std::make_shared<RunFlags>();
  cmd->set_help_flag("--help", "Print usage");
  cmd->prefix_command();
  cmd->add_flag("-d,--detach", f->detach, "Run container in background and print container ID");
  cmd->add_flag("--rm", f->rm, "Automatically remove the container when it exits");
  cmd->add_flag("-i,--interactive", f->interactive, "Keep STDIN open even if not attached");
  cmd->add_flag("-t,--tty", f->tty, "Allocate a pseudo-TTY");
  cmd->add_option("--name", f->name, "Assign a name to the container");
  cmd->add_option("-e,--env", f->env, "Set environment variables")->allow_extra_args(false);
  cmd->add_option("--env-file", f->env_files, "Read in a file of environment variables")->allow_extra_args(false);
  cmd->add_option("-v,--volume", f->volumes, "Bind mount a volume")->allow_extra_args(false);
  cmd->add_option("--tmpfs", f->tmpfs, "Mount a tmpfs directory")->allow_extra_args(false);
  cmd->add_option("-w,--workdir", f->workdir, "Working directory inside the container");
  cmd->add_option("-u,--user", f->user, "Username or UID (format: <name|uid>[:<group|gid>])");
  cmd->add_option("-h,--hostname", f->hostname, "Container host name");
  cmd->add_option("--domainname", f->domainname, "Container NIS domain name");
  cmd->add_option_function<std::string>("--entrypoint", [f](const std::string& v) {
    f->entrypoint = v;
    f->entrypoint_set = true;
  }, "Overwrite the default ENTRYPOINT of the image");
  cmd->add_flag("--read-only", f->read_only, "Mount the container's root filesystem as read only");
  cmd->add_flag("--privileged", f->privileged, "Give extended privileges to this container");
  cmd->add_option("--expose", f->expose, "Expose a port or a range of ports");
  cmd->add_option("--userns", f->userns, "User namespace to use (host, or auto: a private block of ids)");
  cmd->add_flag("--init", f->init, "Run an init inside the container that forwards signals and reaps processes");
  cmd->add_option("--cap-add", f->cap_add, "Add Linux capabilities")->allow_extra_args(false);
  cmd->add_option("--cap-drop", f->cap_drop, "Drop Linux capabilities")->allow_extra_args(false);
  cmd->add_option("-m,--memory", f->memory, "Memory limit");
  cmd->add_option("--memory-swap", f->memory_swap, "Swap limit equal to memory plus swap: '-1' to enable unlimited swap");
  cmd->add_option("--cpus", f->cpus, "Number of CPUs");
  cmd->add_option("-c,--cpu-shares", f->cpu_shares, "CPU shares (relative weight)");
  cmd->add_option("--pids-limit", f->pids_limit, "Tune container pids limit (set -1 for unlimited)");
  cmd->add_option("--restart", f->restart, "Restart policy to apply when a container exits");
  cmd->add_option("--stop-signal", f->stop_signal, "Signal to stop the container");
  cmd->add_option("--stop-timeout", f->stop_timeout, "Timeout (in seconds) to stop a container");
  cmd->add_option("--ulimit", f->ulimits, "Ulimit options")->allow_extra_args(false);
  cmd->add_option("--sysctl", f->sysctls, "Sysctl options")->allow_extra_args(false);
  cmd->add_option("-l,--label", f->labels, "Set meta data on a container")->allow_extra_args(false);
  cmd->add_option("--log-opt", f->log_opts, "Log driver options (max-size, max-file)")->allow_extra_args(false);
  cmd->add_option("--network,--net", f->network, "Connect a container to a network (host, none)");
  cmd->add_option("--pull", f->pull, "Pull image before running (\"always\", \"missing\", \"never\")");
  cmd->callback([&ctx, f, cmd] { ctx.exit_code = run_container(*f, cmd->remaining()); });
});

}  // namespace
}  // namespace racker::cli
