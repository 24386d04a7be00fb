#pragma once
// A grouped service's place in its group's machine (internal to the monitor;
// compose x-racker groups). The service runs in the network, IPC, UTS and PID
// namespaces of the group's PID 1 (group_init.h), in a mount namespace of its
// own whose root is the service's overlay: docker's files, volumes, binds
// and tmpfs mounts as nspawn would make them, a /dev of its own (nodes,
// devpts, shm), a /proc of the group's PID namespace and a read-only /sys.
//
// The monitor builds that mount namespace on the host, where the overlay
// and the bind sources are (prepare_group_namespace), and hands it to the
// group's init, which spawns racker's container init in it (so user,
// capabilities, tty and exit codes behave as under nspawn), and restarts it.
//
// A boot group's member is different: launch_nspawn() forks, and its child
// calls enter_group_and_exec() to install the member as a systemd unit and
// follow it from inside the machine.

#include <sys/resource.h>

#include <string>
#include <vector>

#include "racker/runtime/container_spec.h"
#include "racker/runtime/nspawn_command.h"
#include "racker/util/error.h"

namespace racker::runtime {

struct GroupMountOp {
  enum class Create { kNone, kDir, kFile };  // the mount point, made (with its parents) if missing
  std::string source;
  std::string target;  // relative to the rootfs: "etc/hosts"
  std::string fstype;  // empty: a bind mount
  unsigned long flags = 0;
  std::string data;
  bool read_only = false;  // remount the bind read-only
  Create create = Create::kNone;
  std::string parent, leaf;  // target split, by GroupEntry::finalize()
};

struct GroupEntry {
  std::string rootfs;
  std::string ns_net, ns_pid;  // the group's PID 1's namespaces (and, for a boot unit:)
  std::string ns_ipc, ns_uts;
  std::vector<GroupMountOp> mounts;             // in order, before the PID namespace
  GroupMountOp proc_mount;                      // inside it
  bool read_only = false;
  std::vector<std::string> argv, env;           // racker's init through the loader
  // A boot group's member (boot_unit.h): the service's overlay is moved
  // into the machine's mount namespace at `unit_root`, its unit written to
  // `unit_path` there, and racker's init (bound into the machine) runs the
  // follower; `rootfs` and `ns_*` as above, `mounts` made on the overlay
  // before it moves (a /run tmpfs, then the service's own).
  bool boot_unit = false;
  std::string ns_mnt, unit_root, unit_path, unit_text;
  // Filled by finalize(): nothing is allocated after fork.
  std::vector<char*> argvp, envp;
  void finalize();
};

// `group_pid` is the host pid of the group's PID 1.
GroupEntry plan_group_entry(const ContainerSpec& spec, const NspawnPaths& paths, const InitBinary& init,
                            int group_pid);

// Builds the service's mount namespace for `entry` in forked children: its
// root the service's overlay with every mount above and a /proc of the
// group's PID namespace. Returns an fd of the namespace (it lives while the
// fd does), or what failed. The group's init then spawns the service in it.
Result<int> prepare_group_namespace(const GroupEntry& entry);

// The service's ulimits as setrlimit() arguments.
std::vector<std::pair<int, rlimit>> container_rlimits(const ContainerSpec& spec);

// A boot group's member: `init_config` is replaced by the follower's. Errors:
// what boot_unit_from_spec reports.
Result<GroupEntry> plan_boot_unit_entry(const ContainerSpec& spec, const NspawnPaths& paths, const InitBinary& init,
                                        int group_pid, InitConfig& init_config);

// A boot group's member, in the forked child, fds 0-7 set up as for nspawn.
// Never returns.
[[noreturn]] void enter_group_and_exec(const GroupEntry& entry);

}  // namespace racker::runtime
