#pragma once
// The typed compose project: what the rest of racker consumes. Filled by
// bind() from a canonical, normalized document; never hand-built from YAML.
// Plain structs; optional<> means "not set in the file" where compose
// distinguishes that from a default.
//
// Every key of the compose spec is either a field here or, when racker does
// not implement it, listed in `ignored` (key path -> reason) with a warning.
// x-* extension values are kept as JSON text, keyed by their path relative to
// the object that holds the map (`x-foo`, or `ports[0].x-foo` for one nested
// in an object without a map of its own).

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "racker/compose/node.h"
#include "racker/util/error.h"

namespace racker::compose::model {

// Where each key path of a project was written ("services.web.ports[1]" ->
// file:line:col), for error messages: the key's position for mapping
// entries (the item's for sequence items) and, when the value is a scalar,
// the value's too, so that an error about a value can point at it like a
// compiler's caret.
//
// bind() records one for every key of the document, so this is compact:
// file names are interned (NodeMark) and paths kept only as 64-bit hashes (a
// collision, about 1 in 10^9 for a huge file, could only misplace an
// error's caret). seal() sorts for lookups; lookups before that scan.
class SourceMarks {
 public:
  void set(std::string_view path, const NodeMark& key);
  void set_value(std::string_view path, const NodeMark& value);
  // Sorts for fast lookups; a later set() unseals.
  void seal();
  // Exact lookups; nullopt when unknown. The latest set() wins.
  std::optional<Mark> key(std::string_view path) const;
  std::optional<Mark> value(std::string_view path) const;
  size_t count(std::string_view path) const {
    Pos k, v;
    return lookup(path, k, v) ? 1 : 0;
  }

 private:
  using Pos = NodeMark;
  struct Where {
    uint64_t hash;
    uint32_t order;  // set() order, so that the latest wins
    Pos key, value;
  };
  Where& entry(std::string_view path);
  // The positions recorded for `path` (line 0 where unknown); false if none.
  bool lookup(std::string_view path, Pos& key, Pos& value) const;

  std::vector<Where> where_;
  bool sealed_ = true;
};

using Duration = std::chrono::nanoseconds;
using StringMap = std::map<std::string, std::string>;
// environment, build.args: a value of nullopt is a bare key with no value found.
using EnvVars = std::map<std::string, std::optional<std::string>>;
// x-* keys -> their value as JSON text.
using Extensions = std::map<std::string, std::string>;

// Go duration syntax, as compose writes durations: "1m30s", "500ms", "1h",
// "-1.5h", "0". Units ns, us (µs), ms, s, m, h. Errors: kValidation.
Result<Duration> parse_duration(std::string_view text);
// The shortest Go spelling of `d` ("1m30s", "500ms", "0s"), as compose prints it.
std::string format_duration(Duration d);
// Byte sizes as docker's RAMInBytes reads them: "1024", "512m", "1g", "1.5gb",
// "64 KiB"; suffixes b k m g t p (with optional i and b), powers of 1024.
// Errors: kValidation.
Result<int64_t> parse_bytes(std::string_view text);

struct FileReference {  // service secrets/configs, build.secrets
  std::string source;
  std::optional<std::string> target;  // secrets default to /run/secrets/<source> (normalize)
  std::optional<std::string> uid, gid;
  std::optional<uint32_t> mode;
};

struct Ulimit {
  int64_t soft = 0, hard = 0;
};

struct BuildConfig {
  std::string context;
  std::string dockerfile;
  std::optional<std::string> dockerfile_inline;
  std::optional<std::string> target;
  EnvVars args;
  StringMap labels;
  std::map<std::string, std::optional<std::string>> ssh;  // id -> path (nullopt: agent socket)
  std::vector<std::string> cache_from, cache_to, tags, platforms;
  std::optional<std::string> network;
  StringMap additional_contexts;
  std::map<std::string, std::vector<std::string>> extra_hosts;
  std::vector<FileReference> secrets;
  std::map<std::string, Ulimit> ulimits;
  std::optional<int64_t> shm_size;
  std::optional<bool> no_cache, pull, privileged;
  Extensions extensions;
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
  std::optional<std::string> propagation, selinux, recursive;
  // volume
  bool nocopy = false;
  std::optional<std::string> subpath;  // volume.subpath or image.subpath
  StringMap volume_labels;
  // tmpfs
  std::optional<int64_t> tmpfs_size;
  std::optional<uint32_t> tmpfs_mode;
};

struct DeviceMapping {  // bind() fills the defaults: target = source, permissions = rwm
  std::string source;
  std::string target;
  std::string permissions;
};

struct HealthCheck {
  std::vector<std::string> test;  // ["CMD", ...], ["CMD-SHELL", s], ["NONE"]; empty: image's
  std::optional<Duration> interval, timeout, start_period, start_interval;
  std::optional<int> retries;
  bool disable = false;
};

struct ServiceNetwork {
  std::vector<std::string> aliases;
  std::optional<std::string> ipv4_address, ipv6_address, mac_address, interface_name;
  std::vector<std::string> link_local_ips;
  StringMap driver_opts;
  std::optional<int> priority, gw_priority;
};

// post_start / pre_stop hooks (exec in the container) and pre_start steps
// (a container of their own, `image` filled from the service by normalize).
struct ServiceHook {
  std::optional<std::vector<std::string>> command;
  std::optional<std::string> user, working_dir, image;
  std::optional<bool> privileged, per_replica;
  EnvVars environment;
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
  std::optional<std::string> mode;  // replicated (default), global
};

struct Logging {
  std::string driver;
  StringMap options;
};

struct EnvFile {  // env_file entries left in a document that was not normalized
  std::string path;
  bool required = true;
  std::optional<std::string> format;
};

struct Service {
  std::string name;
  std::vector<std::string> profiles;
  std::optional<std::string> image;
  std::optional<BuildConfig> build;
  std::optional<std::string> pull_policy, platform, container_name, hostname, domainname;
  std::optional<std::vector<std::string>> command, entrypoint;  // nullopt: image default
  EnvVars environment;
  std::vector<EnvFile> env_files;       // empty after normalize (merged into environment)
  std::vector<std::string> label_files;  // empty after normalize (merged into labels)
  std::map<std::string, DependsOn> depends_on;
  std::vector<std::string> links, volumes_from, external_links;
  std::optional<std::string> network_mode, ipc, pid, uts, user, working_dir, restart;
  std::map<std::string, std::optional<ServiceNetwork>> networks;  // nullopt: joined with no options
  std::vector<PortConfig> ports;
  std::vector<std::string> expose;
  std::vector<VolumeMount> volumes;
  std::vector<std::string> tmpfs;
  std::optional<HealthCheck> healthcheck;
  std::vector<FileReference> secrets, configs;
  StringMap labels, annotations, sysctls;
  std::map<std::string, std::vector<std::string>> extra_hosts;  // host -> addresses
  std::vector<std::string> dns, dns_search, dns_opt, cap_add, cap_drop, security_opt, group_add,
      device_cgroup_rules;
  std::map<std::string, Ulimit> ulimits;
  std::optional<std::string> stop_signal, mac_address, cgroup_parent, cgroup, userns_mode, cpuset;
  std::optional<Duration> stop_grace_period;
  std::optional<bool> attach, init, privileged, read_only, stdin_open, tty, oom_kill_disable;
  std::optional<int> scale, oom_score_adj;
  std::optional<int64_t> mem_limit, mem_reservation, memswap_limit, mem_swappiness, shm_size, pids_limit;
  std::optional<int64_t> cpu_shares, cpu_quota, cpu_period;
  std::optional<double> cpus;
  std::optional<Deploy> deploy;
  std::optional<Logging> logging;
  std::vector<DeviceMapping> devices;
  std::vector<ServiceHook> pre_start, post_start, pre_stop;
  Extensions extensions;
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
  std::string driver;  // "" = bridge
  StringMap driver_opts, labels;
  bool external = false, internal = false, attachable = false;
  std::optional<bool> enable_ipv4, enable_ipv6;
  std::optional<std::string> ipam_driver;
  StringMap ipam_options;
  std::vector<IpamPool> ipam;
  Extensions extensions;
};

struct Volume {
  std::string key, name, driver;
  StringMap driver_opts, labels;
  bool external = false;
  Extensions extensions;
};

struct FileObject {  // top-level secrets / configs
  std::string key, name;
  // `environment` names a variable of the project environment holding the
  // value; for configs normalize copies a found value into `content`.
  std::optional<std::string> file, environment, content;
  bool external = false;
  StringMap labels;
  Extensions extensions;
};

struct Project {
  std::string name;
  std::string working_dir;
  std::vector<std::string> compose_files;
  std::map<std::string, Service> services;  // by name, sorted
  std::map<std::string, Network> networks;
  std::map<std::string, Volume> volumes;
  std::map<std::string, FileObject> secrets, configs;
  Extensions extensions;  // top-level x-*
  // Top-level keys racker ignores (key path -> reason); per-service ones are in Service::ignored.
  std::map<std::string, std::string> ignored;
  // Where each key path (and scalar value) was written.
  SourceMarks marks;
  std::vector<std::string> warnings;

  const Service* service(const std::string& name) const;
  // The mark for `key_path`, or for its nearest ancestor that has one.
  std::optional<Mark> mark_of(const std::string& key_path) const;
  // The position of the scalar value at `key_path` if it has one, else mark_of().
  std::optional<Mark> value_mark_of(const std::string& key_path) const;
};

}  // namespace racker::compose::model
