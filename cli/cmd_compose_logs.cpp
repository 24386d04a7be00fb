// racker compose logs [-f] [-n N] [-t] [--since T] [--until T]
// [--no-log-prefix] [--no-color] [SERVICE...]: the services' output,
// "web-1  | line", records of all containers merged by time; -f follows
// until the containers stopped (or Ctrl-C).
#include <unistd.h>

#include <algorithm>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <csignal>
#include <cstdio>
#include <memory>

#include "cmd_compose_common.h"
#include "command.h"
#include "racker/runtime/project_logs.h"
#include "racker/runtime/service_container.h"

namespace racker::cli {
namespace {

using namespace racker::runtime;

struct LogsFlags {
  bool follow = false, timestamps = false, no_prefix = false, no_color = false;
  std::string tail = "all", since, until;
  int index = 0;
  std::vector<std::string> services;
};

void print(LogPresenter& p, const std::string& name, const LogRecord& r) {
  std::string text = p.format(name, r);
  FILE* out = r.stream == LogStream::kStderr ? stderr : stdout;
  std::fwrite(text.data(), 1, text.size(), out);
  std::fflush(out);
}

int run_logs(const LogsFlags& f) {
  auto session = open_compose();
  if (!session) return 1;
  auto& s = *session;
  if (auto st = check_services(s, f.services); !st) return compose_fail(st.error());
  auto list = s.driver().list(true);
  if (!list) return compose_fail(list.error());
  std::vector<ContainerInfo> containers;
  for (auto& info : *list) {
    auto obs = observe_container(info);
    auto project = info.spec.labels.find(kLabelProject);
    if (project == info.spec.labels.end() || project->second != s.name() || obs.oneoff) continue;
    if (!f.services.empty() && std::find(f.services.begin(), f.services.end(), obs.service) == f.services.end()) continue;
    if (f.index > 0 && obs.number != f.index) continue;
    containers.push_back(std::move(info));
  }
  std::sort(containers.begin(), containers.end(),
            [](const ContainerInfo& a, const ContainerInfo& b) { return a.spec.name < b.spec.name; });

  auto read_options = log_read_options(f.tail, f.since, f.until);
  if (!read_options) return compose_fail(read_options.error());
  LogReadOptions options = *read_options;
  LogPresenter presenter(!f.no_color && ::isatty(STDOUT_FILENO), !f.no_prefix, f.timestamps);
  for (const auto& c : containers) presenter.add(log_name(s.name(), c.spec.name));

  // What is there now, every container's records merged by time.
  struct Item {
    std::string name;
    LogRecord record;
  };
  std::vector<Item> items;
  for (const auto& c : containers) {
    std::string name = log_name(s.name(), c.spec.name);
    (void)read_logs(s.containers.store->log_path(c.spec.id), c.spec.log.max_files, options,
                    [&](const LogRecord& r) {
                      items.push_back({name, r});
                      return true;
                    },
                    [] { return false; });
  }
  std::stable_sort(items.begin(), items.end(), [](const Item& a, const Item& b) { return a.record.time < b.record.time; });
  for (const auto& item : items) print(presenter, item.name, item.record);
  if (!f.follow) return 0;

  boost::asio::io_context io;
  LogFollower follower(io, [&](const std::string& name, const LogRecord& r) { print(presenter, name, r); });
  for (const auto& c : containers)
    follower.follow(c.spec.id, log_name(s.name(), c.spec.name), s.containers.store->log_path(c.spec.id), false);
  boost::asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&](const boost::system::error_code& ec, int) {
    if (!ec) io.stop();
  });
  // Ends once none of the containers runs any more.
  boost::asio::steady_timer check(io);
  std::function<void()> arm = [&] {
    check.expires_after(std::chrono::milliseconds(500));
    check.async_wait([&](const boost::system::error_code& ec) {
      if (ec) return;
      bool any = false;
      for (const auto& c : containers) {
        auto info = s.driver().inspect(c.spec.id);
        any = any || (info && (info->state.status == ContainerStatus::kRunning ||
                               info->state.status == ContainerStatus::kRestarting));
      }
      if (!any) {
        follower.drain();
        io.stop();
        return;
      }
      arm();
    });
  };
  arm();
  io.run();
  return 0;
}

CommandRegistration register_compose_logs(Parent::kCompose, 23, [](CLI::App& parent, Context& ctx) {
  auto* cmd = parent.add_subcommand("logs", "View output from containers");
  auto f = std::make_shared<LogsFlags>();
  cmd->add_flag("-f,--follow", f->follow, "Follow log output");
  cmd->add_flag("-t,--timestamps", f->timestamps, "Show timestamps");
  cmd->add_option("-n,--tail", f->tail, "Number of lines to show from the end of the logs for each container");
  cmd->add_option("--since", f->since, "Show logs since timestamp or relative (e.g. 42m)");
  cmd->add_option("--until", f->until, "Show logs before a timestamp or relative (e.g. 42m)");
  cmd->add_flag("--no-log-prefix", f->no_prefix, "Don't print prefix in logs");
  cmd->add_flag("--no-color", f->no_color, "Produce monochrome output");
  cmd->add_option("--index", f->index, "index of the container if service has multiple replicas");
  cmd->add_option("SERVICE", f->services, "Services");
  cmd->callback([&ctx, f] { ctx.exit_code = run_logs(*f); });
});

}  // namespace
}  // namespace racker::cli
