// How a service's containers live: deploy (replicas, resources, restart
// policy), healthcheck, logging and lifecycle hooks. Swarm-only parts of
// deploy are accepted and ignored, as docker compose itself does.
#include "bind_internal.h"

namespace racker::compose::bind_detail {
namespace {

using model::Deploy;
using model::HealthCheck;
using model::Resources;
using model::RestartPolicy;
using model::ServiceHook;

constexpr std::string_view kSwarm = "swarm only";

void bind_cpus(Binder& b, const Node& n, const std::string& path, Resources& out) {
  auto v = b.number(n, path);
  if (v && *v < 0) {
    b.fail(n, path, "must be greater than or equal to 0");
    return;
  }
  out.cpus = v;
}

const Field<Resources> kLimitFields[] = {
    {"cpus", bind_cpus},
    {"memory", byte_size<&Resources::memory_bytes>},
    {"pids", int64<&Resources::pids>},
};

const Field<Resources> kReservationFields[] = {
    {"cpus", bind_cpus},
    {"devices", nullptr, "device reservations (GPUs) are not implemented"},
    {"generic_resources", nullptr, kSwarm},
    {"memory", byte_size<&Resources::memory_bytes>},
};

void bind_limits(Binder& b, const Node& n, const std::string& path, Deploy& out) {
  b.object<Resources>(n, path, kLimitFields, out.limits);
}
void bind_reservations(Binder& b, const Node& n, const std::string& path, Deploy& out) {
  b.object<Resources>(n, path, kReservationFields, out.reservations);
}

const Field<Deploy> kResourcesFields[] = {
    {"limits", bind_limits},
    {"reservations", bind_reservations},
};

void bind_deploy_resources(Binder& b, const Node& n, const std::string& path, Deploy& out) {
  b.object<Deploy>(n, path, kResourcesFields, out);
}

void bind_condition(Binder& b, const Node& n, const std::string& path, RestartPolicy& out) {
  if (auto v = b.one_of(n, path, {"none", "on-failure", "any"})) out.condition = *v;
}

const Field<RestartPolicy> kRestartPolicyFields[] = {
    {"condition", bind_condition},
    {"delay", dur<&RestartPolicy::delay>},
    {"max_attempts", int32<&RestartPolicy::max_attempts, 0>},
    {"window", dur<&RestartPolicy::window>},
};

void bind_restart_policy(Binder& b, const Node& n, const std::string& path, Deploy& out) {
  RestartPolicy policy;
  b.object<RestartPolicy>(n, path, kRestartPolicyFields, policy);
  out.restart_policy = policy;
}

void bind_mode(Binder& b, const Node& n, const std::string& path, Deploy& out) {
  if (auto v = b.one_of(n, path, {"replicated", "global", "replicated-job", "global-job"})) out.mode = *v;
}

const Field<Deploy> kDeployFields[] = {
    {"endpoint_mode", nullptr, kSwarm},
    {"labels", dict<&Deploy::labels>},
    {"mode", bind_mode},
    {"placement", nullptr, kSwarm},
    {"replicas", int32<&Deploy::replicas, 0>},
    {"resources", bind_deploy_resources},
    {"restart_policy", bind_restart_policy},
    {"rollback_config", nullptr, kSwarm},
    {"update_config", nullptr, kSwarm},
};

// test: "cmd" is short for [CMD-SHELL, cmd]; a list is taken as written.
void bind_test(Binder& b, const Node& n, const std::string& path, HealthCheck& out) {
  if (n.is_scalar()) {
    out.test = {"CMD-SHELL", n.scalar};
    return;
  }
  out.test = b.strings(n, path);
}

const Field<HealthCheck> kHealthCheckFields[] = {
    {"disable", flag<&HealthCheck::disable>},
    {"interval", dur<&HealthCheck::interval>},
    {"retries", int32<&HealthCheck::retries, 0>},
    {"start_interval", dur<&HealthCheck::start_interval>},
    {"start_period", dur<&HealthCheck::start_period>},
    {"test", bind_test},
    {"timeout", dur<&HealthCheck::timeout>},
};

const Field<model::Logging> kLoggingFields[] = {
    {"driver", str<&model::Logging::driver>},
    {"options", dict<&model::Logging::options>},
};

const Field<ServiceHook> kHookFields[] = {
    {"command", cmd<&ServiceHook::command>},
    {"environment", env<&ServiceHook::environment>},
    {"privileged", flag<&ServiceHook::privileged>},
    {"user", str<&ServiceHook::user>},
    {"working_dir", str<&ServiceHook::working_dir>},
};

// pre_start steps run in a container of their own: they may name an image.
const Field<ServiceHook> kPreStartFields[] = {
    {"command", cmd<&ServiceHook::command>},
    {"environment", env<&ServiceHook::environment>},
    {"image", str<&ServiceHook::image>},
    {"per_replica", flag<&ServiceHook::per_replica>},
    {"privileged", flag<&ServiceHook::privileged>},
    {"user", str<&ServiceHook::user>},
    {"working_dir", str<&ServiceHook::working_dir>},
};

}  // namespace

void list_lifecycle_keys(KeyLister& l) {
  l.table<Deploy>("services.*.deploy", kDeployFields);
  l.table<Deploy>("services.*.deploy.resources", kResourcesFields);
  l.table<Resources>("services.*.deploy.resources.limits", kLimitFields);
  l.table<Resources>("services.*.deploy.resources.reservations", kReservationFields);
  l.table<RestartPolicy>("services.*.deploy.restart_policy", kRestartPolicyFields);
  l.table<HealthCheck>("services.*.healthcheck", kHealthCheckFields);
  l.table<model::Logging>("services.*.logging", kLoggingFields);
  l.table<ServiceHook>("services.*.post_start[]", kHookFields);
  l.table<ServiceHook>("services.*.pre_stop[]", kHookFields);
  l.table<ServiceHook>("services.*.pre_start[]", kPreStartFields);
}

void bind_deploy(Binder& b, const Node& n, const std::string& path, model::Service& out) {
  Deploy deploy;
  if (!n.is_null()) b.object<Deploy>(n, path, kDeployFields, deploy);  // deploy: null is allowed
  out.deploy = std::move(deploy);
}

void bind_healthcheck(Binder& b, const Node& n, const std::string& path, model::Service& out) {
  HealthCheck check;
  b.object<HealthCheck>(n, path, kHealthCheckFields, check);
  if (!check.test.empty()) {
    const std::string& kind = check.test.front();
    if (kind != "CMD" && kind != "CMD-SHELL" && kind != "NONE") {
      std::string p = join_path(path, "test");
      b.fail_at(std::nullopt, p, "must start with \"CMD\", \"CMD-SHELL\" or \"NONE\" (got \"" + kind + "\")");
    }
  }
  out.healthcheck = std::move(check);
}

void bind_logging(Binder& b, const Node& n, const std::string& path, model::Service& out) {
  model::Logging logging;
  b.object<model::Logging>(n, path, kLoggingFields, logging);
  out.logging = std::move(logging);
}

void bind_hooks(Binder& b, const Node& n, const std::string& path, bool pre_start, std::vector<ServiceHook>& out) {
  if (!b.expect_seq(n, path)) return;
  for (size_t i = 0; i < n.items.size(); ++i) {
    std::string p = index_path(path, i);
    b.remember(p, n.items[i].mark);
    ServiceHook hook;
    if (pre_start) {
      b.object<ServiceHook>(n.items[i], p, kPreStartFields, hook);
    } else {
      b.object<ServiceHook>(n.items[i], p, kHookFields, hook);
      if (n.items[i].is_map() && !n.items[i].find("command")) b.fail(n.items[i], p, "command is required");
    }
    out.push_back(std::move(hook));
  }
}

}  // namespace racker::compose::bind_detail
