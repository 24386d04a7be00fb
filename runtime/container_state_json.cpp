// JSON forms of ContainerSpec (config.json) and ContainerState (state.json).
// The only file of the container runtime's records that includes
// nlohmann_json; its exceptions stop here.
#include <nlohmann/json.hpp>

#include "racker/runtime/container_state.h"

namespace racker::runtime {

using nlohmann::json;

namespace {

const char* mount_type_name(MountSpec::Type t) {
  switch (t) {
    case MountSpec::Type::kBind: return "bind";
    case MountSpec::Type::kVolume: return "volume";
    case MountSpec::Type::kTmpfs: return "tmpfs";
  }
  return "bind";
}

MountSpec::Type mount_type_from(const std::string& s) {
  if (s == "volume") return MountSpec::Type::kVolume;
  if (s == "tmpfs") return MountSpec::Type::kTmpfs;
  return MountSpec::Type::kBind;
}

template <class T>
void get_to(const json& j, const char* key, T& out) {
  auto it = j.find(key);
  if (it != j.end() && !it->is_null()) it->get_to(out);
}

}  // namespace

std::string spec_to_json(const ContainerSpec& s) {
  json mounts = json::array();
  for (const auto& m : s.mounts)
    mounts.push_back({{"Type", mount_type_name(m.type)}, {"Source", m.source}, {"Target", m.target},
                      {"ReadOnly", m.read_only}, {"Anonymous", m.anonymous}, {"TmpfsOptions", m.tmpfs_options}});
  json ulimits = json::array();
  for (const auto& u : s.ulimits) ulimits.push_back({{"Name", u.name}, {"Soft", u.soft}, {"Hard", u.hard}});
  json j = {
      {"Id", s.id},
      {"Name", s.name},
      {"Image", s.image},
      {"ImageID", s.image_id},
      {"LayerDirs", s.layer_dirs},
      {"ImageVolumes", s.image_volumes},
      {"ExposedPorts", s.exposed_ports},
      {"Entrypoint", s.entrypoint},
      {"Cmd", s.cmd},
      {"Env", s.env},
      {"User", s.user},
      {"WorkingDir", s.working_dir},
      {"Hostname", s.hostname},
      {"Domainname", s.domainname},
      {"Tty", s.tty},
      {"OpenStdin", s.open_stdin},
      {"ReadonlyRootfs", s.read_only},
      {"Privileged", s.privileged},
      {"Init", s.init},
      {"AutoRemove", s.auto_remove},
      {"CapAdd", s.cap_add},
      {"CapDrop", s.cap_drop},
      {"StopSignal", s.stop_signal},
      {"StopTimeout", s.stop_timeout},
      {"Mounts", mounts},
      {"Ulimits", ulimits},
      {"Sysctls", s.sysctls},
      {"Labels", s.labels},
      {"Memory", s.resources.memory_bytes},
      {"MemorySwap", s.resources.memory_swap_bytes},
      {"NanoCpus", static_cast<int64_t>(s.resources.cpus * 1e9 + 0.5)},
      {"CpuShares", s.resources.cpu_shares},
      {"PidsLimit", s.resources.pids_limit},
      {"RestartPolicy", {{"Name", restart_policy_name(s.restart)}, {"MaximumRetryCount", s.restart.max_retries}}},
      {"LogConfig", {{"MaxSize", s.log.max_size}, {"MaxFile", s.log.max_files}}},
      {"NetworkMode", s.network_mode},
      {"NetworkNamespacePath", s.network.netns_path},
      {"HostsFile", s.network.hosts},
      {"ResolvConf", s.network.resolv_conf},
      {"Created", s.created},
  };
  if (s.group_host) j["RackerGroupHost"] = true;
  if (!s.group.empty()) j["RackerGroup"] = s.group;
  if (s.userns == UsernsMode::kAuto) {
    j["UsernsMode"] = "auto";
    j["RackerUsernsBase"] = s.userns_base;
  }
  if (s.healthcheck) {
    const auto& h = *s.healthcheck;
    j["Healthcheck"] = {{"Test", h.test},
                        {"Interval", h.interval.count()},
                        {"Timeout", h.timeout.count()},
                        {"StartPeriod", h.start_period.count()},
                        {"StartInterval", h.start_interval.count()},
                        {"Retries", h.retries}};
  }
  return j.dump(2) + "\n";
}

Result<ContainerSpec> spec_from_json(const std::string& text) {
  try {
    json j = json::parse(text);
    ContainerSpec s;
    get_to(j, "Id", s.id);
    get_to(j, "Name", s.name);
    get_to(j, "Image", s.image);
    get_to(j, "ImageID", s.image_id);
    get_to(j, "LayerDirs", s.layer_dirs);
    get_to(j, "ImageVolumes", s.image_volumes);
    get_to(j, "ExposedPorts", s.exposed_ports);
    get_to(j, "Entrypoint", s.entrypoint);
    get_to(j, "Cmd", s.cmd);
    get_to(j, "Env", s.env);
    get_to(j, "User", s.user);
    get_to(j, "WorkingDir", s.working_dir);
    get_to(j, "Hostname", s.hostname);
    get_to(j, "Domainname", s.domainname);
    get_to(j, "Tty", s.tty);
    get_to(j, "OpenStdin", s.open_stdin);
    get_to(j, "ReadonlyRootfs", s.read_only);
    get_to(j, "Privileged", s.privileged);
    get_to(j, "Init", s.init);
    get_to(j, "AutoRemove", s.auto_remove);
    get_to(j, "CapAdd", s.cap_add);
    get_to(j, "CapDrop", s.cap_drop);
    get_to(j, "StopSignal", s.stop_signal);
    get_to(j, "StopTimeout", s.stop_timeout);
    if (auto it = j.find("Mounts"); it != j.end())
      for (const auto& m : *it) {
        MountSpec ms;
        ms.type = mount_type_from(m.value("Type", "bind"));
        ms.source = m.value("Source", "");
        ms.target = m.value("Target", "");
        ms.read_only = m.value("ReadOnly", false);
        ms.anonymous = m.value("Anonymous", false);
        ms.tmpfs_options = m.value("TmpfsOptions", "");
        s.mounts.push_back(ms);
      }
    if (auto it = j.find("Ulimits"); it != j.end())
      for (const auto& u : *it) s.ulimits.push_back({u.value("Name", ""), u.value("Soft", int64_t{0}), u.value("Hard", int64_t{0})});
    get_to(j, "Sysctls", s.sysctls);
    get_to(j, "Labels", s.labels);
    get_to(j, "Memory", s.resources.memory_bytes);
    get_to(j, "MemorySwap", s.resources.memory_swap_bytes);
    int64_t nano_cpus = 0;
    get_to(j, "NanoCpus", nano_cpus);
    s.resources.cpus = static_cast<double>(nano_cpus) / 1e9;
    get_to(j, "CpuShares", s.resources.cpu_shares);
    get_to(j, "PidsLimit", s.resources.pids_limit);
    if (auto it = j.find("RestartPolicy"); it != j.end()) {
      auto policy = parse_restart_policy(it->value("Name", "no"));
      if (policy) s.restart = *policy;
      s.restart.max_retries = it->value("MaximumRetryCount", 0);
    }
    if (auto it = j.find("LogConfig"); it != j.end()) {
      s.log.max_size = it->value("MaxSize", int64_t{0});
      s.log.max_files = it->value("MaxFile", 1);
    }
    get_to(j, "NetworkMode", s.network_mode);
    get_to(j, "NetworkNamespacePath", s.network.netns_path);
    get_to(j, "HostsFile", s.network.hosts);
    get_to(j, "ResolvConf", s.network.resolv_conf);
    get_to(j, "Created", s.created);
    get_to(j, "RackerGroupHost", s.group_host);
    get_to(j, "RackerGroup", s.group);
    if (j.value("UsernsMode", "") == "auto") s.userns = UsernsMode::kAuto;
    get_to(j, "RackerUsernsBase", s.userns_base);
    if (auto it = j.find("Healthcheck"); it != j.end() && it->is_object()) {
      HealthcheckSpec h;
      get_to(*it, "Test", h.test);
      h.interval = std::chrono::nanoseconds(it->value("Interval", h.interval.count()));
      h.timeout = std::chrono::nanoseconds(it->value("Timeout", h.timeout.count()));
      h.start_period = std::chrono::nanoseconds(it->value("StartPeriod", h.start_period.count()));
      h.start_interval = std::chrono::nanoseconds(it->value("StartInterval", h.start_interval.count()));
      h.retries = it->value("Retries", h.retries);
      s.healthcheck = h;
    }
    return s;
  } catch (const std::exception& e) {
    return Error(Errc::kParse, std::string("container config: ") + e.what());
  }
}

namespace {
ContainerStatus status_from(const std::string& s) {
  for (auto st : {ContainerStatus::kCreated, ContainerStatus::kRunning, ContainerStatus::kRestarting,
                  ContainerStatus::kRemoving, ContainerStatus::kExited, ContainerStatus::kDead})
    if (s == container_status_name(st)) return st;
  return ContainerStatus::kDead;
}
}  // namespace

std::string state_to_json(const ContainerState& s) {
  json j = {
      {"Status", container_status_name(s.status)},
      {"Pid", s.pid},
      {"PidStart", s.pid_start},
      {"MonitorPid", s.monitor_pid},
      {"MonitorStart", s.monitor_start},
      {"ExitCode", s.exit_code},
      {"Error", s.error},
      {"StartedAt", s.started_at},
      {"FinishedAt", s.finished_at},
      {"RestartCount", s.restart_count},
      {"StopRequested", s.stop_requested},
      {"OOMKilled", s.oom_killed},
      {"Paused", s.paused},
  };
  if (!s.health.status.empty()) {
    json log = json::array();
    for (const auto& r : s.health.log)
      log.push_back({{"Start", r.start}, {"End", r.end}, {"ExitCode", r.exit_code}, {"Output", r.output}});
    j["Health"] = {{"Status", s.health.status}, {"FailingStreak", s.health.failing_streak}, {"Log", log}};
  }
  return j.dump() + "\n";
}

Result<ContainerState> state_from_json(const std::string& text) {
  try {
    json j = json::parse(text);
    ContainerState s;
    s.status = status_from(j.value("Status", "dead"));
    get_to(j, "Pid", s.pid);
    get_to(j, "PidStart", s.pid_start);
    get_to(j, "MonitorPid", s.monitor_pid);
    get_to(j, "MonitorStart", s.monitor_start);
    get_to(j, "ExitCode", s.exit_code);
    get_to(j, "Error", s.error);
    get_to(j, "StartedAt", s.started_at);
    get_to(j, "FinishedAt", s.finished_at);
    get_to(j, "RestartCount", s.restart_count);
    get_to(j, "StopRequested", s.stop_requested);
    get_to(j, "OOMKilled", s.oom_killed);
    get_to(j, "Paused", s.paused);
    if (auto it = j.find("Health"); it != j.end() && it->is_object()) {
      get_to(*it, "Status", s.health.status);
      get_to(*it, "FailingStreak", s.health.failing_streak);
      if (auto log = it->find("Log"); log != it->end() && log->is_array())
        for (const auto& r : *log)
          s.health.log.push_back({r.value("Start", ""), r.value("End", ""), r.value("ExitCode", 0), r.value("Output", "")});
    }
    return s;
  } catch (const std::exception& e) {
    return Error(Errc::kParse, std::string("container state: ") + e.what());
  }
}

}  // namespace racker::runtime
