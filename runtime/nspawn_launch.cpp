#include "nspawn_launch.h"

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "container_files.h"
#include "group_launch.h"
#include "racker/runtime/container_init.h"
#include "racker/runtime/container_process.h"

namespace racker::runtime {

void format_decimal(char* out, long value) {
  unsigned long rest = value < 0 ? 0UL - static_cast<unsigned long>(value) : static_cast<unsigned long>(value);
  if (value < 0) *out++ = '-';
  char digits[21];
  int n = 0;
  do {
    digits[n++] = static_cast<char>('0' + rest % 10);
    rest /= 10;
  } while (rest > 0);
  while (n > 0) *out++ = digits[--n];
  *out = '\0';
}

void launch_child_fail(int status_fd, const char* what) {
  // Reported like the init's own failures, so the monitor shows it.
  char buf[256];
  const char* err = std::strerror(errno);
  int n = 0;
  for (const char* p = "error 125 "; *p && n < 200; ++p) buf[n++] = *p;
  for (const char* p = what; *p && n < 220; ++p) buf[n++] = *p;
  buf[n++] = ':';
  buf[n++] = ' ';
  for (const char* p = err; *p && n < 250; ++p) buf[n++] = *p;
  buf[n++] = '\n';
  (void)!::write(status_fd, buf, static_cast<size_t>(n));
  ::_exit(125);
}

Result<std::string> find_nspawn_binary() {
  for (const char* candidate : {"/usr/bin/systemd-nspawn", "/bin/systemd-nspawn", "/usr/local/bin/systemd-nspawn"})
    if (::access(candidate, X_OK) == 0) return std::string(candidate);
  return Error(Errc::kNotFound, "systemd-nspawn not found: install systemd-container");
}

Result<LaunchedNspawn> launch_nspawn(const NspawnPlan& plan, const LaunchIo& io,
                                     const std::vector<std::string>& cgroup_procs_files, const GroupEntry* group) {
  auto nspawn = group ? Result<std::string>(std::string()) : find_nspawn_binary();
  if (!nspawn) return nspawn.error();

  int config_fd = ::memfd_create("racker-init-config", MFD_CLOEXEC);
  if (config_fd < 0) return cfiles::errno_error("memfd_create", errno);
  std::string config = init_config_to_json(plan.init);
  if (::write(config_fd, config.data(), config.size()) != static_cast<ssize_t>(config.size()) ||
      ::lseek(config_fd, 0, SEEK_SET) != 0) {
    ::close(config_fd);
    return cfiles::errno_error("write init config", errno);
  }
  int status_pipe[2], diag_pipe[2];
  if (::pipe2(status_pipe, O_CLOEXEC) != 0) {
    ::close(config_fd);
    return cfiles::errno_error("pipe", errno);
  }
  if (::pipe2(diag_pipe, O_CLOEXEC) != 0) {
    int err = errno;
    for (int fd : {config_fd, status_pipe[0], status_pipe[1]}) ::close(fd);
    return cfiles::errno_error("pipe", err);
  }
  int dev_null = ::open("/dev/null", O_RDWR | O_CLOEXEC);
  int netns_fd = -1;
  if (!plan.join_netns.empty()) {
    netns_fd = ::open(plan.join_netns.c_str(), O_RDONLY | O_CLOEXEC);
    if (netns_fd < 0) {
      int err = errno;
      for (int fd : {config_fd, status_pipe[0], status_pipe[1], diag_pipe[0], diag_pipe[1], dev_null}) ::close(fd);
      return cfiles::errno_error("open network namespace " + plan.join_netns, err);
    }
  }

  // Everything the child needs is built before fork.
  std::vector<std::string> env = plan.env;
  env.push_back("LISTEN_FDS=" + std::to_string(kInitFdCount));
  env.push_back("LISTEN_PID=0000000000");  // rewritten with the child's pid
  std::vector<char*> argv, envp;
  for (const auto& a : plan.argv) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  for (auto& e : env) envp.push_back(e.data());
  envp.push_back(nullptr);
  char* listen_pid = envp[env.size() - 1] + std::strlen("LISTEN_PID=");
  std::vector<const char*> procs;
  for (const auto& f : cgroup_procs_files) procs.push_back(f.c_str());

  // Source fds for the child's 0..7, in order.
  int sources[8] = {dev_null,
                    diag_pipe[1],
                    diag_pipe[1],
                    config_fd,
                    status_pipe[1],
                    io.stdin_fd >= 0 ? io.stdin_fd : dev_null,
                    io.stdout_fd >= 0 ? io.stdout_fd : dev_null,
                    io.stderr_fd >= 0 ? io.stderr_fd : dev_null};

  pid_t pid = ::fork();
  if (pid < 0) {
    int err = errno;
    for (int fd : {config_fd, status_pipe[0], status_pipe[1], diag_pipe[0], diag_pipe[1], dev_null, netns_fd})
      if (fd >= 0) ::close(fd);
    return cfiles::errno_error("fork", err);
  }
  if (pid == 0) {
    sigset_t none;
    ::sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    for (int sig = 1; sig < NSIG; ++sig) ::signal(sig, SIG_DFL);
    ::setsid();
    char self[16];
    format_decimal(self, ::getpid());
    for (const char* file : procs) {
      int fd = ::open(file, O_WRONLY | O_CLOEXEC);
      if (fd < 0 || ::write(fd, self, std::strlen(self)) < 0) launch_child_fail(status_pipe[1], "join cgroup");
      ::close(fd);
    }
    if (netns_fd >= 0 && ::setns(netns_fd, CLONE_NEWNET) != 0) launch_child_fail(status_pipe[1], "join network namespace");
    std::memcpy(listen_pid, self, std::strlen(self) + 1);
    // Move sources out of the way first so no dup2 clobbers a later source.
    int high[8];
    for (int i = 0; i < 8; ++i) {
      high[i] = ::fcntl(sources[i], F_DUPFD_CLOEXEC, 64);
      if (high[i] < 0) launch_child_fail(status_pipe[1], "dup");
    }
    for (int i = 0; i < 8; ++i)
      if (::dup2(high[i], i) < 0) launch_child_fail(status_pipe[1], "dup2");
    ::syscall(SYS_close_range, 8u, ~0u, 0u);
    if (group) enter_group_and_exec(*group);
    ::execve(nspawn->c_str(), argv.data(), envp.data());
    launch_child_fail(4, "exec systemd-nspawn");
  }
  for (int fd : {config_fd, status_pipe[1], diag_pipe[1], dev_null, netns_fd})
    if (fd >= 0) ::close(fd);
  LaunchedNspawn out;
  out.pid = pid;
  out.pidfd = open_pidfd(pid);
  out.diag_fd = diag_pipe[0];
  out.status_fd = status_pipe[0];
  return out;
}

}  // namespace racker::runtime
