#pragma once
// How a ContainerSpec becomes one systemd-nspawn invocation. Pure apart from
// detect_host_facts() and find_init_binary(), which read the host once.
//
// nspawn runs racker's init (container_init.h) as the container's PID 1:
// racker-init, a static executable installed beside racker, bind-mounted
// read-only under /run/.racker (a tmpfs inside the container), so images
// without any libc (a single static binary) work. The init unmounts it
// before exec.

#include <string>
#include <vector>

#include "racker/runtime/container_init.h"
#include "racker/runtime/container_spec.h"
#include "racker/util/error.h"

namespace racker::runtime {

struct HostFacts {
  bool systemd_pid1 = false;  // sd_booted(): resource limits become scope properties
  bool machined = false;      // org.freedesktop.machine1 on the system bus: --register=yes
};
HostFacts detect_host_facts();

// racker's init on the host.
struct InitBinary {
  std::string path;  // racker-init
};
// racker-init beside racker's own executable (or $RACKER_INIT); kNotFound
// when it is missing.
Result<InitBinary> find_init_binary();

inline constexpr const char* kInitMountDir = "/run/.racker";

// racker's init inside a container: the host file bound read-only under
// kInitMountDir, and the command that runs it.
struct InitLayout {
  std::vector<std::pair<std::string, std::string>> binds;  // host path -> path inside
  std::vector<std::string> argv;
};
InitLayout init_layout(const InitBinary& init);

// What the init applies for `spec` (everything but `unmount`).
InitConfig init_config_for(const ContainerSpec& spec);

// Paths the plan refers to.
struct NspawnPaths {
  std::string rootfs;         // the mounted overlay
  std::string container_dir;  // containers/<id>: hostname, hosts, resolv.conf live here
  std::string volumes_dir;    // $RACKER_ROOT/volumes
};

struct NspawnPlan {
  std::vector<std::string> argv;  // argv[0] = "systemd-nspawn"
  std::vector<std::string> env;   // nspawn's own environment
  InitConfig init;                // what the init applies
  // A network namespace the launcher enters before it execs nspawn: in a
  // private user namespace nspawn cannot join one owned by the host's.
  std::string join_netns;
};

// The machine name: the container name when it is a valid one (letters,
// digits, '-', '.'; at most 64), else "racker-<id12>".
std::string machine_name(const ContainerSpec& spec);

NspawnPlan plan_nspawn(const ContainerSpec& spec, const NspawnPaths& paths, const InitBinary& init,
                       const HostFacts& host);

// nspawn's --bind syntax escapes ':' and '\' in paths.
std::string escape_nspawn_path(const std::string& path);

}  // namespace racker::runtime
