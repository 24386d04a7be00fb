#include "racker/runtime/container_spec.h"

#include <fcntl.h>
#include <sys/random.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <set>

namespace racker::runtime {

std::vector<std::string> ContainerSpec::argv() const {
  std::vector<std::string> out = entrypoint;
  out.insert(out.end(), cmd.begin(), cmd.end());
  return out;
}

namespace {

std::string env_key(const std::string& entry) { return entry.substr(0, entry.find('=')); }

// Later entries replace earlier ones with the same key, keeping the first position.
void set_env(std::vector<std::string>& env, const std::string& entry) {
  std::string key = env_key(entry);
  for (auto& existing : env)
    if (env_key(existing) == key) {
      existing = entry;
      return;
    }
  env.push_back(entry);
}

bool covered_by_mount(const std::vector<MountSpec>& mounts, const std::string& path) {
  for (const auto& m : mounts)
    if (m.target == path) return true;
  return false;
}

std::string random_hex(size_t bytes) {
  std::vector<unsigned char> buf(bytes);
  size_t done = 0;
  while (done < bytes) {
    ssize_t n = ::getrandom(buf.data() + done, bytes - done, 0);
    if (n > 0) done += static_cast<size_t>(n);
  }
  static const char* kHex = "0123456789abcdef";
  std::string out;
  for (unsigned char b : buf) {
    out += kHex[b >> 4];
    out += kHex[b & 15];
  }
  return out;
}

}  // namespace

Result<RestartPolicy> parse_restart_policy(const std::string& text) {
  RestartPolicy p;
  if (text.empty() || text == "no") return p;
  if (text == "always") p.kind = RestartPolicy::Kind::kAlways;
  else if (text == "unless-stopped") p.kind = RestartPolicy::Kind::kUnlessStopped;
  else if (text.rfind("on-failure", 0) == 0) {
    p.kind = RestartPolicy::Kind::kOnFailure;
    std::string rest = text.substr(10);
    if (!rest.empty()) {
      char* end = nullptr;
      long n = rest[0] == ':' ? std::strtol(rest.c_str() + 1, &end, 10) : -1;
      if (rest[0] != ':' || *end != '\0' || n < 0)
        return Error(Errc::kInvalidArgument, "invalid restart policy format: maximum retry count must be an integer");
      p.max_retries = static_cast<int>(n);
    }
  } else {
    return Error(Errc::kInvalidArgument, "invalid restart policy '" + text + "'");
  }
  return p;
}

std::string restart_policy_name(const RestartPolicy& policy) {
  switch (policy.kind) {
    case RestartPolicy::Kind::kNo: return "no";
    case RestartPolicy::Kind::kAlways: return "always";
    case RestartPolicy::Kind::kUnlessStopped: return "unless-stopped";
    case RestartPolicy::Kind::kOnFailure: return "on-failure";
  }
  return "no";
}

Result<ContainerSpec> merge_container_spec(const ImageConfig& image, const ContainerSettings& s,
                                           HostEnvLookup host_env) {
  ContainerSpec spec;
  spec.name = s.name;
  if (s.entrypoint) {
    spec.entrypoint = *s.entrypoint;
    spec.cmd = s.cmd;
  } else {
    spec.entrypoint = image.entrypoint;
    spec.cmd = s.cmd.empty() ? image.cmd : s.cmd;
  }
  spec.env = {};
  for (const auto& e : image.env) set_env(spec.env, e);
  for (const auto& e : s.env) {
    if (e.find('=') != std::string::npos) {
      set_env(spec.env, e);
      continue;
    }
    auto value = host_env ? host_env(e) : std::nullopt;
    if (value) {
      set_env(spec.env, e + "=" + *value);
    } else {
      // Unset: the variable goes, the image's value too (as docker's daemon
      // treats an entry without '=').
      std::erase_if(spec.env, [&](const std::string& existing) { return env_key(existing) == e; });
    }
  }
  spec.user = s.user.value_or(image.user);
  spec.working_dir = s.working_dir.value_or(image.working_dir);
  if (!spec.working_dir.empty() && spec.working_dir[0] != '/')
    return Error(Errc::kInvalidArgument, "the working directory '" + spec.working_dir + "' is invalid, it needs to be an absolute path");
  std::string signal = s.stop_signal.value_or(image.stop_signal.empty() ? "SIGTERM" : image.stop_signal);
  auto signo = parse_signal(signal);
  if (!signo) return signo.error();
  spec.stop_signal = signal_name(*signo);
  spec.stop_timeout = s.stop_timeout.value_or(10);
  spec.hostname = s.hostname;
  spec.domainname = s.domainname;
  spec.tty = s.tty;
  spec.open_stdin = s.open_stdin;
  spec.read_only = s.read_only;
  spec.privileged = s.privileged;
  spec.init = s.init;
  spec.auto_remove = s.auto_remove;
  for (const auto& c : s.cap_add) {
    auto cap = canonical_capability(c);
    if (!cap) return cap.error();
    spec.cap_add.push_back(*cap);
  }
  for (const auto& c : s.cap_drop) {
    auto cap = canonical_capability(c);
    if (!cap) return cap.error();
    spec.cap_drop.push_back(*cap);
  }
  spec.mounts = s.mounts;
  for (const auto& m : spec.mounts)
    if (m.target.empty() || m.target[0] != '/')
      return Error(Errc::kInvalidArgument, "invalid mount config: mount path must be absolute: " + m.target);
  spec.image_volumes = image.volumes;
  for (const auto& path : image.volumes) {
    if (covered_by_mount(spec.mounts, path)) continue;
    MountSpec m;
    m.type = MountSpec::Type::kVolume;
    m.anonymous = true;
    m.target = path;
    spec.mounts.push_back(m);
  }
  spec.ulimits = s.ulimits;
  spec.sysctls = s.sysctls;
  if (s.network_mode == "host")
    for (const auto& [key, value] : s.sysctls)
      if (key.rfind("net.", 0) == 0)
        return Error(Errc::kInvalidArgument, "sysctl \"" + key + "=" + value + "\" not allowed in host network namespace");
  spec.labels = image.labels;
  for (const auto& [k, v] : s.labels) spec.labels[k] = v;
  spec.resources = s.resources;
  spec.restart = s.restart;
  if (spec.auto_remove && spec.restart.kind != RestartPolicy::Kind::kNo)
    return Error(Errc::kInvalidArgument, "conflicting options: cannot specify both --restart and --rm");
  spec.log = s.log;
  spec.network_mode = s.network_mode;
  spec.group_host = s.group_host;
  spec.group = s.group;
  spec.userns = s.userns;
  auto exposed = exposed_ports(image.exposed_ports, s.expose);
  if (!exposed) return exposed.error();
  spec.exposed_ports = std::move(*exposed);
  if (spec.userns == UsernsMode::kAuto) {
    // Privileges on the host cannot be had from inside a user namespace.
    if (spec.privileged)
      return Error(Errc::kInvalidArgument,
                   "privileged mode is incompatible with user namespaces; run it with --userns=host");
    if (spec.group_host || !spec.group.empty())
      return Error(Errc::kUnsupported, "a private user namespace (userns auto) is not supported for grouped services");
    // The network namespace stays the host's to configure.
    for (const auto& [key, value] : s.sysctls)
      if (key.rfind("net.", 0) == 0)
        return Error(Errc::kUnsupported, "sysctl \"" + key + "\" cannot be set in a private user namespace (userns auto)");
  }
  if (spec.network_mode != "host" && spec.network_mode != "none" && spec.network_mode != "bridge")
    return Error(Errc::kUnsupported, "network mode \"" + spec.network_mode + "\" is not supported (use bridge, host or none)");
  if (spec.argv().empty()) return Error(Errc::kInvalidArgument, "no command specified");
  return spec;
}

std::vector<std::string> container_environment(const ContainerSpec& spec) {
  std::vector<std::string> env;
  bool has_path = false;
  for (const auto& e : spec.env)
    if (env_key(e) == "PATH") has_path = true;
  if (!has_path) env.push_back(std::string("PATH=") + kDefaultPath);
  env.push_back("HOSTNAME=" + (spec.hostname.empty() ? spec.id.substr(0, 12) : spec.hostname));
  if (spec.tty) env.push_back("TERM=xterm");
  for (const auto& e : spec.env) set_env(env, e);
  return env;
}

Result<std::vector<std::string>> exposed_ports(const std::vector<std::string>& image,
                                               const std::vector<std::string>& user) {
  std::set<std::pair<int, std::string>> ports;  // sorted by number, then protocol
  auto add = [&](const std::string& text) -> Status {
    auto slash = text.find('/');
    std::string range = text.substr(0, slash);
    std::string proto = slash == std::string::npos ? "tcp" : text.substr(slash + 1);
    auto dash = range.find('-');
    auto number = [](const std::string& t) {
      if (t.empty() || t.size() > 5 || t.find_first_not_of("0123456789") != std::string::npos) return -1;
      int n = std::stoi(t);
      return n >= 1 && n <= 65535 ? n : -1;
    };
    int first = number(range.substr(0, dash));
    int last = dash == std::string::npos ? first : number(range.substr(dash + 1));
    if (first < 0 || last < first || (proto != "tcp" && proto != "udp" && proto != "sctp"))
      return Error(Errc::kInvalidArgument, "invalid exposed port \"" + text + "\"");
    for (int p = first; p <= last; ++p) ports.emplace(p, proto);
    return ok_status();
  };
  for (const auto* list : {&image, &user})
    for (const auto& text : *list)
      if (auto st = add(text); !st) return st.error();
  std::vector<std::string> out;
  for (const auto& [port, proto] : ports) out.push_back(std::to_string(port) + "/" + proto);
  return out;
}

Result<UsernsMode> parse_userns_mode(const std::string& text) {
  if (text.empty() || text == "host") return UsernsMode::kHost;
  if (text == "auto") return UsernsMode::kAuto;
  return Error(Errc::kInvalidArgument, "invalid user namespace mode \"" + text + "\" (racker supports host and auto)");
}

std::string generate_container_id() { return random_hex(32); }

std::string generate_container_name(uint64_t random) {
  // A short list in docker's spirit: adjective_scientist.
  static const std::array<const char*, 24> kLeft = {
      "admiring", "brave",   "clever",  "dazzling", "eager",    "focused", "gallant", "happy",
      "jolly",    "keen",    "loving",  "modest",   "nifty",    "quirky",  "relaxed", "serene",
      "sharp",    "stoic",   "tender",  "upbeat",   "vibrant",  "wizardly", "xenial", "zealous"};
  static const std::array<const char*, 24> kRight = {
      "bardeen", "curie",   "darwin",   "einstein", "feynman", "galois",  "hopper",   "hypatia",
      "johnson", "kepler",  "lamport",  "lovelace", "mccarthy", "noether", "pasteur", "ritchie",
      "shannon", "thompson", "turing",  "wozniak",  "yalow",   "wright",  "tesla",    "knuth"};
  std::string name = std::string(kLeft[random % kLeft.size()]) + "_" + kRight[(random / kLeft.size()) % kRight.size()];
  return name + "_" + std::to_string((random >> 16) % 1000);
}

Status validate_container_name(const std::string& raw) {
  std::string name = !raw.empty() && raw[0] == '/' ? raw.substr(1) : raw;
  auto bad = [&] {
    return Error(Errc::kInvalidArgument,
                 "Invalid container name (" + raw + "), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed");
  };
  if (name.size() < 2 || !std::isalnum(static_cast<unsigned char>(name[0]))) return bad();
  for (char c : name)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '.' && c != '-') return bad();
  return ok_status();
}

namespace {
struct SignalName {
  const char* name;
  int number;
};
const SignalName kSignals[] = {
    {"HUP", SIGHUP},   {"INT", SIGINT},     {"QUIT", SIGQUIT},   {"ILL", SIGILL},     {"TRAP", SIGTRAP},
    {"ABRT", SIGABRT}, {"IOT", SIGIOT},     {"BUS", SIGBUS},     {"FPE", SIGFPE},     {"KILL", SIGKILL},
    {"USR1", SIGUSR1}, {"SEGV", SIGSEGV},   {"USR2", SIGUSR2},   {"PIPE", SIGPIPE},   {"ALRM", SIGALRM},
    {"TERM", SIGTERM}, {"STKFLT", SIGSTKFLT}, {"CHLD", SIGCHLD}, {"CONT", SIGCONT},   {"STOP", SIGSTOP},
    {"TSTP", SIGTSTP}, {"TTIN", SIGTTIN},   {"TTOU", SIGTTOU},   {"URG", SIGURG},     {"XCPU", SIGXCPU},
    {"XFSZ", SIGXFSZ}, {"VTALRM", SIGVTALRM}, {"PROF", SIGPROF}, {"WINCH", SIGWINCH}, {"IO", SIGIO},
    {"POLL", SIGPOLL}, {"PWR", SIGPWR},     {"SYS", SIGSYS},
};
}  // namespace

Result<int> parse_signal(const std::string& text) {
  auto invalid = [&] { return Error(Errc::kInvalidArgument, "invalid signal: " + text); };
  if (text.empty()) return invalid();
  if (std::isdigit(static_cast<unsigned char>(text[0]))) {
    char* end = nullptr;
    long n = std::strtol(text.c_str(), &end, 10);
    if (*end != '\0' || n <= 0 || n > SIGRTMAX) return invalid();
    return static_cast<int>(n);
  }
  std::string name;
  for (char c : text) name += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  if (name.rfind("SIG", 0) == 0) name = name.substr(3);
  for (const auto& s : kSignals)
    if (name == s.name) return s.number;
  if (name.rfind("RTMIN", 0) == 0 || name.rfind("RTMAX", 0) == 0) {
    bool min = name[2] == 'M' && name[3] == 'I';
    std::string rest = name.substr(5);
    long offset = 0;
    if (!rest.empty()) {
      char* end = nullptr;
      offset = std::strtol(rest.c_str(), &end, 10);
      if (*end != '\0') return invalid();
    }
    int n = min ? SIGRTMIN + static_cast<int>(offset) : SIGRTMAX + static_cast<int>(offset);
    if (n < SIGRTMIN || n > SIGRTMAX) return invalid();
    return n;
  }
  return invalid();
}

std::string signal_name(int signo) {
  for (const auto& s : kSignals)
    if (s.number == signo && std::string(s.name) != "IOT" && std::string(s.name) != "POLL")
      return std::string("SIG") + s.name;
  if (signo >= SIGRTMIN && signo <= SIGRTMAX) return "SIGRTMIN+" + std::to_string(signo - SIGRTMIN);
  return std::to_string(signo);
}

namespace {
const char* const kCapabilityNames[] = {
    "CHOWN", "DAC_OVERRIDE", "DAC_READ_SEARCH", "FOWNER", "FSETID", "KILL", "SETGID", "SETUID", "SETPCAP",
    "LINUX_IMMUTABLE", "NET_BIND_SERVICE", "NET_BROADCAST", "NET_ADMIN", "NET_RAW", "IPC_LOCK", "IPC_OWNER",
    "SYS_MODULE", "SYS_RAWIO", "SYS_CHROOT", "SYS_PTRACE", "SYS_PACCT", "SYS_ADMIN", "SYS_BOOT", "SYS_NICE",
    "SYS_RESOURCE", "SYS_TIME", "SYS_TTY_CONFIG", "MKNOD", "LEASE", "AUDIT_WRITE", "AUDIT_CONTROL", "SETFCAP",
    "MAC_OVERRIDE", "MAC_ADMIN", "SYSLOG", "WAKE_ALARM", "BLOCK_SUSPEND", "AUDIT_READ", "PERFMON", "BPF",
    "CHECKPOINT_RESTORE"};
}  // namespace

Result<std::string> canonical_capability(const std::string& text) {
  std::string name;
  for (char c : text) name += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  if (name == "ALL" || name == "CAP_ALL") return std::string("ALL");
  if (name.rfind("CAP_", 0) == 0) name = name.substr(4);
  for (const char* known : kCapabilityNames)
    if (name == known) return "CAP_" + name;
  return Error(Errc::kInvalidArgument, "invalid capability: " + text);
}

int capability_number(const std::string& canonical) {
  std::string name = canonical.rfind("CAP_", 0) == 0 ? canonical.substr(4) : canonical;
  for (int i = 0; i <= kLastCapability; ++i)
    if (name == kCapabilityNames[i]) return i;
  return -1;
}

std::vector<int> container_capabilities(const ContainerSpec& spec) {
  std::vector<bool> keep(kLastCapability + 1, false);
  if (spec.privileged) keep.assign(keep.size(), true);
  else {
    for (const char* name : {"CHOWN", "DAC_OVERRIDE", "FSETID", "FOWNER", "MKNOD", "NET_RAW", "SETGID", "SETUID",
                             "SETFCAP", "SETPCAP", "NET_BIND_SERVICE", "SYS_CHROOT", "KILL", "AUDIT_WRITE"})
      keep[capability_number(name)] = true;
    bool add_all = std::find(spec.cap_add.begin(), spec.cap_add.end(), "ALL") != spec.cap_add.end();
    if (add_all) keep.assign(keep.size(), true);
    for (const auto& cap : spec.cap_drop) {
      if (cap == "ALL") {
        if (!add_all) keep.assign(keep.size(), false);
      } else if (int n = capability_number(cap); n >= 0) {
        keep[n] = false;
      }
    }
    for (const auto& cap : spec.cap_add)
      if (int n = capability_number(cap); n >= 0) keep[n] = true;
  }
  std::vector<int> out;
  for (int i = 0; i <= kLastCapability; ++i)
    if (keep[i]) out.push_back(i);
  return out;
}

}  // namespace racker::runtime
