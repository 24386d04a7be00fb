#include "racker/runtime/container_inspect.h"

#include <nlohmann/json.hpp>

namespace racker::runtime {

using nlohmann::json;

std::string container_inspect_json(const ContainerInfo& info, const std::string& volumes_dir, int indent) {
  const auto& s = info.spec;
  const auto& st = info.state;
  json binds = json::array(), mounts = json::array(), tmpfs = json::object(), ulimits = json::array();
  for (const auto& m : s.mounts) {
    switch (m.type) {
      case MountSpec::Type::kBind:
        binds.push_back(m.source + ":" + m.target + (m.read_only ? ":ro" : ""));
        mounts.push_back({{"Type", "bind"}, {"Source", m.source}, {"Destination", m.target}, {"Mode", m.read_only ? "ro" : ""},
                          {"RW", !m.read_only}, {"Propagation", "rprivate"}});
        break;
      case MountSpec::Type::kVolume:
        if (!m.anonymous) binds.push_back(m.source + ":" + m.target + (m.read_only ? ":ro" : ""));
        mounts.push_back({{"Type", "volume"}, {"Name", m.source}, {"Source", volumes_dir + "/" + m.source + "/_data"},
                          {"Destination", m.target}, {"Driver", "local"}, {"Mode", m.read_only ? "ro" : "z"},
                          {"RW", !m.read_only}, {"Propagation", ""}});
        break;
      case MountSpec::Type::kTmpfs: tmpfs[m.target] = m.tmpfs_options; break;
    }
  }
  for (const auto& u : s.ulimits) ulimits.push_back({{"Name", u.name}, {"Soft", u.soft}, {"Hard", u.hard}});
  std::vector<std::string> args = s.argv();
  std::string path = args.empty() ? "" : args.front();
  if (!args.empty()) args.erase(args.begin());
  bool running = st.status == ContainerStatus::kRunning || st.status == ContainerStatus::kRestarting;
  json j = {
      {"Id", s.id},
      {"Created", s.created},
      {"Path", path},
      {"Args", args},
      {"State",
       {{"Status", state_status_name(st)},
        {"Running", running},
        {"Paused", running && st.paused},
        {"Restarting", st.status == ContainerStatus::kRestarting},
        {"OOMKilled", st.oom_killed},
        {"Dead", st.status == ContainerStatus::kDead},
        {"Pid", running ? st.pid : 0},
        {"ExitCode", st.exit_code},
        {"Error", st.error},
        {"StartedAt", st.started_at.empty() ? "0001-01-01T00:00:00Z" : st.started_at},
        {"FinishedAt", st.finished_at.empty() ? "0001-01-01T00:00:00Z" : st.finished_at}}},
      {"Image", s.image_id},
      {"Name", "/" + s.name},
      {"RestartCount", st.restart_count},
      {"Driver", "overlay2"},
      {"Platform", "linux"},
      {"HostConfig",
       {{"Binds", binds},
        {"NetworkMode", s.network_mode},
        {"RestartPolicy", {{"Name", restart_policy_name(s.restart)}, {"MaximumRetryCount", s.restart.max_retries}}},
        {"AutoRemove", s.auto_remove},
        {"CapAdd", s.cap_add},
        {"CapDrop", s.cap_drop},
        {"Privileged", s.privileged},
        {"UsernsMode", s.userns == UsernsMode::kAuto ? "auto" : ""},
        {"ReadonlyRootfs", s.read_only},
        {"Tmpfs", tmpfs},
        {"Memory", s.resources.memory_bytes},
        {"MemorySwap", s.resources.memory_swap_bytes},
        {"NanoCpus", static_cast<int64_t>(s.resources.cpus * 1e9 + 0.5)},
        {"CpuShares", s.resources.cpu_shares},
        {"PidsLimit", s.resources.pids_limit},
        {"Ulimits", ulimits},
        {"Sysctls", s.sysctls},
        {"Init", s.init},
        {"LogConfig", {{"Type", "json-file"}, {"Config", json::object()}}}}},
      {"Mounts", mounts},
      {"Config",
       {{"Hostname", s.hostname.empty() ? s.id.substr(0, 12) : s.hostname},
        {"Domainname", s.domainname},
        {"User", s.user},
        {"Tty", s.tty},
        {"OpenStdin", s.open_stdin},
        {"Env", s.env},
        {"Cmd", s.cmd},
        {"Image", s.image},
        {"WorkingDir", s.working_dir},
        {"Entrypoint", s.entrypoint.empty() ? json(nullptr) : json(s.entrypoint)},
        {"Labels", s.labels},
        {"StopSignal", s.stop_signal},
        {"StopTimeout", s.stop_timeout}}},
  };
  if (!s.exposed_ports.empty()) {
    json exposed = json::object();  // docker's set: ports as keys
    for (const auto& p : s.exposed_ports) exposed[p] = json::object();
    j["Config"]["ExposedPorts"] = exposed;
  }
  if (s.healthcheck)
    j["Config"]["Healthcheck"] = {{"Test", s.healthcheck->test},
                                  {"Interval", s.healthcheck->interval.count()},
                                  {"Timeout", s.healthcheck->timeout.count()},
                                  {"StartPeriod", s.healthcheck->start_period.count()},
                                  {"StartInterval", s.healthcheck->start_interval.count()},
                                  {"Retries", s.healthcheck->retries}};
  if (!st.health.status.empty()) {
    json log = json::array();
    for (const auto& r : st.health.log)
      log.push_back({{"Start", r.start}, {"End", r.end}, {"ExitCode", r.exit_code}, {"Output", r.output}});
    j["State"]["Health"] = {{"Status", st.health.status}, {"FailingStreak", st.health.failing_streak}, {"Log", log}};
  }
  return j.dump(indent, ' ', false, json::error_handler_t::replace);
}

namespace {
std::string render(const json& v) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_null()) return "<no value>";
  if (v.is_array()) {  // Go prints slices as [a b c]
    std::string out = "[";
    for (size_t i = 0; i < v.size(); ++i) {
      if (i) out += ' ';
      out += render(v[i]);
    }
    return out + "]";
  }
  if (v.is_object()) {
    std::string out = "map[";
    bool first = true;
    for (auto it = v.begin(); it != v.end(); ++it) {
      if (!first) out += ' ';
      out += it.key();
      out += ':';
      out += render(it.value());
      first = false;
    }
    return out + "]";
  }
  return v.dump();
}
}  // namespace

Result<std::string> format_inspect(const std::string& inspect_json, const std::string& format) {
  json root;
  try {
    root = json::parse(inspect_json);
  } catch (const std::exception& e) {
    return Error(Errc::kInternal, e.what());
  }
  std::string out;
  size_t pos = 0;
  while (pos < format.size()) {
    size_t open = format.find("{{", pos);
    if (open == std::string::npos) {
      out += format.substr(pos);
      break;
    }
    out += format.substr(pos, open - pos);
    size_t close = format.find("}}", open);
    if (close == std::string::npos) return Error(Errc::kInvalidArgument, "template: unclosed action");
    std::string action = format.substr(open + 2, close - open - 2);
    while (!action.empty() && action.front() == ' ') action.erase(0, 1);
    while (!action.empty() && action.back() == ' ') action.pop_back();
    bool as_json = action.rfind("json ", 0) == 0;
    if (as_json) action = action.substr(5);
    if (action.empty() || action[0] != '.')
      return Error(Errc::kInvalidArgument, "template: unsupported action {{" + action + "}}");
    const json* v = &root;
    size_t p = 1;
    while (p < action.size()) {
      size_t dot = action.find('.', p);
      std::string key = action.substr(p, dot == std::string::npos ? std::string::npos : dot - p);
      if (!key.empty()) {
        if (!v->is_object() || !v->contains(key))
          return Error(Errc::kInvalidArgument, "template: can't evaluate field " + key);
        v = &(*v)[key];
      }
      if (dot == std::string::npos) break;
      p = dot + 1;
    }
    out += as_json ? v->dump() : render(*v);
    pos = close + 2;
  }
  return out;
}

}  // namespace racker::runtime
