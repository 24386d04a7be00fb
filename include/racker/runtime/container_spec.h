#pragma once
// What one container is: the image's defaults (ImageConfig) merged with the
// user's settings (ContainerSettings, from `racker run` flags or a compose
// service) by docker's rules. A ContainerSpec is complete: the driver needs
// nothing else to run the container, and it is what config.json stores.
// Pure: no I/O.

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "racker/runtime/image_config.h"
#include "racker/util/error.h"

namespace racker::runtime {

struct MountSpec {
  enum class Type { kBind, kVolume, kTmpfs };
  Type type = Type::kBind;
  std::string source;   // host path (bind), volume name (volume), empty (tmpfs)
  std::string target;   // absolute path in the container
  bool read_only = false;
  bool anonymous = false;   // a volume racker named itself (image VOLUME, `-v /path`)
  std::string tmpfs_options;  // "size=64m,mode=1777" (tmpfs only)

  bool operator==(const MountSpec&) const = default;
};

struct UlimitSpec {
  std::string name;  // docker's names: nofile, nproc, core, memlock, stack, ...
  int64_t soft = 0, hard = 0;
  bool operator==(const UlimitSpec&) const = default;
};

struct ResourceLimits {
  int64_t memory_bytes = 0;       // 0: unlimited
  int64_t memory_swap_bytes = 0;  // memory+swap; 0: unset, -1: unlimited swap
  double cpus = 0;                // 0: unlimited
  int64_t cpu_shares = 0;         // 0: default
  int64_t pids_limit = 0;         // 0: unlimited
  bool any() const { return memory_bytes > 0 || cpus > 0 || cpu_shares > 0 || pids_limit > 0; }
  bool operator==(const ResourceLimits&) const = default;
};

struct RestartPolicy {
  enum class Kind { kNo, kAlways, kUnlessStopped, kOnFailure };
  Kind kind = Kind::kNo;
  int max_retries = 0;  // on-failure:N; 0 = unbounded
  bool operator==(const RestartPolicy&) const = default;
};
// Docker's spellings: "no", "always", "unless-stopped", "on-failure[:N]".
Result<RestartPolicy> parse_restart_policy(const std::string& text);
std::string restart_policy_name(const RestartPolicy& policy);

// A healthcheck racker runs against the container (docker's Healthcheck):
// the compose service's, else the image's HEALTHCHECK, with docker's
// defaults filled in. `test` is ["CMD", args...] or ["CMD-SHELL", command].
struct HealthcheckSpec {
  std::vector<std::string> test;
  std::chrono::nanoseconds interval{std::chrono::seconds(30)}, timeout{std::chrono::seconds(30)};
  std::chrono::nanoseconds start_period{0}, start_interval{std::chrono::seconds(5)};
  int retries = 3;
  bool operator==(const HealthcheckSpec&) const = default;
};

// json-file driver options (docker's log-opt max-size / max-file).
struct LogSpec {
  int64_t max_size = 0;  // bytes per file; 0: never rotate
  int max_files = 1;
  bool operator==(const LogSpec&) const = default;
};

// Whose ids the container's processes have (docker's --userns): the
// host's, or a private block of 64 Ki ids picked per container
// (user_namespace.h), where the container's root is no one on the host.
enum class UsernsMode { kHost, kAuto };

// The image's exposed ports ("80/tcp") and the user's ("80", "53/udp",
// "8000-8002"), as one sorted list of "PORT/PROTO" without repeats.
// kInvalidArgument names a malformed one.
Result<std::vector<std::string>> exposed_ports(const std::vector<std::string>& image,
                                               const std::vector<std::string>& user);

// "host" (or "") -> kHost, "auto" -> kAuto; anything else is
// kInvalidArgument naming the value.
Result<UsernsMode> parse_userns_mode(const std::string& text);

// What the user asked for; unset fields take the image's value.
struct ContainerSettings {
  std::string name;  // empty: generated
  std::optional<std::vector<std::string>> entrypoint;  // set (even empty) replaces the image's
  std::vector<std::string> cmd;                        // empty: the image's (unless entrypoint set)
  std::vector<std::string> env;                        // "KEY=value" or bare "KEY" (host value)
  std::optional<std::string> user, working_dir, stop_signal;
  std::optional<int> stop_timeout;  // seconds
  std::string hostname, domainname;
  bool tty = false, open_stdin = false, read_only = false, privileged = false, init = false;
  bool auto_remove = false;
  std::vector<std::string> cap_add, cap_drop;
  std::vector<MountSpec> mounts;
  std::vector<UlimitSpec> ulimits;
  std::map<std::string, std::string> sysctls, labels;
  ResourceLimits resources;
  RestartPolicy restart;
  LogSpec log;
  // "host", "none", or "bridge": racker networks, joined through a network
  // namespace that whoever creates the container prepares (NetworkAttachment).
  std::string network_mode = "host";
  UsernsMode userns = UsernsMode::kHost;
  std::vector<std::string> expose;  // "80", "53/udp", "8000-8002": ports offered, not published
  // Grouped OS containers (compose x-racker groups, group_launch.h): a group
  // host is the machine whose PID 1 is racker's group init; a member names
  // its group host's container and runs inside that machine's namespaces.
  bool group_host = false;
  std::string group;
};

// Set by the networking layer for network_mode "bridge": the namespace file
// nspawn joins and the generated /etc/hosts and /etc/resolv.conf.
struct NetworkAttachment {
  std::string netns_path;
  std::string hosts, resolv_conf;
  bool operator==(const NetworkAttachment&) const = default;
};

struct ContainerSpec {
  std::string id;    // 64 lowercase hex digits
  std::string name;  // without docker's leading '/'
  std::string image;     // as the user named it ("busybox")
  std::string image_id;  // "sha256:<hex>"
  std::vector<std::string> layer_dirs;  // lowest first, absolute
  std::vector<std::string> image_volumes;  // the image's VOLUME paths (anonymous volumes)
  std::vector<std::string> exposed_ports;  // "80/tcp": the image's EXPOSE and the user's, sorted

  std::vector<std::string> entrypoint, cmd;  // after the merge; argv = entrypoint + cmd
  std::vector<std::string> env;              // final "KEY=value" list, image first
  std::string user, working_dir, hostname, domainname;
  bool tty = false, open_stdin = false, read_only = false, privileged = false, init = false;
  bool auto_remove = false;
  std::vector<std::string> cap_add, cap_drop;  // canonical "CAP_NET_ADMIN" or "ALL"
  std::string stop_signal = "SIGTERM";
  int stop_timeout = 10;
  std::vector<MountSpec> mounts;
  std::vector<UlimitSpec> ulimits;
  std::map<std::string, std::string> sysctls, labels;
  ResourceLimits resources;
  RestartPolicy restart;
  LogSpec log;
  std::string network_mode = "host";
  NetworkAttachment network;  // network_mode "bridge" only
  UsernsMode userns = UsernsMode::kHost;
  uint32_t userns_base = 0;   // kAuto: the host id of the container's root, picked at create
  bool group_host = false;    // see ContainerSettings
  std::string group;
  std::optional<HealthcheckSpec> healthcheck;  // none: no health status
  std::string created;  // RFC 3339 with nanoseconds, UTC

  std::vector<std::string> argv() const;
  bool operator==(const ContainerSpec&) const = default;
};

inline constexpr const char* kDefaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

// Merges image defaults and settings by docker's rules:
//  - an entrypoint given by the user replaces the image's and drops its Cmd;
//    otherwise the user's cmd (when non-empty) replaces the image's Cmd;
//  - env: the image's, then the user's, a later KEY replacing an earlier one;
//    a bare "KEY" takes `host_env(KEY)` and is dropped when the host lacks it;
//  - user, working dir, stop signal: the user's, else the image's;
//  - each image VOLUME not covered by a user mount becomes an anonymous volume;
//  - exposed ports: the image's and the user's, ranges spelled out.
// `id`, `name`, `image`, `image_id`, `layer_dirs` are filled by the caller.
// Errors: kInvalidArgument for a bad capability or signal name.
using HostEnvLookup = std::optional<std::string> (*)(const std::string& key);
Result<ContainerSpec> merge_container_spec(const ImageConfig& image, const ContainerSettings& settings,
                                           HostEnvLookup host_env = nullptr);

// The environment a container's process starts with, as docker builds it:
// PATH (when absent), HOSTNAME, TERM=xterm (with a tty), then `spec.env`.
// HOME is added by the init once the user is known.
std::vector<std::string> container_environment(const ContainerSpec& spec);

// Docker's random names ("eager_turing") from `random`'s bits.
std::string generate_container_name(uint64_t random);
// A fresh 64-hex container id from the kernel's random source.
std::string generate_container_id();
// Docker's rule for names: [a-zA-Z0-9][a-zA-Z0-9_.-]+ (a leading '/' is dropped).
Status validate_container_name(const std::string& name);

// "SIGTERM", "TERM", "15" -> 15. kInvalidArgument: `invalid signal: NAME`.
Result<int> parse_signal(const std::string& text);
// 15 -> "SIGTERM".
std::string signal_name(int signo);
// "NET_ADMIN", "cap_net_admin", "ALL" -> "CAP_NET_ADMIN", "ALL".
Result<std::string> canonical_capability(const std::string& text);
// "CAP_NET_ADMIN" -> 12; -1 when unknown.
int capability_number(const std::string& canonical);
// The capabilities the payload keeps, as docker computes them: its default
// set (CHOWN, DAC_OVERRIDE, FSETID, FOWNER, MKNOD, NET_RAW, SETGID, SETUID,
// SETFCAP, SETPCAP, NET_BIND_SERVICE, SYS_CHROOT, KILL, AUDIT_WRITE), minus
// cap_drop ("ALL" drops every default), plus cap_add ("ALL": every one);
// every capability when privileged. Sorted numbers.
std::vector<int> container_capabilities(const ContainerSpec& spec);
inline constexpr int kLastCapability = 40;  // CAP_CHECKPOINT_RESTORE

}  // namespace racker::runtime
