#pragma once
// The typed compose project: what the rest of racker consumes. Filled by
// bind() from a canonical, normalized document; never hand-built from YAML.
// Plain structs; optional<> means "not set in the file" where compose
// distinguishes that from a default.

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "racker/util/error.h"

namespace racker::compose::model {

using Duration = std::chrono::nanoseconds;
using StringMap = std::map<std::string, std::string>;
// environment: a value of nullopt is a bare key with no value found.
using EnvVars = std::map<std::string, std::optional<std::string>>;

struct BuildConfig {
  std::string context;
  std::string dockerfile;
  std::optional<std::string> dockerfile_inline;
  std::optional<std::string> target;
  EnvVars args;
  StringMap labels;
  std::vector<std::string> cache_from, cache_to, tags, platforms;
  std::optional<std::string> network;
  std::map<std::string, std::string> additional_contexts;
};

struct DependsOn {
  std::string condition = "service_started";  // service_healthy, service_completed_successfully
  bool required = true;
  bool restart = false;
};

struct PortConfig {
  std::string mode = "ingress";
  std::string host_ip;    // "" = all addresses
  uint16_t target = 0;
  std::string published;  // "" = ephemeral; may be a range "8000-8010"
  std::string protocol = "tcp";
  std::optional<std::string> name, app_protocol;
};

struct VolumeMount {
  std::string type;  // bind, volume, tmpfs, npipe, cluster, image
  std::string source;  // absolute path (bind), volume key (volume), "" (anonymous/tmpfs)
  std::string target;
  bool read_only = false;
  std::optional<std::string> consistency;
  // bind
  bool create_host_path = true;
  std::optional<std::string> propagation, selinux;
  // volume
  bool nocopy = false;
  std::optional<std::string> subpath;
  // tmpfs
  std::optional<int64_t> tmpfs_size;
  std::optional<uint32_t> tmpfs_mode;
};

struct HealthCheck {
  std::vector<std::string> test;  // ["CMD", ...], ["CMD-SHELL", s], ["NONE"]
  std::optional<Duration> interval, timeout, start_period, start_interval;
  std::optional<int> retries;
  bool disable = false;
};

struct ServiceNetwork {
  std::vector<std::string> aliases;
  std::optional<std::string> ipv4_address, ipv6_address, mac_address, driver_opts_note;
  std::vector<std::string> link_local_ips;
  std::optional<int> priority;
  std::optional<std::string> interface_name;
};

struct Ulimit {
  int64_t soft = 0, hard = 0;
};

struct FileReference {  // service-level secrets/configs
  std::string source, target;
  std::optional<std::string> uid, gid;
  std::optional<uint32_t> mode;
};

struct RestartPolicy {  // deploy.restart_policy
  std::string condition = "any";  // none, on-failure, any
  std::optional<Duration> delay, window;
  std::optional<int> max_attempts;
};

struct Resources {
  std::optional<double> cpus;
  std::optional<int64_t> memory_bytes;
  std::optional<int64_t> pids;
};

struct Deploy {
  std::optional<int> replicas;
  std::optional<RestartPolicy> restart_policy;
  Resources limits, reservations;
  StringMap labels;
  std::optional<std::string> mode;
};

struct Logging {
  std::string driver;
  StringMap options;
};

struct Service {
  std::string name;
  std::vector<std::string> profiles;
  std::optional<std::string> image;
  std::optional<BuildConfig> build;
  std::optional<std::string> pull_policy, platform, container_name, hostname, domainname;
  std::optional<std::vector<std::string>> command, entrypoint;  // nullopt: image default
  EnvVars environment;
  std::map<std::string, DependsOn> depends_on;
  std::vector<std::string> links, volumes_from, external_links;
  std::optional<std::string> network_mode, ipc, pid, user, working_dir, restart;
  std::map<std::string, std::optional<ServiceNetwork>> networks;
  std::vector<PortConfig> ports;
  std::vector<std::string> expose;
  std::vector<VolumeMount> volumes;
  std::vector<std::string> tmpfs;
  std::optional<HealthCheck> healthcheck;
  std::vector<FileReference> secrets, configs;
  StringMap labels, annotations, sysctls;
  std::map<std::string, std::vector<std::string>> extra_hosts;
  std::vector<std::string> dns, dns_search, dns_opt, cap_add, cap_drop, security_opt, group_add;
  std::map<std::string, Ulimit> ulimits;
  std::optional<std::string> stop_signal, mac_address, cgroup_parent, cgroup, userns_mode;
  std::optional<Duration> stop_grace_period;
  std::optional<bool> init, privileged, read_only, stdin_open, tty, oom_kill_disable;
  std::optional<int> scale, oom_score_adj;
  std::optional<int64_t> mem_limit, memswap_limit, shm_size, pids_limit;
  std::optional<double> cpus;
  std::optional<Deploy> deploy;
  std::optional<Logging> logging;
  std::vector<std::string> devices;  // "src:dst:perm"
  std::map<std::string, std::string> extensions;  // x-* keys, as JSON text
  // Keys of the spec racker accepts but does not implement, ignored with a
  // warning (key path -> reason).
  std::map<std::string, std::string> ignored;

  // Number of containers compose runs for this service (scale / deploy.replicas, default 1).
  int replicas() const;
};

struct IpamPool {
  std::optional<std::string> subnet, ip_range, gateway;
  StringMap aux_addresses;
};

struct Network {
  std::string key;   // the name in the compose file
  std::string name;  // the real name: <project>_<key>, `name:`, or the external name
  std::string driver;
  StringMap driver_opts, labels;
  bool external = false, internal = false, attachable = false;
  std::optional<bool> enable_ipv6;
  std::optional<std::string> ipam_driver;
  std::vector<IpamPool> ipam;
  std::map<std::string, std::string> extensions;
};

struct Volume {
  std::string key, name, driver;
  StringMap driver_opts, labels;
  bool external = false;
  std::map<std::string, std::string> extensions;
};

struct FileObject {  // top-level secrets / configs
  std::string key, name;
  std::optional<std::string> file, environment, content;
  bool external = false;
  StringMap labels;
};

struct Project {
  std::string name;
  std::string working_dir;
  std::vector<std::string> compose_files;
  std::map<std::string, Service> services;  // by name, sorted
  std::map<std::string, Network> networks;
  std::map<std::string, Volume> volumes;
  std::map<std::string, FileObject> secrets, configs;
  std::map<std::string, std::string> extensions;  // top-level x-*, as JSON text
  // Where each key path was written ("services.web.ports[1]" -> file:line:col).
  std::map<std::string, Mark> marks;
  std::vector<std::string> warnings;

  const Service* service(const std::string& name) const;
  // The mark for `key_path`, or for its nearest ancestor that has one.
  std::optional<Mark> mark_of(const std::string& key_path) const;
};

}  // namespace racker::compose::model
