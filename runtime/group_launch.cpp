#include "group_launch.h"

#include <fcntl.h>
#include <linux/openat2.h>
#include <sched.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstring>
#include <filesystem>
#include <string>

#include "container_tty.h"
#include "nspawn_launch.h"
#include "racker/runtime/boot_unit.h"
#include "racker/runtime/container_init.h"
#include "racker/runtime/group_init.h"

namespace racker::runtime {

namespace {

int rlimit_resource(const std::string& docker_name) {
  static const std::pair<const char*, int> kResources[] = {
      {"core", RLIMIT_CORE},         {"cpu", RLIMIT_CPU},         {"data", RLIMIT_DATA},
      {"fsize", RLIMIT_FSIZE},       {"locks", RLIMIT_LOCKS},     {"memlock", RLIMIT_MEMLOCK},
      {"msgqueue", RLIMIT_MSGQUEUE}, {"nice", RLIMIT_NICE},       {"nofile", RLIMIT_NOFILE},
      {"nproc", RLIMIT_NPROC},       {"rss", RLIMIT_RSS},         {"rtprio", RLIMIT_RTPRIO},
      {"rttime", RLIMIT_RTTIME},     {"sigpending", RLIMIT_SIGPENDING}, {"stack", RLIMIT_STACK},
      {"as", RLIMIT_AS}};
  for (const auto& [name, resource] : kResources)
    if (docker_name == name) return resource;
  return -1;
}

GroupMountOp make_op(std::string source, std::string target, std::string fstype, unsigned long flags, std::string data,
                     bool read_only, GroupMountOp::Create create) {
  GroupMountOp op;
  op.source = std::move(source);
  op.target = std::move(target);
  op.fstype = std::move(fstype);
  op.flags = flags;
  op.data = std::move(data);
  op.read_only = read_only;
  op.create = create;
  return op;
}

std::string relative(const std::string& path) {
  size_t start = path.find_first_not_of('/');
  return start == std::string::npos ? "." : path.substr(start);
}

// --- after fork: system calls and preformatted strings only ---------------

// "/proc/self/fd/<fd>" without allocating.
void fd_path(char* out, int fd) {
  const char* prefix = "/proc/self/fd/";
  while (*prefix) *out++ = *prefix++;
  format_decimal(out, fd);
}

// Opens `path` inside the tree at `root_fd`, resolving every symlink as if
// that tree were "/", so an image can never redirect a mount to the host.
int open_in_root(int root_fd, const char* path) {
  open_how how{};
  how.flags = O_PATH | O_CLOEXEC;
  how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS;
  return static_cast<int>(::syscall(SYS_openat2, root_fd, path, &how, sizeof how));
}

// Makes each missing directory of `dir` (relative) in the tree at
// `root_fd`, one component at a time in its resolved parent, as nspawn
// does for a bind's destination (a secret's /run/secrets on the new /run).
void make_dirs_in_root(int root_fd, const char* dir) {
  char path[PATH_MAX];
  size_t n = 0;
  for (; dir[n] && n + 1 < sizeof path; ++n) path[n] = dir[n];
  path[n] = '\0';
  for (size_t i = 1; i <= n; ++i) {
    if (path[i] != '/' && path[i] != '\0') continue;
    char saved = path[i];
    path[i] = '\0';
    int fd = open_in_root(root_fd, path);
    if (fd >= 0) {
      ::close(fd);
    } else {
      size_t slash = i;
      while (slash > 0 && path[slash] != '/') --slash;
      int parent = root_fd;
      if (slash > 0) {
        path[slash] = '\0';
        parent = open_in_root(root_fd, path);
        path[slash] = '/';
      }
      if (parent < 0) launch_child_fail(kInitStatusFd, path);
      ::mkdirat(parent, path + (slash > 0 ? slash + 1 : 0), 0755);
      if (parent != root_fd) ::close(parent);
    }
    path[i] = saved;
  }
}

void create_mount_point(int root_fd, const GroupMountOp& op) {
  if (op.create == GroupMountOp::Create::kNone) return;
  if (op.parent != ".") make_dirs_in_root(root_fd, op.parent.c_str());
  // Made in the resolved parent: a symlink there must not lead out.
  int parent = open_in_root(root_fd, op.parent.c_str());
  if (parent < 0) launch_child_fail(kInitStatusFd, op.parent.c_str());
  if (op.create == GroupMountOp::Create::kDir) ::mkdirat(parent, op.leaf.c_str(), 0755);
  else {
    int fd = ::openat(parent, op.leaf.c_str(), O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0644);
    if (fd >= 0) ::close(fd);
  }
  ::close(parent);
}

void mount_op(int root_fd, const GroupMountOp& op) {
  create_mount_point(root_fd, op);
  int target = open_in_root(root_fd, op.target.c_str());
  if (target < 0) launch_child_fail(kInitStatusFd, op.target.c_str());
  char where[40];
  fd_path(where, target);
  const char* fstype = op.fstype.empty() ? nullptr : op.fstype.c_str();
  unsigned long flags = op.fstype.empty() ? (MS_BIND | MS_REC) : op.flags;
  if (::mount(op.source.c_str(), where, fstype, flags, op.data.empty() ? nullptr : op.data.c_str()) != 0)
    launch_child_fail(kInitStatusFd, op.target.c_str());
  if (op.read_only) {
    // The new mount now covers the fd's path: remount what is there now.
    ::close(target);
    target = open_in_root(root_fd, op.target.c_str());
    fd_path(where, target);
    if (target < 0 || ::mount(nullptr, where, nullptr, MS_BIND | MS_REMOUNT | MS_RDONLY, nullptr) != 0)
      launch_child_fail(kInitStatusFd, op.target.c_str());
  }
  ::close(target);
}

void join(const std::string& ns_file, int nstype) {
  int fd = ::open(ns_file.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0 || ::setns(fd, nstype) != 0) launch_child_fail(kInitStatusFd, ns_file.c_str());
  ::close(fd);
}

// Enters a mount namespace of our own, copied from the host's (where the
// service's overlay and the sources of its binds are), changing nothing
// there, and makes `e.mounts` on the overlay. Returns the overlay, opened.
int mount_service_root(const GroupEntry& e) {
  if (::unshare(CLONE_NEWNS) != 0) launch_child_fail(kInitStatusFd, "unshare the mount namespace");
  if (::mount(nullptr, "/", nullptr, MS_REC | MS_SLAVE, nullptr) != 0)
    launch_child_fail(kInitStatusFd, "make mounts private");
  int root_fd = ::open(e.rootfs.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (root_fd < 0) launch_child_fail(kInitStatusFd, "open the root filesystem");
  for (const auto& op : e.mounts) mount_op(root_fd, op);
  return root_fd;
}


// A fresh `fstype` mount on directory `name` of /dev (open at `dir`).
void mount_in_dev(int dir, const char* name, mode_t mode, const char* fstype, unsigned long flags, const char* data) {
  ::mkdirat(dir, name, mode);
  int at = ::openat(dir, name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  char where[40];
  fd_path(where, at);
  if (at < 0 || ::mount(fstype, where, fstype, flags, data) != 0) launch_child_fail(kInitStatusFd, name);
  ::close(at);
}

// docker's /dev: the basic nodes, a private devpts (ptys for -t), /dev/shm.
void populate_dev(int root_fd) {
  int dev = open_in_root(root_fd, "dev");
  if (dev < 0) launch_child_fail(kInitStatusFd, "dev");
  int dir = ::openat(dev, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  ::close(dev);
  if (dir < 0) launch_child_fail(kInitStatusFd, "dev");
  struct Node { const char* name; unsigned major, minor; };
  for (const Node& n : {Node{"null", 1, 3}, Node{"zero", 1, 5}, Node{"full", 1, 7}, Node{"random", 1, 8},
                        Node{"urandom", 1, 9}, Node{"tty", 5, 0}})
    if ((::mknodat(dir, n.name, S_IFCHR | 0666, makedev(n.major, n.minor)) != 0 && errno != EEXIST) ||
        ::fchmodat(dir, n.name, 0666, 0) != 0)  // mknod applies the umask
      launch_child_fail(kInitStatusFd, n.name);
  mount_in_dev(dir, "pts", 0755, "devpts", MS_NOSUID | MS_NOEXEC, "newinstance,ptmxmode=0666,mode=620");
  ::symlinkat("pts/ptmx", dir, "ptmx");
  mount_in_dev(dir, "shm", 01777, "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777");
  ::symlinkat("/proc/self/fd", dir, "fd");
  ::symlinkat("/proc/self/fd/0", dir, "stdin");
  ::symlinkat("/proc/self/fd/1", dir, "stdout");
  ::symlinkat("/proc/self/fd/2", dir, "stderr");
  ::close(dir);
}

// Like nspawn, this process stays outside and exits with the payload's
// status; it must not hold the init's pipes, whose closing is the signal.
// Signals are for the payload (the monitor sends them there), not for it.
[[noreturn]] void wait_and_exit(pid_t child) {
  ::syscall(SYS_close_range, 0u, ~0u, 0u);
  for (int sig : {SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2}) ::signal(sig, SIG_IGN);
  int status = 0;
  while (::waitpid(child, &status, 0) < 0 && errno == EINTR) {
  }
  ::_exit(WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
}

// Now inside the group's PID namespace: mounts its /proc, makes the
// service's root the namespace's root, and hands the namespace to the
// monitor on `socket` (the group's init spawns the service into it).
[[noreturn]] void finish_namespace(const GroupEntry& e, int root_fd, int socket) {
  mount_op(root_fd, e.proc_mount);
  if (::fchdir(root_fd) != 0) launch_child_fail(kInitStatusFd, "chdir into the root");
  if (::syscall(SYS_pivot_root, ".", ".") != 0) launch_child_fail(kInitStatusFd, "pivot_root");
  if (::umount2(".", MNT_DETACH) != 0) launch_child_fail(kInitStatusFd, "detach the host's root");
  if (::chdir("/") != 0) launch_child_fail(kInitStatusFd, "chdir /");
  int ns = ::open("/proc/self/ns/mnt", O_RDONLY | O_CLOEXEC);
  if (ns < 0) launch_child_fail(kInitStatusFd, "open the mount namespace");
  if (send_fd(socket, ns) != 0) launch_child_fail(kInitStatusFd, "hand over the mount namespace");
  ::_exit(0);
}

}  // namespace

void GroupEntry::finalize() {
  for (auto& op : mounts) {
    size_t slash = op.target.rfind('/');
    op.parent = slash == std::string::npos ? "." : op.target.substr(0, slash);
    op.leaf = op.target.substr(slash == std::string::npos ? 0 : slash + 1);
  }
  argvp.clear();
  envp.clear();
  for (auto& a : argv) argvp.push_back(a.data());
  argvp.push_back(nullptr);
  for (auto& v : env) envp.push_back(v.data());
  envp.push_back(nullptr);
}

std::vector<std::pair<int, rlimit>> container_rlimits(const ContainerSpec& spec) {
  std::vector<std::pair<int, rlimit>> out;
  for (const auto& u : spec.ulimits)
    if (int resource = rlimit_resource(u.name); resource >= 0) {
      rlimit limit{u.soft < 0 ? RLIM_INFINITY : static_cast<rlim_t>(u.soft),
                   u.hard < 0 ? RLIM_INFINITY : static_cast<rlim_t>(u.hard)};
      out.emplace_back(resource, limit);
    }
  return out;
}

namespace {

// The service's own mounts: volumes, binds, tmpfs, secrets and configs.
// Their mount points are made if missing (the overlay has them, but not
// racker's fresh /run under which secrets go).
void add_service_mounts(const ContainerSpec& spec, const NspawnPaths& paths, std::vector<GroupMountOp>& out) {
  using Op = GroupMountOp;
  for (const auto& m : spec.mounts) {
    if (m.type == MountSpec::Type::kTmpfs) {
      std::string options = m.tmpfs_options.empty() ? "mode=1777" : m.tmpfs_options;
      out.push_back(make_op("tmpfs", relative(m.target), "tmpfs", MS_NOSUID | MS_NODEV, options, false, Op::Create::kDir));
      continue;
    }
    std::string source = m.type == MountSpec::Type::kBind ? m.source : paths.volumes_dir + "/" + m.source + "/_data";
    std::error_code ec;
    auto create = std::filesystem::is_directory(source, ec) ? Op::Create::kDir : Op::Create::kFile;
    out.push_back(make_op(source, relative(m.target), "", 0, "", m.read_only, create));
  }
}

}  // namespace

GroupEntry plan_group_entry(const ContainerSpec& spec, const NspawnPaths& paths, const InitBinary& init,
                            int group_pid) {
  GroupEntry e;
  const std::string proc = "/proc/" + std::to_string(group_pid);
  e.rootfs = paths.rootfs;
  e.ns_net = proc + "/ns/net";
    e.ns_pid = proc + "/ns/pid";
  e.read_only = spec.read_only;

  using Op = GroupMountOp;
  // As nspawn does: /run is a tmpfs; racker's init sits read-only under it.
  e.mounts.push_back(make_op("tmpfs", "run", "tmpfs", MS_NOSUID | MS_NODEV, "mode=755", false, Op::Create::kNone));
  e.mounts.push_back(make_op("tmpfs", relative(kInitMountDir), "tmpfs", MS_NOSUID | MS_NODEV, "mode=755", false,
                      Op::Create::kDir));
  InitLayout layout = init_layout(init);
  for (const auto& [host_path, inside] : layout.binds) {
    bool is_binary = host_path == init.path;
    e.mounts.push_back(make_op(host_path, relative(inside), "", 0, "", true, is_binary ? Op::Create::kFile : Op::Create::kDir));
  }
  for (const char* file : {"hostname", "hosts", "resolv.conf"})
    e.mounts.push_back(make_op(paths.container_dir + "/" + file, std::string("etc/") + file, "", 0, "", false, Op::Create::kNone));
  add_service_mounts(spec, paths, e.mounts);
  // A mount cannot be bound in from another mount namespace: /dev is made
  // here as nspawn makes it (populate_dev).
  e.mounts.push_back(make_op("tmpfs", "dev", "tmpfs", MS_NOSUID | MS_STRICTATIME, "mode=755", false, Op::Create::kNone));
  e.mounts.push_back(make_op("sysfs", "sys", "sysfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, "", false,
                      Op::Create::kNone));

  e.proc_mount = make_op("proc", "proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, "", false, Op::Create::kNone);
  e.argv = layout.argv;
  e.env = {std::string("PATH=") + kDefaultPath, "LISTEN_FDS=" + std::to_string(kInitFdCount)};
  e.finalize();
  return e;
}

namespace {

// `name` as systemd needs it, absolute: looked up on PATH inside the image
// (lstat only: an image's absolute symlinks point into the image, not here).
std::string resolve_in_image(const std::string& rootfs, const std::string& name, const std::vector<std::string>& env) {
  if (name.find('/') != std::string::npos) return name;
  std::string path = kDefaultPath;
  for (const auto& e : env)
    if (e.rfind("PATH=", 0) == 0) path = e.substr(5);
  size_t start = 0;
  while (start <= path.size()) {
    size_t colon = path.find(':', start);
    if (colon == std::string::npos) colon = path.size();
    std::string dir = path.substr(start, colon - start);
    start = colon + 1;
    if (dir.empty() || dir[0] != '/') continue;
    struct stat st {};
    std::string candidate = dir + "/" + name;
    if (::lstat((rootfs + candidate).c_str(), &st) == 0 && (S_ISLNK(st.st_mode) || (S_ISREG(st.st_mode) && (st.st_mode & 0111))))
      return candidate;
  }
  return "/" + name;  // systemd then reports the missing command in the unit's journal
}

#ifndef AT_RECURSIVE
#define AT_RECURSIVE 0x8000
#endif
#ifndef OPEN_TREE_CLONE
#define OPEN_TREE_CLONE 1
#endif
#ifndef MOVE_MOUNT_F_EMPTY_PATH
#define MOVE_MOUNT_F_EMPTY_PATH 0x00000004
#endif

[[noreturn]] void enter_boot_unit_and_exec(const GroupEntry& e) {
  ::close(mount_service_root(e));
  // A detached copy of the overlay and its mounts, taken here, can be
  // attached in the machine's mount namespace.
  int tree = static_cast<int>(::syscall(SYS_open_tree, AT_FDCWD, e.rootfs.c_str(),
                                        OPEN_TREE_CLONE | O_CLOEXEC | AT_RECURSIVE));
  if (tree < 0) launch_child_fail(kInitStatusFd, "clone the root filesystem");
  // Opened first: once in the machine's mount namespace, /proc is its own.
  int ns[4];
  const std::string* ns_files[4] = {&e.ns_net, &e.ns_ipc, &e.ns_uts, &e.ns_pid};
  for (int i = 0; i < 4; ++i)
    if ((ns[i] = ::open(ns_files[i]->c_str(), O_RDONLY | O_CLOEXEC)) < 0) launch_child_fail(kInitStatusFd, ns_files[i]->c_str());
  join(e.ns_mnt, CLONE_NEWNS);
  if (::chdir("/") != 0) launch_child_fail(kInitStatusFd, "chdir /");
  std::string parent = e.unit_root.substr(0, e.unit_root.rfind('/'));
  ::mkdir(parent.c_str(), 0755);
  ::mkdir(e.unit_root.c_str(), 0755);
  ::umount2(e.unit_root.c_str(), MNT_DETACH);  // a follower killed before it could clean up
  if (::syscall(SYS_move_mount, tree, "", AT_FDCWD, e.unit_root.c_str(), MOVE_MOUNT_F_EMPTY_PATH) != 0)
    launch_child_fail(kInitStatusFd, "mount the service's root in the machine");
  ::close(tree);
  ::mkdir("/run/systemd", 0755);  // systemd may not have made them yet
  ::mkdir("/run/systemd/system", 0755);
  int unit = ::open(e.unit_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (unit < 0 || ::write(unit, e.unit_text.data(), e.unit_text.size()) != static_cast<ssize_t>(e.unit_text.size()))
    launch_child_fail(kInitStatusFd, e.unit_path.c_str());
  ::close(unit);
  const int types[4] = {CLONE_NEWNET, CLONE_NEWIPC, CLONE_NEWUTS, CLONE_NEWPID};  // PID: children only
  for (int i = 0; i < 4; ++i) {
    if (::setns(ns[i], types[i]) != 0) launch_child_fail(kInitStatusFd, ns_files[i]->c_str());
    ::close(ns[i]);
  }
  pid_t child = ::fork();
  if (child < 0) launch_child_fail(kInitStatusFd, "fork");
  if (child == 0) {
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    ::execve(e.argvp[0], e.argvp.data(), e.envp.data());
    launch_child_fail(kInitStatusFd, "exec racker's init");
  }
  wait_and_exit(child);
}

}  // namespace

Result<GroupEntry> plan_boot_unit_entry(const ContainerSpec& spec, const NspawnPaths& paths, const InitBinary& init,
                                        int group_pid, InitConfig& init_config) {
  std::vector<std::string> argv = spec.argv();
  if (argv.empty()) return Error(Errc::kInvalidArgument, "container " + spec.name + ": no command specified");
  auto unit = boot_unit_from_spec(spec, resolve_in_image(paths.rootfs, argv[0], spec.env));
  if (!unit) return unit.error();
  GroupEntry e;
  const std::string proc = "/proc/" + std::to_string(group_pid);
  e.boot_unit = true;
  e.rootfs = paths.rootfs;
  e.ns_mnt = proc + "/ns/mnt";
  e.ns_net = proc + "/ns/net";
  e.ns_ipc = proc + "/ns/ipc";
  e.ns_uts = proc + "/ns/uts";
  e.ns_pid = proc + "/ns/pid";
  // As nspawn does: /run is a tmpfs (the unit's own, kept by MountAPIVFS=).
  e.mounts.push_back(make_op("tmpfs", "run", "tmpfs", MS_NOSUID | MS_NODEV, "mode=755", false, GroupMountOp::Create::kDir));
  add_service_mounts(spec, paths, e.mounts);
  e.unit_root = unit->root_directory;
  e.unit_path = "/run/systemd/system/" + boot_unit_name(unit->service);
  e.unit_text = render_boot_unit(*unit);
  // The machine keeps racker's init bound (nspawn_command.cc): the follower
  // runs through it as root with every capability, in the machine's root.
  ContainerSpec follower = spec;
  follower.entrypoint = {"/bin/sh", "-c", boot_follower_script(), "racker-follow"};
  // Taken before the unit file is written: the unit cannot log earlier.
  follower.cmd = {boot_unit_name(unit->service), e.unit_root, boot_follower_since()};
  follower.env = {std::string("PATH=") + kDefaultPath, "SYSTEMD_PAGER=", "SYSTEMD_COLORS=0"};
  follower.user.clear();
  follower.working_dir = "/";
  follower.privileged = true;
  follower.cap_add.clear();
  follower.cap_drop.clear();
  follower.domainname.clear();
  follower.sysctls.clear();
  follower.tty = false;
  follower.init = false;
  init_config = init_config_for(follower);
  e.argv = init_layout(init).argv;
  e.env = {std::string("PATH=") + kDefaultPath, "LISTEN_FDS=" + std::to_string(kInitFdCount)};
  e.finalize();
  return e;
}

void enter_group_and_exec(const GroupEntry& e) {
  if (!e.boot_unit) launch_child_fail(kInitStatusFd, "a grouped service is started by its group's init");
  enter_boot_unit_and_exec(e);
}

namespace {

// The preparing child (kInitStatusFd its status pipe, `socket` where the
// namespace goes). Never returns.
[[noreturn]] void prepare_namespace_child(const GroupEntry& e, int socket) {
  join(e.ns_net, CLONE_NEWNET);  // before sysfs, which shows the network namespace that mounts it
  int root_fd = mount_service_root(e);
  populate_dev(root_fd);
  if (e.read_only) {
    char where[40];
    fd_path(where, root_fd);
    if (::mount(nullptr, where, nullptr, MS_BIND | MS_REMOUNT | MS_RDONLY, nullptr) != 0)
      launch_child_fail(kInitStatusFd, "make the root read-only");
  }
  join(e.ns_pid, CLONE_NEWPID);  // applies to children only: /proc is mounted by one
  pid_t child = ::fork();
  if (child < 0) launch_child_fail(kInitStatusFd, "fork");
  if (child == 0) finish_namespace(e, root_fd, socket);
  int status = 0;
  while (::waitpid(child, &status, 0) < 0 && errno == EINTR) {
  }
  ::_exit(WIFEXITED(status) ? WEXITSTATUS(status) : 125);
}

}  // namespace

Result<int> prepare_group_namespace(const GroupEntry& e) {
  int status[2], sock[2];
  if (::pipe2(status, O_CLOEXEC) != 0) return Error(Errc::kInternal, std::string("pipe: ") + std::strerror(errno));
  if (::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sock) != 0) {
    ::close(status[0]);
    ::close(status[1]);
    return Error(Errc::kInternal, std::string("socketpair: ") + std::strerror(errno));
  }
  pid_t pid = ::fork();
  if (pid == 0) {
    int high = ::fcntl(status[1], F_DUPFD_CLOEXEC, 10);
    if (high < 0 || ::dup2(high, kInitStatusFd) < 0) ::_exit(125);
    prepare_namespace_child(e, sock[1]);
  }
  ::close(status[1]);
  ::close(sock[1]);
  if (pid < 0) {
    ::close(status[0]);
    ::close(sock[0]);
    return Error(Errc::kInternal, std::string("fork: ") + std::strerror(errno));
  }
  std::string text;
  char buf[512];
  ssize_t n;
  while ((n = ::read(status[0], buf, sizeof buf)) > 0 || (n < 0 && errno == EINTR))
    if (n > 0) text.append(buf, static_cast<size_t>(n));
  ::close(status[0]);
  int wstatus = 0;
  while (::waitpid(pid, &wstatus, 0) < 0 && errno == EINTR) {
  }
  int ns = receive_console(sock[0]);  // send_fd's message
  ::close(sock[0]);
  InitReport report = parse_init_report(text);
  if (ns >= 0 && WIFEXITED(wstatus) && WEXITSTATUS(wstatus) == 0) return ns;
  if (ns >= 0) ::close(ns);
  return Error(Errc::kInternal, report.message.empty() ? "cannot prepare the service's mount namespace" : report.message);
}

}  // namespace racker::runtime
