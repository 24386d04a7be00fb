// racker logs [-f] [--tail N] [-t] [--since T] [--until T] CONTAINER: fetch a
// container's logs from its json-file log, as docker logs.
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <memory>

#include "command.h"
#include "container_cli.h"
#include "racker/runtime/container_process.h"
#include "racker/runtime/log_reader.h"

namespace racker::cli {
namespace {

using namespace racker::runtime;

struct LogsFlags {
  bool follow = false, timestamps = false;
  std::string tail = "all", since, until, container;
};

int run_logs(const LogsFlags& f) {
  auto containers = open_containers();
  auto info = containers.driver->inspect(f.container);
  if (!info) return daemon_error(info.error());
  auto read_options = log_read_options(f.tail, f.since, f.until);
  if (!read_options) return daemon_error(read_options.error());
  LogReadOptions options = *read_options;
  options.follow = f.follow;
  const std::string id = info->spec.id;
  auto& store = *containers.store;
  auto running = [&] {
    auto state = store.read_state(id);
    if (!state) return false;
    if (state->status == ContainerStatus::kRestarting) return true;
    if (state->status != ContainerStatus::kRunning) return false;
    return process_alive(state->monitor_pid, state->monitor_start) || process_alive(state->pid, state->pid_start);
  };
  auto st = read_logs(store.log_path(id), info->spec.log.max_files, options,
                      [&](const LogRecord& r) {
                        FILE* out = r.stream == LogStream::kStdout ? stdout : stderr;
                        if (f.timestamps) std::fprintf(out, "%s ", r.time.c_str());
                        std::fwrite(r.message.data(), 1, r.message.size(), out);
                        std::fflush(out);
                        return true;
                      },
                      running);
  if (!st) return daemon_error(st.error());
  return 0;
}

CommandRegistration register_logs(Parent::kRoot, 112, [](CLI::App& parent, Context& ctx) {
  auto* cmd = parent.add_subcommand("logs", "Fetch the logs of a container");
  auto f = std::make_shared<LogsFlags>();
  cmd->add_flag("-f,--follow", f->follow, "Follow log output");
  cmd->add_flag("-t,--timestamps", f->timestamps, "Show timestamps");
  cmd->add_option("-n,--tail", f->tail, "Number of lines to show from the end of the logs");
  cmd->add_option("--since", f->since, "Show logs since timestamp or relative (e.g. 42m)");
  cmd->add_option("--until", f->until, "Show logs before a timestamp or relative (e.g. 42m)");
  cmd->add_option("CONTAINER", f->container, "Container")->required();
  cmd->callback([&ctx, f] { ctx.exit_code = run_logs(*f); });
});

}  // namespace
}  // namespace racker::cli
