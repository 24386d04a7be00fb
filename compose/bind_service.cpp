// services.<name>: one table row per key of the compose spec's service
// definition. Keys racker does not implement are rows without a binder and
// with the reason they are ignored; anything else is an unknown key.
#include "bind_internal.h"

namespace racker::compose::bind_detail {
namespace {

using model::Service;

const Field<model::EnvFile> kEnvFileFields[] = {
    {"path", str<&model::EnvFile::path>},
    {"required", flag<&model::EnvFile::required>},
    {"format", str<&model::EnvFile::format>},
};

void bind_env_files(Binder& b, const Node& n, const std::string& path, Service& s) {
  if (n.is_scalar()) {
    s.env_files.push_back(model::EnvFile{n.scalar, true, std::nullopt});
    return;
  }
  if (!n.is_seq()) {
    b.fail(n, path, "must be a string or a list");
    return;
  }
  for (size_t i = 0; i < n.items.size(); ++i) {
    const Node& item = n.items[i];
    std::string p = index_path(path, i);
    b.remember(p, item.mark);
    model::EnvFile f;
    if (item.is_scalar()) {
      f.path = item.scalar;
    } else if (item.is_map()) {
      b.object<model::EnvFile>(item, p, kEnvFileFields, f);
      if (!item.find("path")) b.fail(item, p, "path is required");
    } else {
      b.fail(item, p, "must be a string or a mapping");
      continue;
    }
    s.env_files.push_back(std::move(f));
  }
}

// always|never|missing|build|refresh|daily|weekly|every_<n><unit>...; if_not_present
// is compose's old spelling of missing (normalize rewrites it).
bool valid_pull_policy(const std::string& v) {
  for (const char* known : {"always", "never", "missing", "build", "refresh", "daily", "weekly", "if_not_present"})
    if (v == known) return true;
  const std::string prefix = "every_";
  if (v.compare(0, prefix.size(), prefix) != 0 || v.size() == prefix.size()) return false;
  bool digits = false;
  for (size_t i = prefix.size(); i < v.size(); ++i) {
    char c = v[i];
    if (c >= '0' && c <= '9') {
      digits = true;
    } else if (std::string_view("wdhms").find(c) != std::string_view::npos && digits) {
      digits = false;
    } else {
      return false;
    }
  }
  return !digits;  // ends on a unit
}

void bind_pull_policy(Binder& b, const Node& n, const std::string& path, Service& s) {
  auto v = b.string(n, path);
  if (!v) return;
  if (!valid_pull_policy(*v)) {
    b.fail(n, path,
           "must be one of always, never, missing, build, refresh, daily, weekly or every_<duration> (got \"" + *v +
               "\")");
    return;
  }
  s.pull_policy = *v;
}

void bind_pid(Binder& b, const Node& n, const std::string& path, Service& s) {
  if (n.is_null()) return;  // the schema allows pid: null
  str<&Service::pid>(b, n, path, s);
}

void bind_cgroup(Binder& b, const Node& n, const std::string& path, Service& s) {
  if (auto v = b.one_of(n, path, {"host", "private"})) s.cgroup = *v;
}

void bind_configs(Binder& b, const Node& n, const std::string& path, Service& s) {
  s.configs = b.file_refs(n, path);
}
void bind_secrets(Binder& b, const Node& n, const std::string& path, Service& s) {
  s.secrets = b.file_refs(n, path);
}
void bind_extra_hosts(Binder& b, const Node& n, const std::string& path, Service& s) {
  s.extra_hosts = b.hosts(n, path);
}
void bind_ulimits(Binder& b, const Node& n, const std::string& path, Service& s) {
  s.ulimits = b.ulimits(n, path);
}
void bind_cpus(Binder& b, const Node& n, const std::string& path, Service& s) {
  auto v = b.number(n, path);
  if (v && *v < 0) {
    b.fail(n, path, "must be greater than or equal to 0");
    return;
  }
  s.cpus = v;
}
void bind_pre_start(Binder& b, const Node& n, const std::string& path, Service& s) {
  bind_hooks(b, n, path, /*pre_start=*/true, s.pre_start);
}
void bind_post_start(Binder& b, const Node& n, const std::string& path, Service& s) {
  bind_hooks(b, n, path, /*pre_start=*/false, s.post_start);
}
void bind_pre_stop(Binder& b, const Node& n, const std::string& path, Service& s) {
  bind_hooks(b, n, path, /*pre_start=*/false, s.pre_stop);
}

constexpr std::string_view kWindowsOnly = "Windows containers only";
constexpr std::string_view kRealtime = "real-time CPU scheduling is not implemented";

const Field<Service> kServiceFields[] = {
    {"annotations", dict<&Service::annotations>},
    {"attach", flag<&Service::attach>},
    {"blkio_config", nullptr, "block IO limits are not implemented"},
    {"build", bind_build},
    {"cap_add", list<&Service::cap_add>},
    {"cap_drop", list<&Service::cap_drop>},
    {"cgroup", bind_cgroup},
    {"cgroup_parent", str<&Service::cgroup_parent>},
    {"command", cmd<&Service::command>},
    {"configs", bind_configs},
    {"container_name", str<&Service::container_name>},
    {"cpu_count", nullptr, kWindowsOnly},
    {"cpu_percent", nullptr, kWindowsOnly},
    {"cpu_period", int64<&Service::cpu_period, 0>},
    {"cpu_quota", int64<&Service::cpu_quota, -1>},
    {"cpu_rt_period", nullptr, kRealtime},
    {"cpu_rt_runtime", nullptr, kRealtime},
    {"cpu_shares", int64<&Service::cpu_shares, 0>},
    {"cpus", bind_cpus},
    {"cpuset", str<&Service::cpuset>},
    {"credential_spec", nullptr, kWindowsOnly},
    {"depends_on", bind_depends_on},
    {"deploy", bind_deploy},
    {"develop", nullptr, "compose watch is not implemented"},
    {"device_cgroup_rules", list<&Service::device_cgroup_rules>},
    {"devices", bind_devices},
    {"dns", string_or_list<&Service::dns>},
    {"dns_opt", list<&Service::dns_opt>},
    {"dns_search", string_or_list<&Service::dns_search>},
    {"domainname", str<&Service::domainname>},
    {"entrypoint", cmd<&Service::entrypoint>},
    {"env_file", bind_env_files},
    {"environment", env<&Service::environment>},
    {"expose", list<&Service::expose>},
    {"extends"},  // resolved by the extends stage
    {"external_links", list<&Service::external_links>},
    {"extra_hosts", bind_extra_hosts},
    {"gpus", nullptr, "GPU access is not implemented"},
    {"group_add", list<&Service::group_add>},
    {"healthcheck", bind_healthcheck},
    {"hostname", str<&Service::hostname>},
    {"image", str<&Service::image>},
    {"init", flag<&Service::init>},
    {"ipc", str<&Service::ipc>},
    {"isolation", nullptr, kWindowsOnly},
    {"label_file", string_or_list<&Service::label_files>},
    {"labels", dict<&Service::labels>},
    {"links", list<&Service::links>},
    {"logging", bind_logging},
    {"mac_address", str<&Service::mac_address>},
    {"mem_limit", byte_size<&Service::mem_limit>},
    {"mem_reservation", byte_size<&Service::mem_reservation>},
    {"mem_swappiness", int64<&Service::mem_swappiness, -1, 100>},
    {"memswap_limit", byte_size<&Service::memswap_limit>},
    {"models", nullptr, "AI models are not implemented"},
    {"network_mode", str<&Service::network_mode>},
    {"networks", bind_service_networks},
    {"oom_kill_disable", flag<&Service::oom_kill_disable>},
    {"oom_score_adj", int32<&Service::oom_score_adj, -1000, 1000>},
    {"pid", bind_pid},
    {"pids_limit", int64<&Service::pids_limit>},
    {"platform", str<&Service::platform>},
    {"ports", bind_ports},
    {"post_start", bind_post_start},
    {"pre_start", bind_pre_start},
    {"pre_stop", bind_pre_stop},
    {"privileged", flag<&Service::privileged>},
    {"profiles", list<&Service::profiles>},
    {"provider", nullptr, "provider services are not implemented"},
    {"pull_policy", bind_pull_policy},
    {"pull_refresh_after", nullptr, "the refresh pull policy is not implemented"},
    {"read_only", flag<&Service::read_only>},
    {"restart", str<&Service::restart>},
    {"runtime", nullptr, "racker always runs containers with systemd-nspawn"},
    {"scale", int32<&Service::scale, 0>},
    {"secrets", bind_secrets},
    {"security_opt", list<&Service::security_opt>},
    {"shm_size", byte_size<&Service::shm_size>},
    {"stdin_open", flag<&Service::stdin_open>},
    {"stop_grace_period", dur<&Service::stop_grace_period>},
    {"stop_signal", str<&Service::stop_signal>},
    {"storage_opt", nullptr, "storage driver options are not implemented"},
    {"sysctls", dict<&Service::sysctls>},
    {"tmpfs", string_or_list<&Service::tmpfs>},
    {"tty", flag<&Service::tty>},
    {"ulimits", bind_ulimits},
    {"use_api_socket", nullptr, "racker has no Docker API socket to share"},
    {"user", str<&Service::user>},
    {"userns_mode", str<&Service::userns_mode>},
    {"uts", str<&Service::uts>},
    {"volumes", bind_volumes},
    {"volumes_from", list<&Service::volumes_from>},
    {"working_dir", str<&Service::working_dir>},
};

}  // namespace

void list_service_keys(KeyLister& l) {
  l.table<Service>("services.*", kServiceFields);
  l.table<model::EnvFile>("services.*.env_file[]", kEnvFileFields);
  l.add("services.*.extends", "file", KnownKey::Kind::kApplied);  // extends.cpp reads these two
  l.add("services.*.extends", "service", KnownKey::Kind::kApplied);
  list_file_ref_keys(l, "services.*.configs[]");
  list_file_ref_keys(l, "services.*.secrets[]");
  list_ulimit_keys(l, "services.*.ulimits.*");
}

void bind_service(Binder& b, const Node& n, const std::string& path, Service& out) {
  Binder::HolderScope scope(b, Holder{&out.extensions, &out.ignored, path});
  b.object<Service>(n, path, kServiceFields, out);
}

}  // namespace racker::compose::bind_detail
