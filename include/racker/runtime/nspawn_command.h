#pragma once
// How a ContainerSpec becomes one systemd-nspawn invocation. Pure apart from
// detect_host_facts() and find_init_binary(), which read the host once.
//
// nspawn runs racker's init (container_init.h) as the container's PID 1:
// racker's binary and the directories of the shared libraries it uses are
// bind-mounted read-only under /run/.racker (a tmpfs inside the container),
// and the host's dynamic loader runs it from there, so images without any
// libc (a single static binary) work. The init unmounts them before exec.

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

// racker's binary as seen from inside a container.
struct InitBinary {
  std::string racker;                  // host path of this executable
  std::string loader;                  // host path of the ELF interpreter (ld-linux)
  std::vector<std::string> lib_dirs;   // host directories of the loaded shared libraries
};
// From /proc/self/maps. kUnsupported when racker is not dynamically linked
// in a way this understands.
Result<InitBinary> find_init_binary();

inline constexpr const char* kInitMountDir = "/run/.racker";

// racker's init inside a container: the host files bound read-only under
// kInitMountDir, and the command that runs it through the host's loader.
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
};

// The machine name: the container name when it is a valid one (letters,
// digits, '-', '.'; at most 64), else "racker-<id12>".
std::string machine_name(const ContainerSpec& spec);

NspawnPlan plan_nspawn(const ContainerSpec& spec, const NspawnPaths& paths, const InitBinary& init,
                       const HostFacts& host);

// nspawn's --bind syntax escapes ':' and '\' in paths.
std::string escape_nspawn_path(const std::string& path);

}  // namespace racker::runtime
