// racker compose up [OPTIONS] [SERVICE...]: create and start the project,
// as docker compose up. In the foreground this process is the project's
// supervisor until the attached containers end (Ctrl-C stops them); with
// -d a detached supervisor does the work and stays behind, and this
// process prints its progress and exits with its outcome.
#include <spdlog/spdlog.h>
#include "container_cli.h"
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <csignal>
#include <cstdio>
#include <memory>

#include "cmd_compose_common.h"
#include "racker/runtime/compose_groups.h"
#include "compose_flags.h"
#include "project_networks.h"
#include "command.h"
#include "racker/runtime/project_backend.h"
#include "racker/runtime/project_supervisor.h"

namespace racker::cli {
namespace {

using namespace racker::runtime;

struct UpFlags {
  bool detach = false, build = false, no_build = false, remove_orphans = false, no_color = false, no_prefix = false;
  bool force_recreate = false, no_recreate = false, no_start = false, abort_exit = false, abort_failure = false;
  bool timestamps = false, no_deps = false, always_recreate_deps = false, renew_anon = false, quiet_pull = false;
  bool attach_dependencies = false, wait = false, yes = false, menu = false;
  std::string pull, exit_code_from;
  int timeout = -1, wait_timeout = 0, parallel = 8;
  std::vector<std::string> scale, attach, no_attach, services;
};

Status validate(UpFlags& f) {
  if (f.wait_timeout < 0) return Error(Errc::kInvalidArgument, "--wait-timeout must be a non-negative integer");
  if (!f.exit_code_from.empty() && !f.abort_failure) f.abort_exit = true;
  if (f.abort_exit && f.abort_failure)
    return Error(Errc::kInvalidArgument, "--abort-on-container-failure cannot be combined with --abort-on-container-exit");
  if (f.wait) {
    if (f.attach_dependencies || f.abort_exit || !f.attach.empty())
      return Error(Errc::kInvalidArgument,
                   "--wait cannot be combined with --abort-on-container-exit, --attach or --attach-dependencies");
    f.detach = true;
  }
  if (f.build && f.no_build) return Error(Errc::kInvalidArgument, "--build and --no-build are incompatible");
  if (f.detach && (f.attach_dependencies || f.abort_exit || f.abort_failure || !f.attach.empty()))
    return Error(Errc::kInvalidArgument, "--detach cannot be combined with --abort-on-container-exit, "
                                         "--abort-on-container-failure, --attach, --attach-dependencies or --watch");
  if (f.renew_anon && f.no_recreate)
    return Error(Errc::kInvalidArgument, "--no-recreate and --renew-anon-volumes are incompatible");
  if (f.force_recreate && f.no_recreate)
    return Error(Errc::kInvalidArgument, "--force-recreate and --no-recreate are incompatible");
  if (f.always_recreate_deps && f.no_recreate)
    return Error(Errc::kInvalidArgument, "--always-recreate-deps and --no-recreate are incompatible");
  if (!f.attach.empty() && f.attach_dependencies)
    return Error(Errc::kInvalidArgument, "cannot combine --attach and --attach-dependencies");
  if (!f.pull.empty() && f.pull != "always" && f.pull != "missing" && f.pull != "never" && f.pull != "policy" &&
      f.pull != "build")
    return Error(Errc::kInvalidArgument, "invalid --pull option \"" + f.pull + "\"");
  return ok_status();
}

Result<PlanOptions> plan_options(const UpFlags& f, const ComposeSession& s) {
  PlanOptions o;
  o.services = f.services;
  o.no_deps = f.no_deps;
  o.remove_orphans = f.remove_orphans;
  o.no_start = f.no_start;
  if (f.pull != "policy") o.pull = f.pull;
  if (f.force_recreate) o.recreate = RecreatePolicy::kForce;
  if (f.no_recreate) o.recreate = o.recreate_deps = RecreatePolicy::kNever;
  if (f.always_recreate_deps) o.recreate_deps = RecreatePolicy::kForce;
  for (const auto& item : f.scale) {
    auto eq = item.find('=');
    char* end = nullptr;
    long n = eq == std::string::npos ? -1 : std::strtol(item.c_str() + eq + 1, &end, 10);
    if (eq == std::string::npos || *end != '\0' || n < 0)
      return Error(Errc::kInvalidArgument, "invalid --scale value \"" + item + "\": expected SERVICE=NUM");
    std::string name = item.substr(0, eq);
    if (!s.project().service(name)) return Error(Errc::kNotFound, "no such service: " + name);
    o.scale[name] = static_cast<int>(n);
  }
  return o;
}

// The services whose logs are printed: docker's rules.
std::set<std::string> attach_set(const UpFlags& f, const ComposeSession& s) {
  std::set<std::string> out;
  if (!f.attach.empty()) {
    out.insert(f.attach.begin(), f.attach.end());
  } else {
    std::vector<std::string> names = f.services;
    if (names.empty() || f.attach_dependencies) {
      auto with = names.empty() ? s.graph->start_order() : s.graph->with_dependencies(names).value();
      names = with;
    }
    for (const auto& n : names)
      if (const auto* svc = s.project().service(n);
          svc && svc->attach.value_or(true) && !svc->labels.count(kLabelGroupHost))  // a group's machine says nothing
        out.insert(n);
  }
  for (const auto& n : f.no_attach) out.erase(n);
  return out;
}

struct Prepared {
  ComposeSession session;
  std::unique_ptr<LocalImageStore> images;
  std::unique_ptr<LocalProjectBackend> backend;
  Plan plan;
  UpSessionOptions options;
};

int run_detached(Prepared& p, const UpFlags& f) {
  return run_session_detached(p.session, *p.backend, std::move(p.plan), p.options, f.parallel);
}

int run_foreground(Prepared& p, const UpFlags& f) {
  boost::asio::io_context io;
  StoreHealthRecorder recorder(*p.session.containers.store);
  SupervisorOptions so;
  so.parallel = f.parallel;
  so.poll_interval = std::chrono::milliseconds(100);
  int code = 0;
  {
    ProjectSupervisor supervisor(io, p.session.driver(), recorder, p.session.name(), so);
    if (auto st = supervisor.start(); !st) return compose_fail(st.error());
    supervisor.set_busy(true);
    ProjectNetworks networking(p.session.project());
    bool color = !f.no_color && ::isatty(STDOUT_FILENO);
    StderrProgress out(color, !f.no_prefix, f.timestamps);
    networking.on_progress([&out](const std::string& n, const std::string& what) { out.on_progress("Network", n, what); });
    prune_networks(p.session, networking);
    UpSession session(io, supervisor.ops_pool(), supervisor.watch(), p.session.driver(), *p.backend, networking,
                      p.session.project(), *p.session.graph, std::move(p.plan), p.options, out);
    boost::asio::signal_set signals(io, SIGINT, SIGTERM);
    std::function<void()> wait_signal = [&] {
      signals.async_wait([&](const boost::system::error_code& ec, int) {
        if (ec) return;
        session.interrupt();
        wait_signal();
      });
    };
    wait_signal();
    session.run([&](int exit_code, std::optional<Error> error) {
      if (error) std::fprintf(stderr, "%s\n", error->message.c_str());
      code = exit_code;
      signals.cancel();
      supervisor.stop();
      io.stop();
    });
    // Another `up` took the project over: leave the containers to it.
    supervisor.on_retire([&] {
      std::fprintf(stderr, "another racker took over project %s; detaching\n", p.session.name().c_str());
      code = 0;
      signals.cancel();
      io.stop();
    });
    io.run();
    supervisor.stop();
    supervisor.join();
  }
  // Whatever still runs (dependencies of the services asked for, an
  // error part way) stays supervised.
  ensure_project_supervisor(p.session);
  return code;
}

int run_up(UpFlags& f) {
  if (auto st = validate(f); !st) return compose_fail(st.error());
  if (f.build) spdlog::warn("--build is ignored: racker does not build images");
  if (f.renew_anon) spdlog::warn("--renew-anon-volumes is ignored: recreated containers get new anonymous volumes");
  auto session = open_compose(f.services);
  if (!session) return 1;
  Prepared p{std::move(*session), nullptr, nullptr, {}, {}};
  if (auto st = check_services(p.session, f.services); !st) return compose_fail(st.error());
  for (const auto& a : f.attach)
    if (!p.session.project().service(a))
      return compose_fail(Error(Errc::kNotFound, "cannot attach to services not included in up: " + a));
  if (p.session.project().services.empty()) return compose_fail(Error(Errc::kNotFound, "no service selected"));
  auto opts = plan_options(f, p.session);
  if (!opts) return compose_fail(opts.error());

  auto images = open_image_store();
  if (!images) return compose_fail(images.error());
  p.images = std::move(*images);
  if (has_groups(p.session.project()))
    if (auto st = ensure_group_base_image(*p.images); !st) return compose_fail(st.error());
  p.backend = std::make_unique<LocalProjectBackend>(p.session.project(), p.session.loaded.doc, *p.images,
                                                    p.session.containers.store->root(),
                                                    p.session.loaded.source.environment);
  for (const auto& w : p.backend->translation_warnings()) spdlog::warn("{}", w);
  auto observed = observe(p.session);
  if (!observed) return compose_fail(observed.error());
  auto plan = reconcile(p.session.project(), *p.session.graph, p.backend->desired_state(), *observed, *opts);
  if (!plan) return compose_fail(plan.error());
  spdlog::debug("plan:\n{}", plan->to_string());
  p.plan = std::move(*plan);

  UpSessionOptions& o = p.options;
  o.attach_phase = !f.detach && !f.no_start;
  o.attach = attach_set(f, p.session);
  if (o.attach.empty()) o.attach.insert("");  // nothing attached: an empty name matches no service
  o.abort_on_exit = f.abort_exit;
  o.abort_on_failure = f.abort_failure;
  o.exit_code_from = f.exit_code_from;
  o.stop_services = f.services;
  if (f.timeout >= 0) o.stop_timeout = f.timeout;
  o.executor.wait = f.wait;
  o.executor.wait_timeout = std::chrono::seconds(f.wait_timeout);
  o.executor.stop_timeout = o.stop_timeout;
  ContainerStore* store = p.session.containers.store.get();
  o.log_path = [store](const std::string& id) { return store->log_path(id); };

  std::signal(SIGPIPE, SIG_IGN);
  if (f.detach || f.no_start) return run_detached(p, f);
  return run_foreground(p, f);
}

CommandRegistration register_compose_up(Parent::kCompose, 20, [](CLI::App& parent, Context& ctx) {
  auto* cmd = parent.add_subcommand("up", "Create and start containers");
  auto f = std::make_shared<UpFlags>();
  cmd->add_flag("-d,--detach", f->detach, "Detached mode: Run containers in the background");
  cmd->add_flag("--build", f->build, "Build images before starting containers (not supported)");
  cmd->add_flag("--no-build", f->no_build, "Don't build an image, even if it's policy");
  cmd->add_option("--pull", f->pull, "Pull image before running (\"always\"|\"missing\"|\"never\")")->default_val("policy");
  cmd->add_flag("--remove-orphans", f->remove_orphans, "Remove containers for services not defined in the Compose file");
  cmd->add_option("--scale", f->scale, "Scale SERVICE to NUM instances")->allow_extra_args(false);
  cmd->add_flag("--no-color", f->no_color, "Produce monochrome output");
  cmd->add_flag("--no-log-prefix", f->no_prefix, "Don't print prefix in logs");
  cmd->add_flag("--force-recreate", f->force_recreate, "Recreate containers even if their configuration and image haven't changed");
  cmd->add_flag("--no-recreate", f->no_recreate, "If containers already exist, don't recreate them");
  cmd->add_flag("--no-start", f->no_start, "Don't start the services after creating them");
  cmd->add_flag("--abort-on-container-exit", f->abort_exit, "Stops all containers if any container was stopped");
  cmd->add_flag("--abort-on-container-failure", f->abort_failure, "Stops all containers if any container exited with failure");
  cmd->add_option("--exit-code-from", f->exit_code_from, "Return the exit code of the selected service container");
  cmd->add_option("-t,--timeout", f->timeout, "Use this timeout in seconds for container shutdown");
  cmd->add_flag("--timestamps", f->timestamps, "Show timestamps");
  cmd->add_flag("--no-deps", f->no_deps, "Don't start linked services");
  cmd->add_flag("--always-recreate-deps", f->always_recreate_deps, "Recreate dependent containers");
  cmd->add_flag("-V,--renew-anon-volumes", f->renew_anon, "Recreate anonymous volumes");
  cmd->add_flag("--quiet-pull", f->quiet_pull, "Pull without printing progress information");
  cmd->add_option("--attach", f->attach, "Restrict attaching to the specified services")->allow_extra_args(false);
  cmd->add_option("--no-attach", f->no_attach, "Do not attach (stream logs) to the specified services")->allow_extra_args(false);
  cmd->add_flag("--attach-dependencies", f->attach_dependencies, "Automatically attach to log output of dependent services");
  cmd->add_option("--group-all", compose_flags().group_all,
                  "racker: run every service in one OS container (a group) of this name");
  cmd->add_flag("--wait", f->wait, "Wait for services to be running|healthy. Implies detached mode.");
  cmd->add_option("--wait-timeout", f->wait_timeout, "Maximum duration in seconds to wait for the project to be running|healthy");
  cmd->add_option("--parallel", f->parallel, "Control max parallelism of container operations")->default_val(8);
  cmd->add_flag("-y,--yes", f->yes, "Assume \"yes\" as answer to all prompts");
  cmd->add_flag("--menu", f->menu, "Enable interactive shortcuts (not supported)");
  cmd->add_option("SERVICE", f->services, "Services to start");
  cmd->callback([&ctx, f] { ctx.exit_code = run_up(*f); });
});

}  // namespace
}  // namespace racker::cli
