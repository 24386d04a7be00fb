#include "racker/runtime/exec.h"

#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <fstream>
#include <memory>
#include <sstream>

#include "container_files.h"
#include "container_tty.h"
#include "racker/runtime/container_init.h"
#include "racker/runtime/exec_process.h"

namespace racker::runtime {

namespace {

struct Namespace {
  const char* name;
  int type;
};
// The network namespace first: a private user namespace's container has
// one the host's user namespace owns, which can only be joined before
// entering the container's (it owns the rest). Mount last: after it, host
// paths are gone. The user namespace is skipped when it is ours.
const Namespace kNamespaces[] = {{"net", CLONE_NEWNET}, {"user", CLONE_NEWUSER}, {"cgroup", CLONE_NEWCGROUP},
                                 {"ipc", CLONE_NEWIPC}, {"uts", CLONE_NEWUTS},   {"pid", CLONE_NEWPID},
                                 {"mnt", CLONE_NEWNS}};

bool same_namespace(const std::string& a, const std::string& b) {
  struct stat sa {}, sb {};
  return ::stat(a.c_str(), &sa) == 0 && ::stat(b.c_str(), &sb) == 0 && sa.st_ino == sb.st_ino && sa.st_dev == sb.st_dev;
}

// cgroup.procs files of the container's cgroups, from /proc/<pid>/cgroup.
std::vector<std::string> cgroup_procs_of(pid_t pid) {
  std::vector<std::string> out;
  std::ifstream in("/proc/" + std::to_string(pid) + "/cgroup");
  std::string line;
  while (std::getline(in, line)) {
    auto first = line.find(':');
    auto second = line.find(':', first + 1);
    if (first == std::string::npos || second == std::string::npos) continue;
    std::string controllers = line.substr(first + 1, second - first - 1);
    std::string path = line.substr(second + 1);
    std::string mount = controllers.empty() ? "/sys/fs/cgroup/unified" : "/sys/fs/cgroup/" + controllers;
    if (controllers.empty() && cfiles::exists("/sys/fs/cgroup/cgroup.controllers")) mount = "/sys/fs/cgroup";
    if (controllers.rfind("name=", 0) == 0) mount = "/sys/fs/cgroup/" + controllers.substr(5);
    if (path == "/") continue;  // the root group: nothing to join
    std::string file = mount + path + "/cgroup.procs";
    if (cfiles::exists(file)) out.push_back(file);
  }
  return out;
}

void write_status(int fd, int code, const std::string& message) {
  std::string line = "error " + std::to_string(code) + " " + message + "\n";
  (void)!::write(fd, line.data(), line.size());
}

int exit_code_of(int status) { return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status); }

}  // namespace

Result<int> exec_in_container(const ContainerSpec& spec, pid_t container_pid, const ExecSpec& exec,
                              const AttachIo& io) {
  if (exec.args.empty()) return Error(Errc::kInvalidArgument, "no command specified");
  std::vector<int> ns_fds;
  auto close_all = [&] {
    for (int fd : ns_fds)
      if (fd >= 0) ::close(fd);
  };
  for (const auto& ns : kNamespaces) {
    std::string path = "/proc/" + std::to_string(container_pid) + "/ns/" + ns.name;
    if (ns.type == CLONE_NEWUSER && same_namespace(path, "/proc/self/ns/user")) {
      ns_fds.push_back(-1);  // setns() refuses our own user namespace
      continue;
    }
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
      int err = errno;
      close_all();
      return cfiles::errno_error("open " + path, err);
    }
    ns_fds.push_back(fd);
  }
  std::vector<std::string> procs = cgroup_procs_of(container_pid);

  ProcessSetup setup;
  setup.args = exec.args;
  setup.env = container_environment(spec);
  for (const auto& e : exec.env) {
    std::string key = e.substr(0, e.find('='));
    bool replaced = false;
    for (auto& existing : setup.env)
      if (existing.compare(0, key.size() + 1, key + "=") == 0) {
        existing = e;
        replaced = true;
      }
    if (!replaced) setup.env.push_back(e);
  }
  setup.user = exec.user.value_or(spec.user);
  setup.working_dir = exec.working_dir.value_or(spec.working_dir);
  ContainerSpec caps_spec = spec;
  caps_spec.privileged = spec.privileged || exec.privileged;
  setup.capabilities = container_capabilities(caps_spec);

  // With a tty the child makes the pty in the container's devpts and sends
  // the master back (see make_container_console).
  int console[2] = {-1, -1};
  if (exec.tty && ::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, console) != 0) {
    close_all();
    return cfiles::errno_error("socketpair", errno);
  }
  int status_pipe[2];
  if (::pipe2(status_pipe, O_CLOEXEC) != 0) {
    close_all();
    return cfiles::errno_error("pipe", errno);
  }
  int dev_null = ::open("/dev/null", O_RDWR | O_CLOEXEC);

  pid_t outer = ::fork();
  if (outer < 0) {
    close_all();
    return cfiles::errno_error("fork", errno);
  }
  if (outer == 0) {
    // Outside the pid namespace until the next fork: join everything, then
    // fork the real process, which lands inside it.
    for (const auto& file : procs) {
      int fd = ::open(file.c_str(), O_WRONLY | O_CLOEXEC);
      if (fd >= 0) {
        (void)!::write(fd, "0", 1);
        ::close(fd);
      }
    }
    for (size_t i = 0; i < ns_fds.size(); ++i)
      if (ns_fds[i] >= 0 && ::setns(ns_fds[i], kNamespaces[i].type) != 0) {
        write_status(status_pipe[1], 126, std::string("setns ") + kNamespaces[i].name + ": " + std::strerror(errno));
        ::_exit(126);
      }
    if (::chdir("/") != 0) ::_exit(126);
    pid_t inner = ::fork();
    if (inner < 0) ::_exit(126);
    if (inner == 0) {
      ::prctl(PR_SET_PDEATHSIG, SIGKILL);  // a timed-out exec kills `outer`, taking this one along
      if (exec.tty) {
        if (int e = make_container_console(console[1]); e != 0) {
          write_status(status_pipe[1], 126, std::string("cannot allocate a terminal: ") + std::strerror(-e));
          ::_exit(126);
        }
        ::setsid();
        ::ioctl(0, TIOCSCTTY, 0);
      } else {
        int in = exec.interactive && io.in >= 0 ? io.in : dev_null;
        int out = io.out >= 0 ? io.out : dev_null;
        int err = io.err >= 0 ? io.err : dev_null;
        int high[3] = {::fcntl(in, F_DUPFD_CLOEXEC, 64), ::fcntl(out, F_DUPFD_CLOEXEC, 64),
                       ::fcntl(err, F_DUPFD_CLOEXEC, 64)};
        for (int i = 0; i < 3; ++i) ::dup2(high[i], i);
      }
      sigset_t none;
      ::sigemptyset(&none);
      ::sigprocmask(SIG_SETMASK, &none, nullptr);
      ExecLookup failed = exec_process(setup);
      write_status(status_pipe[1], failed.exit_code, failed.error);
      ::_exit(failed.exit_code);
    }
    int status = 0;
    while (::waitpid(inner, &status, 0) < 0 && errno == EINTR) {
    }
    ::_exit(exit_code_of(status));
  }
  close_all();
  ::close(status_pipe[1]);
  ::close(dev_null);

  std::unique_ptr<RawTerminal> raw;
  std::unique_ptr<PtyPair> pty;
  if (exec.tty) {
    ::close(console[1]);
    int master = receive_console(console[0]);
    ::close(console[0]);
    if (master >= 0) {
      pty = std::make_unique<PtyPair>(PtyPair{master, -1});
      if (io.out >= 0) copy_window_size(io.out, master);
    }
  }
  if (pty) {
    if (io.in >= 0 && exec.interactive) raw = std::make_unique<RawTerminal>(io.in);
    char buf[65536];
    bool stdin_open = exec.interactive && io.in >= 0;
    for (;;) {
      pollfd fds[2] = {{pty->master, POLLIN, 0}, {stdin_open ? io.in : -1, POLLIN, 0}};
      if (::poll(fds, 2, -1) < 0 && errno != EINTR) break;
      if (fds[0].revents & (POLLIN | POLLHUP | POLLERR)) {
        ssize_t n = ::read(pty->master, buf, sizeof buf);
        if (n <= 0) break;  // EIO once the last slave user is gone
        if (io.out >= 0) (void)!::write(io.out, buf, static_cast<size_t>(n));
      }
      if (fds[1].revents & (POLLIN | POLLHUP)) {
        ssize_t n = ::read(io.in, buf, sizeof buf);
        if (n > 0) (void)!::write(pty->master, buf, static_cast<size_t>(n));
        else stdin_open = false;
      }
    }
    ::close(pty->master);
  }
  int status = 0;
  bool timed_out = false;
  if (exec.timeout.count() > 0 && !pty) {
    auto deadline = std::chrono::steady_clock::now() + exec.timeout;
    for (;;) {
      pid_t got = ::waitpid(outer, &status, WNOHANG);
      if (got == outer || (got < 0 && errno != EINTR)) break;
      if (std::chrono::steady_clock::now() >= deadline) {
        ::kill(outer, SIGKILL);
        timed_out = true;
        while (::waitpid(outer, &status, 0) < 0 && errno == EINTR) {
        }
        break;
      }
      ::usleep(5000);
    }
  } else {
    while (::waitpid(outer, &status, 0) < 0 && errno == EINTR) {
    }
  }
  raw.reset();
  std::string report;
  char buf[4096];
  ssize_t n;
  while ((n = ::read(status_pipe[0], buf, sizeof buf)) > 0) report.append(buf, static_cast<size_t>(n));
  ::close(status_pipe[0]);
  if (timed_out) return Error(Errc::kTimeout, "exec exceeded its timeout");
  InitReport parsed = parse_init_report("started\n" + report);
  if (parsed.exit_code != 0)
    return Error(parsed.exit_code == 125 ? Errc::kInternal : Errc::kNotFound,
                 "OCI runtime exec failed: exec failed: unable to start container process: " + parsed.message +
                     ": unknown");
  return exit_code_of(status);
}

}  // namespace racker::runtime
