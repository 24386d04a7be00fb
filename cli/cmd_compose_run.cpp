// racker compose run [OPTIONS] SERVICE [COMMAND] [ARGS...]: a one-off
// container of a service (<project>-<service>-run-<hex>), after its
// dependencies are up and meet their depends_on conditions; attached by
// default, exits with the command's code.
#include <spdlog/spdlog.h>
#include "container_cli.h"
#include <unistd.h>

#include <cstdio>
#include <memory>
#include <thread>

#include "cmd_compose_common.h"
#include "project_networks.h"
#include "racker/network/port_spec.h"
#include "command.h"
#include "racker/runtime/health_monitor.h"
#include "racker/runtime/project_backend.h"
#include "racker/runtime/service_container.h"

namespace racker::cli {
namespace {

// -p text parsed by the network module, back in compose's long form.
compose::model::PortConfig compose_port(const network::PortSpec& p) {
  compose::model::PortConfig c;
  c.host_ip = p.host_ip;
  c.target = p.container_port;
  c.protocol = network::protocol_name(p.protocol);
  if (!p.ephemeral())
    c.published = p.host_first == p.host_last ? std::to_string(p.host_first)
                                               : std::to_string(p.host_first) + "-" + std::to_string(p.host_last);
  return c;
}


using namespace racker::runtime;

struct RunFlags {
  bool rm = false, detach = false, no_deps = false, no_tty = false, service_ports = false, interactive = true;
  bool entrypoint_set = false;
  std::string entrypoint, name, user, workdir, pull = "policy";
  std::vector<std::string> env, volumes, labels, publish, args;
};

// Waits (polling) until the service's containers meet `edge`'s condition.
Status wait_condition(ContainerDriver& driver, const std::vector<ObservedContainer>& deps, const compose::Edge& edge) {
  if (edge.condition != "service_healthy" && edge.condition != "service_completed_successfully") return ok_status();
  for (;;) {
    bool all = true;
    for (const auto& c : deps) {
      if (c.service != edge.to || c.oneoff) continue;
      auto info = driver.inspect(c.id);
      if (!info) return info.error();
      const auto& st = info->state;
      bool exited = st.status == ContainerStatus::kExited;
      if (edge.condition == "service_completed_successfully") {
        if (!exited) all = false;
        else if (st.exit_code != 0)
          return Error(Errc::kInternal, "service \"" + edge.to + "\" didn't complete successfully: exit " +
                                            std::to_string(st.exit_code));
        continue;
      }
      if (exited) return Error(Errc::kInternal, "dependency failed to start: container " + info->spec.name + " exited (" +
                                                    std::to_string(st.exit_code) + ")");
      if (!info->spec.healthcheck)
        return Error(Errc::kInternal, "dependency failed to start: container " + info->spec.name +
                                          " has no healthcheck configured");
      if (st.health.status == kHealthUnhealthy)
        return Error(Errc::kInternal, "dependency failed to start: container " + info->spec.name + " is unhealthy");
      if (st.health.status != kHealthHealthy) all = false;
    }
    if (all) return ok_status();
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
}

int run_oneoff(RunFlags& f) {
  if (f.args.empty()) {
    std::fprintf(stderr, "\"racker compose run\" requires at least 1 argument.\n");
    return 1;
  }
  std::string service = f.args[0];
  std::vector<std::string> command(f.args.begin() + 1, f.args.end());
  auto session = open_compose({service});
  if (!session) return 1;
  auto& s = *session;
  if (auto st = check_services(s, {service}); !st) return compose_fail(st.error());

  auto images = open_image_store();
  if (!images) return compose_fail(images.error());
  LocalProjectBackend backend(s.project(), s.loaded.doc, **images, s.containers.store->root(),
                              s.loaded.source.environment);

  // The dependencies first, as `up -d` would bring them up.
  auto deps = s.graph->with_dependencies({service});
  if (!deps) return compose_fail(deps.error());
  std::vector<std::string> dep_names;
  for (const auto& d : *deps)
    if (d != service && s.project().service(d)) dep_names.push_back(d);
  if (!f.no_deps && !dep_names.empty()) {
    auto observed = observe(s);
    if (!observed) return compose_fail(observed.error());
    PlanOptions po;
    po.services = dep_names;
    if (f.pull != "policy") po.pull = f.pull;
    auto plan = reconcile(s.project(), *s.graph, backend.desired_state(), *observed, po);
    if (!plan) return compose_fail(plan.error());
    UpSessionOptions o;
    o.attach_phase = false;
    int code = run_session_detached(s, backend, std::move(*plan), std::move(o));
    if (code != 0) return code;
    auto now = observe(s);
    if (!now) return compose_fail(now.error());
    for (const auto& edge : s.graph->dependencies_of(service)) {
      auto st = wait_condition(s.driver(), *now, edge);
      if (!st && edge.required) return compose_fail(st.error());
      if (!st) spdlog::warn("optional dependency \"{}\" failed to start: {}", edge.to, st.error().message);
    }
  }

  std::string slug = generate_container_id();
  bool tty = !f.no_tty && !f.detach && ::isatty(STDIN_FILENO) && ::isatty(STDOUT_FILENO);
  Status adjust_error;
  auto spec = backend.oneoff_spec(service, slug, [&](ContainerSettings& c) {
    if (f.entrypoint_set) {
      c.entrypoint = std::vector<std::string>{};
      if (!f.entrypoint.empty()) c.entrypoint->push_back(f.entrypoint);
      c.cmd = command;
    } else if (!command.empty()) {
      c.cmd = command;
    }
    auto extra = expand_env_flags(f.env, s.loaded.source.environment);
    c.env.insert(c.env.end(), extra.begin(), extra.end());
    if (!f.user.empty()) c.user = f.user;
    if (!f.workdir.empty()) c.working_dir = f.workdir;
    if (!f.name.empty()) c.name = f.name;
    for (const auto& v : f.volumes) {
      auto m = parse_volume_flag(v);
      if (!m) adjust_error = m.error();
      else c.mounts.push_back(*m);
    }
    for (const auto& kv : f.labels) {
      auto eq = kv.find('=');
      c.labels[kv.substr(0, eq)] = eq == std::string::npos ? "" : kv.substr(eq + 1);
    }
    c.tty = tty;
    c.open_stdin = f.interactive && !f.detach;
    c.auto_remove = f.rm;
    c.restart = RestartPolicy{};  // one-off containers are not restarted
  });
  if (!adjust_error) return compose_fail(adjust_error.error());
  if (!spec) return compose_fail(spec.error());
  ProjectNetworks networking(s.project());
  networking.on_progress(print_network_progress);
  // A one-off container publishes the service's ports only with
  // --service-ports, and what -p asks for.
  compose::model::Service oneoff = *s.project().service(service);
  if (!f.service_ports) oneoff.ports.clear();
  for (const auto& text : f.publish) {
    auto parsed = network::parse_port_spec(text);
    if (!parsed) return compose_fail(parsed.error().with_context("-p " + text));
    for (const auto& p : *parsed) oneoff.ports.push_back(compose_port(p));
  }
  // As docker compose does even with no dependency to start: the project's networks exist first.
  if (auto st = networking.ensure_networks(); !st) return compose_fail(st.error());
  if (auto st = networking.attach(oneoff, *spec); !st) return compose_fail(st.error());
  auto created = s.driver().create(std::move(*spec));
  if (!created) return compose_fail(created.error());
  if (f.detach) {
    if (auto st = s.driver().start(created->id); !st) return compose_fail(st.error());
    std::printf("%s\n", created->name.c_str());
    ensure_project_supervisor(s);
    return 0;
  }
  AttachIo io;
  io.in = f.interactive ? STDIN_FILENO : -1;
  io.out = STDOUT_FILENO;
  io.err = STDERR_FILENO;
  io.proxy_signals = true;
  std::fflush(stdout);
  auto code = s.driver().run_attached(created->id, io);
  if (f.rm)  // the container removed itself: its namespace and ports go too
    if (auto st = networking.detach(created->id); !st) spdlog::warn("{}", st.error().to_string());
  ensure_project_supervisor(s);
  if (!code) {
    std::fprintf(stderr, "%s\n", code.error().message.c_str());
    return exit_code_hint(code.error());
  }
  return *code;
}

CommandRegistration register_compose_run(Parent::kCompose, 24, [](CLI::App& parent, Context& ctx) {
  auto* cmd = parent.add_subcommand("run", "Run a one-off command on a service");
  auto f = std::make_shared<RunFlags>();
  cmd->add_flag("--rm", f->rm, "Automatically remove the container when it exits");
  cmd->add_flag("-d,--detach", f->detach, "Run container in background and print container ID");
  cmd->add_flag("--no-deps", f->no_deps, "Don't start linked services");
  cmd->add_flag("-T,--no-TTY", f->no_tty, "Disable pseudo-TTY allocation");
  cmd->add_flag("-i,--interactive", f->interactive, "Keep STDIN open even if not attached")->default_val(true);
  cmd->add_flag("-P,--service-ports", f->service_ports, "Run command with the service's ports enabled");
  cmd->add_option_function<std::string>("--entrypoint", [f](const std::string& v) {
    f->entrypoint = v;
    f->entrypoint_set = true;
  }, "Override the entrypoint of the image");
  cmd->add_option("--name", f->name, "Assign a name to the container");
  cmd->add_option("-u,--user", f->user, "Run as specified username or uid");
  cmd->add_option("-w,--workdir", f->workdir, "Working directory inside the container");
  cmd->add_option("-e,--env", f->env, "Set environment variables")->allow_extra_args(false);
  cmd->add_option("-v,--volume", f->volumes, "Bind mount a volume")->allow_extra_args(false);
  cmd->add_option("-l,--label", f->labels, "Add or override a label")->allow_extra_args(false);
  cmd->add_option("-p,--publish", f->publish, "Publish a container's port(s) to the host")->allow_extra_args(false);
  cmd->add_option("--pull", f->pull, "Pull image before running (\"always\"|\"missing\"|\"never\")");
  cmd->add_option("SERVICE", f->args, "Service, then the command and its arguments")->take_all();
  cmd->positionals_at_end();
  cmd->callback([&ctx, f] { ctx.exit_code = run_oneoff(*f); });
});

}  // namespace
}  // namespace racker::cli
