#include "cmd_compose_common.h"
#include "project_networks.h"

#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>
#include <boost/asio/io_context.hpp>
#include <boost/asio/thread_pool.hpp>
#include <cerrno>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <set>

#include "command.h"
#include "compose_flags.h"
#include "racker/runtime/compose_groups.h"
#include "racker/runtime/project_supervisor.h"

namespace racker::cli {

using namespace racker::runtime;

namespace {

// `up --group-all NAME` is remembered with the project's state, so later
// commands (ps, down, ...) see the same containers.
std::string group_all_file(const std::string& racker_root, const std::string& project) {
  return project_state_dir(racker_root, project) + "/group-all";
}

}  // namespace

Status apply_groups(compose::model::Project& project, const std::string& racker_root) {
  const std::string remembered = group_all_file(racker_root, project.name);
  std::string name = compose_flags().group_all;
  if (name.empty()) {
    std::ifstream in(remembered);
    std::getline(in, name);
  } else {
    std::error_code ec;
    std::filesystem::create_directories(project_state_dir(racker_root, project.name), ec);
    if (ec) return Error(Errc::kIo, project_state_dir(racker_root, project.name) + ": " + ec.message());
    std::ofstream(remembered) << name << "\n";
  }
  if (!name.empty()) compose::group_all_services(project, name);
  auto expanded = expand_groups(project);
  if (!expanded) return expanded.error();
  project = std::move(*expanded);
  return ok_status();
}

void forget_group_all(const std::string& racker_root, const std::string& project) {
  ::unlink(group_all_file(racker_root, project).c_str());
}

std::optional<ComposeSession> open_compose(const std::vector<std::string>& services) {
  compose::ProjectOptions opts = project_options();
  opts.selected_services = services;
  auto loaded = load_or_report(opts);
  if (!loaded) return std::nullopt;
  ComposeSession s;
  s.containers = open_containers();
  if (auto st = apply_groups(loaded->project, s.containers.store->root()); !st) {
    print_error(st.error());
    return std::nullopt;
  }
  auto graph = compose::DependencyGraph::build(loaded->project);
  if (!graph) {
    print_error(graph.error());
    return std::nullopt;
  }
  s.loaded = std::move(*loaded);
  s.graph = std::make_unique<compose::DependencyGraph>(std::move(*graph));
  return s;
}

Status check_services(const ComposeSession& s, const std::vector<std::string>& services) {
  for (const auto& name : services)
    if (!s.project().service(name)) return Error(Errc::kNotFound, "no such service: " + name);
  return ok_status();
}

Result<std::vector<ObservedContainer>> observe(ComposeSession& s) {
  auto all = s.driver().list(true);
  if (!all) return all.error();
  return observe_project(s.name(), *all);
}

int compose_fail(const Error& error) {
  std::fprintf(stderr, "%s\n", error.message.c_str());
  return 1;
}

void StderrProgress::on_progress(const std::string& kind, const std::string& name, const std::string& status) {
  std::fprintf(stderr, " %s %s %s\n", kind.c_str(), name.c_str(), status.c_str());
  std::fflush(stderr);
}

void StderrProgress::on_warning(const std::string& text) { spdlog::warn("{}", text); }

void StderrProgress::on_log(const std::string& name, const LogRecord& record) {
  std::string text = presenter_.format(name, record);
  FILE* out = record.stream == LogStream::kStderr ? stderr : stdout;
  std::fwrite(text.data(), 1, text.size(), out);
  std::fflush(out);
}

void StderrProgress::on_status(const std::string& name, const std::string& text) {
  std::string line = presenter_.status(name, text);
  std::fwrite(line.data(), 1, line.size(), stdout);
  std::fflush(stdout);
}

void StderrProgress::on_message(const std::string& text) {
  // "Attaching to ..." belongs to the log stream; the rest is progress.
  FILE* out = text.rfind("Attaching to ", 0) == 0 ? stdout : stderr;
  std::fprintf(out, "%s\n", text.c_str());
  std::fflush(out);
}

void prune_networks(ComposeSession& s, ProjectNetworks& networks) {
  auto ids = s.containers.store->list_ids();
  if (!ids) return;
  if (auto st = networks.prune(std::set<std::string>(ids->begin(), ids->end())); !st)
    spdlog::warn("cleaning up network namespaces: {}", st.error().to_string());
}

void print_network_progress(const std::string& network, const std::string& what) {
  std::fprintf(stderr, " Network %s %s\n", network.c_str(), what.c_str());
}

Status run_stop_plan(ComposeSession& s, StopPlan plan, const StopOptions& options, int parallel) {
  if (plan.steps.empty()) {
    for (const auto& w : plan.warnings) spdlog::warn("{}", w);
    return ok_status();
  }
  boost::asio::io_context io;
  // Stops mostly wait out grace periods: by default (-1, docker's unlimited)
  // every container gets a thread so that the waits overlap.
  size_t threads = parallel > 0 ? static_cast<size_t>(parallel) : std::max<size_t>(1, plan.steps.size());
  boost::asio::thread_pool pool(threads);
  ProjectNetworks networking(s.project());
    networking.on_progress(print_network_progress);
  StderrProgress progress;
  Status result;
  StopExecutor stopper(io, pool, s.driver(), networking, progress, std::move(plan), options);
  stopper.run([&](Status st) { result = st; });
  io.run();
  pool.join();
  return result;
}

namespace {

// Progress of a detached supervisor, as lines on the report pipe.
class PipeOutput : public UpOutput {
 public:
  explicit PipeOutput(int fd) : fd_(fd) {}
  void on_progress(const std::string& kind, const std::string& name, const std::string& status) override {
    send("P\t" + kind + "\t" + name + "\t" + status);
  }
  void on_warning(const std::string& text) override { send("W\t" + text); }
  void on_log(const std::string&, const LogRecord&) override {}
  void on_status(const std::string&, const std::string&) override {}
  void on_message(const std::string& text) override { send("M\t" + text); }
  void done(int code, const std::optional<Error>& error) {
    send("D\t" + std::to_string(code) + "\t" + (error ? error->message : std::string()));
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

 private:
  void send(std::string line) {
    if (fd_ < 0) return;
    for (char& c : line)
      if (c == '\n') c = ' ';
    line += '\n';
    (void)!::write(fd_, line.data(), line.size());
  }
  int fd_;
};

}  // namespace

int run_session_detached(ComposeSession& s, ProjectBackend& backend, Plan plan, UpSessionOptions options, int parallel) {
  std::fflush(stdout);
  std::fflush(stderr);
  auto fd = spawn_detached_supervisor(s.name(), [&](int report) {
    PipeOutput out(report);
    boost::asio::io_context io;
    StoreHealthRecorder recorder(*s.containers.store);
    SupervisorOptions so;
    so.parallel = parallel;
    so.detached = true;
    so.poll_interval = std::chrono::milliseconds(100);
    ProjectSupervisor supervisor(io, s.driver(), recorder, s.name(), so);
    if (auto st = supervisor.start(); !st) {
      out.done(1, st.error());
      return 1;
    }
    supervisor.set_busy(true);
    ProjectNetworks networking(s.project());
    networking.on_progress([&out](const std::string& n, const std::string& what) { out.on_progress("Network", n, what); });
    prune_networks(s, networking);
    UpSession session(io, supervisor.ops_pool(), supervisor.watch(), s.driver(), backend, networking, s.project(),
                      *s.graph, std::move(plan), options, out);
    session.run([&](int code, std::optional<Error> error) {
      out.done(code, error);
      supervisor.watch().set_interval(std::chrono::milliseconds(500));
      supervisor.set_busy(false);
    });
    supervisor.on_idle([&] { io.stop(); });
    supervisor.on_retire([&] { io.stop(); });
    io.run();
    supervisor.stop();
    supervisor.join();
    return 0;
  });
  if (!fd) return compose_fail(fd.error());
  // Relay its report until it says it is done.
  std::string buffer;
  char chunk[4096];
  int code = -1;
  std::string error;
  while (code < 0) {  // up to its "done" line (a probe it forked may hold the pipe a while longer)
    ssize_t n = ::read(*fd, chunk, sizeof chunk);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    buffer.append(chunk, static_cast<size_t>(n));
    size_t nl;
    while ((nl = buffer.find('\n')) != std::string::npos) {
      std::string line = buffer.substr(0, nl);
      buffer.erase(0, nl + 1);
      std::vector<std::string> parts;
      size_t start = 0;
      for (;;) {
        size_t tab = line.find('\t', start);
        parts.push_back(line.substr(start, tab == std::string::npos ? std::string::npos : tab - start));
        if (tab == std::string::npos) break;
        start = tab + 1;
      }
      if (parts[0] == "P" && parts.size() >= 4) std::fprintf(stderr, " %s %s %s\n", parts[1].c_str(), parts[2].c_str(), parts[3].c_str());
      else if (parts[0] == "W" && parts.size() >= 2) spdlog::warn("{}", parts[1]);
      else if (parts[0] == "M" && parts.size() >= 2) std::fprintf(stderr, "%s\n", parts[1].c_str());
      else if (parts[0] == "D" && parts.size() >= 2) {
        code = std::atoi(parts[1].c_str());
        error = parts.size() >= 3 ? parts[2] : "";
      }
    }
  }
  ::close(*fd);
  if (code < 0) {
    std::fprintf(stderr, "the project's supervisor exited unexpectedly (see %s)\n",
                 supervisor_paths(s.name()).log.c_str());
    return 1;
  }
  if (!error.empty()) std::fprintf(stderr, "%s\n", error.c_str());
  return code;
}

Result<Plan> start_plan(const ComposeSession& s, const std::vector<ObservedContainer>& observed,
                        const std::vector<std::string>& services, WithDependencies dependencies) {
  Plan plan;
  std::vector<std::string> scope = services.empty() ? s.graph->start_order() : std::vector<std::string>{};
  if (!services.empty() && dependencies == WithDependencies::kYes) {
    auto closure = s.graph->with_dependencies(services);
    if (!closure) return closure.error();
    scope = std::move(*closure);
  } else if (!services.empty()) {
    for (const auto& name : s.graph->start_order())
      if (std::find(services.begin(), services.end(), name) != services.end()) scope.push_back(name);
  }
  for (const auto& name : scope) {
    bool named = std::find(services.begin(), services.end(), name) != services.end();
    ServiceStep step;
    step.service = name;
    step.replicas = 0;
    for (const auto& c : observed)
      if (c.service == name && !c.oneoff) {
        step.kept.push_back(c.id);
        step.kept_names.push_back(c.name);
        step.replicas++;
      }
    if (step.replicas == 0) {
      if (named) return Error(Errc::kNotFound, "service \"" + name + "\" has no container to start");
      continue;
    }
    for (const auto& edge : s.graph->dependencies_of(name))
      if (std::find(scope.begin(), scope.end(), edge.to) != scope.end()) step.waits.push_back(edge);
    plan.services.push_back(std::move(step));
  }
  return plan;
}

void ensure_project_supervisor(ComposeSession& s) {
  auto observed = observe(s);
  if (!observed) return;
  bool any_up = std::any_of(observed->begin(), observed->end(), [](const ObservedContainer& c) { return c.running(); });
  if (!any_up) return;
  if (auto st = ensure_supervisor(s.name()); !st)
    spdlog::warn("could not start a supervisor for project {}: {}", s.name(), st.error().message);
}

}  // namespace racker::cli
