#include "racker/runtime/nspawn_command.h"

#include "racker/runtime/group_protocol.h"

#include <unistd.h>

#include <cctype>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <set>

#include "racker/runtime/service_container.h"
#include "racker/runtime/user_namespace.h"

namespace racker::runtime {

namespace {


const char* rlimit_name(const std::string& docker_name) {
  static const std::pair<const char*, const char*> kNames[] = {
      {"core", "RLIMIT_CORE"},       {"cpu", "RLIMIT_CPU"},         {"data", "RLIMIT_DATA"},
      {"fsize", "RLIMIT_FSIZE"},     {"locks", "RLIMIT_LOCKS"},     {"memlock", "RLIMIT_MEMLOCK"},
      {"msgqueue", "RLIMIT_MSGQUEUE"}, {"nice", "RLIMIT_NICE"},     {"nofile", "RLIMIT_NOFILE"},
      {"nproc", "RLIMIT_NPROC"},     {"rss", "RLIMIT_RSS"},         {"rtprio", "RLIMIT_RTPRIO"},
      {"rttime", "RLIMIT_RTTIME"},   {"sigpending", "RLIMIT_SIGPENDING"}, {"stack", "RLIMIT_STACK"},
      {"as", "RLIMIT_AS"}};
  for (const auto& [docker, nspawn] : kNames)
    if (docker_name == docker) return nspawn;
  return nullptr;
}

std::string limit_text(int64_t v) { return v < 0 ? "infinity" : std::to_string(v); }

}  // namespace

std::string escape_nspawn_path(const std::string& path) {
  std::string out;
  for (char c : path) {
    if (c == ':' || c == '\\') out += '\\';
    out += c;
  }
  return out;
}

std::string machine_name(const ContainerSpec& spec) {
  const std::string& name = spec.name;
  bool valid = !name.empty() && name.size() <= 64 && std::isalnum(static_cast<unsigned char>(name[0]));
  for (char c : name)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '.') valid = false;
  if (valid) return name;
  return "racker-" + spec.id.substr(0, 12);
}

NspawnPlan plan_nspawn(const ContainerSpec& spec, const NspawnPaths& paths, const InitBinary& init,
                       const HostFacts& host) {
  NspawnPlan plan;
  auto& a = plan.argv;
  a = {"systemd-nspawn", "--quiet", "--settings=false", "--directory=" + paths.rootfs,
       "--machine=" + machine_name(spec), "--console=pipe", "--link-journal=no", "--timezone=off",
       "--resolv-conf=off"};
  std::string hostname = spec.hostname.empty() ? spec.id.substr(0, 12) : spec.hostname;
  a.push_back("--hostname=" + hostname);

  if (host.systemd_pid1 && host.machined) {
    a.push_back("--register=yes");
    const auto& r = spec.resources;
    if (r.memory_bytes > 0) a.push_back("--property=MemoryMax=" + std::to_string(r.memory_bytes));
    if (r.memory_swap_bytes > 0 && r.memory_swap_bytes > r.memory_bytes)
      a.push_back("--property=MemorySwapMax=" + std::to_string(r.memory_swap_bytes - r.memory_bytes));
    if (r.cpus > 0) a.push_back("--property=CPUQuota=" + std::to_string(std::lround(r.cpus * 100)) + "%");
    if (r.cpu_shares > 0) a.push_back("--property=CPUWeight=" + std::to_string(std::max<int64_t>(1, r.cpu_shares * 100 / 1024)));
    if (r.pids_limit > 0) a.push_back("--property=TasksMax=" + std::to_string(r.pids_limit));
  } else {
    // Without systemd, limits go through the cgroup filesystem (cgroup_limits.h).
    a.push_back("--register=no");
    a.push_back("--keep-unit");
  }

  if (spec.read_only) a.push_back("--read-only");
  bool private_users = spec.userns == UsernsMode::kAuto;
  if (private_users) {
    // The rootfs is already idmapped (overlay.h): nspawn must not chown it.
    a.push_back("--private-users=" + std::to_string(spec.userns_base) + ":" + std::to_string(kUsernsSize));
    a.push_back("--private-users-ownership=off");
  }
  if (spec.network_mode == "bridge" && !spec.network.netns_path.empty()) {
    if (private_users) plan.join_netns = spec.network.netns_path;
    else a.push_back("--network-namespace-path=" + spec.network.netns_path);
  } else if (spec.network_mode != "host") {
    a.push_back("--private-network");  // none, or a bridge nobody attached: loopback only
  }
  // racker's own files and volumes keep their owners inside a private user
  // namespace (root's stay root's); the host's directories do not (docker's
  // userns-remap: the container's root is no one there).
  std::string idmap = private_users ? ":idmap" : "";
  // nspawn's defaults are wider than docker's; the init narrows them to
  // container_capabilities(). Added ones must be in nspawn's set to survive.
  if (spec.privileged) a.push_back("--capability=all");
  else
    for (const auto& cap : spec.cap_add) a.push_back(cap == "ALL" ? "--capability=all" : "--capability=" + cap);
  for (const auto& u : spec.ulimits)
    if (const char* name = rlimit_name(u.name))
      a.push_back(std::string("--rlimit=") + name + "=" + limit_text(u.soft) + ":" + limit_text(u.hard));

  // docker's per-container files, bind-mounted from the container directory.
  for (const char* file : {"hostname", "hosts", "resolv.conf"})
    a.push_back("--bind=" + escape_nspawn_path(paths.container_dir + "/" + file) + ":/etc/" + file + idmap);

  for (const auto& m : spec.mounts) {
    switch (m.type) {
      case MountSpec::Type::kTmpfs: {
        std::string options = m.tmpfs_options.empty() ? "mode=1777" : m.tmpfs_options;
        a.push_back("--tmpfs=" + escape_nspawn_path(m.target) + ":" + options);
        break;
      }
      case MountSpec::Type::kBind:
      case MountSpec::Type::kVolume: {
        std::string source =
            m.type == MountSpec::Type::kBind ? m.source : paths.volumes_dir + "/" + m.source + "/_data";
        bool racker_owned = m.type == MountSpec::Type::kVolume || source.rfind(paths.container_dir + "/", 0) == 0;
        a.push_back(std::string(m.read_only ? "--bind-ro=" : "--bind=") + escape_nspawn_path(source) + ":" +
                    escape_nspawn_path(m.target) + (racker_owned ? idmap : ""));
        break;
      }
    }
  }

  // A group's init listens where its members' monitors can reach it.
  if (spec.group_host && !spec.labels.count(kLabelGroupBoot))
    a.push_back("--bind=" + escape_nspawn_path(group_socket_dir(paths.container_dir)) + ":" + kGroupSocketDir);

  // racker's init, bound read-only from the host.
  InitLayout layout = init_layout(init);
  for (const auto& [host_path, inside] : layout.binds) {
    a.push_back("--bind-ro=" + escape_nspawn_path(host_path) + ":" + inside);
    plan.init.unmount.push_back(inside);
  }
  a.push_back("--");
  a.insert(a.end(), layout.argv.begin(), layout.argv.end());

  plan.env = {std::string("PATH=") + kDefaultPath, "SYSTEMD_NSPAWN_TMPFS_TMP=0"};

  InitConfig config = init_config_for(spec);
  config.unmount = std::move(plan.init.unmount);
  // A boot group's machine keeps racker's init bound: its members'
  // followers run through it (group_launch.h).
  if (spec.labels.count(kLabelGroupBoot)) config.unmount.clear();
  plan.init = std::move(config);
  return plan;
}

InitLayout init_layout(const InitBinary& init) {
  InitLayout out;
  std::string inside = std::string(kInitMountDir) + "/racker-init";
  out.binds.emplace_back(init.path, inside);
  out.argv = {inside};
  return out;
}

InitConfig init_config_for(const ContainerSpec& spec) {
  InitConfig c;
  c.args = spec.argv();
  c.env = container_environment(spec);
  c.user = spec.user;
  c.working_dir = spec.working_dir;
  c.domainname = spec.domainname;
  c.tty = spec.tty;
  c.init = spec.init;
  c.group = spec.group_host;
  c.capabilities = container_capabilities(spec);
  c.sysctls = spec.sysctls;
  return c;
}

Result<InitBinary> find_init_binary() {
  if (const char* env = std::getenv("RACKER_INIT"); env && *env) {
    if (::access(env, X_OK) != 0) return Error(Errc::kNotFound, std::string("RACKER_INIT: no executable at ") + env);
    return InitBinary{env};
  }
  char exe[4096];
  ssize_t n = ::readlink("/proc/self/exe", exe, sizeof exe - 1);
  if (n <= 0) return Error(Errc::kIo, "cannot find racker's own executable");
  std::string self(exe, static_cast<size_t>(n));
  std::string path = self.substr(0, self.rfind('/') + 1) + "racker-init";
  if (::access(path.c_str(), X_OK) != 0)
    return Error(Errc::kNotFound, "racker's container init is missing: no executable " + path +
                                      " (it is built and installed with racker)");
  return InitBinary{path};
}

}  // namespace racker::runtime
