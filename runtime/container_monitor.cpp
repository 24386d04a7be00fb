#include "container_monitor.h"
#include "racker/runtime/removal_hook.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <memory>
#include <optional>
#include <thread>

#include "container_files.h"
#include "container_tty.h"
#include "group_launch.h"
#include "monitor_internal.h"
#include "racker/runtime/group_protocol.h"
#include "nspawn_launch.h"
#include "racker/runtime/cgroup_limits.h"
#include "racker/runtime/container_init.h"
#include "racker/runtime/container_process.h"
#include "racker/runtime/container_rootfs.h"
#include "racker/runtime/log_writer.h"
#include "racker/runtime/restart_policy.h"
#include "racker/runtime/service_container.h"
#include "racker/runtime/user_namespace.h"
#include "racker/runtime/overlay.h"
#include "racker/runtime/volume_store.h"

namespace racker::runtime {

namespace {

void close_fd(int& fd) {
  if (fd >= 0) ::close(fd);
  fd = -1;
}

// nspawn reports a payload killed by a signal only in words:
// "Container NAME terminated by signal KILL."
int signal_exit_code(const std::string& diag) {
  auto pos = diag.find("terminated by signal ");
  if (pos == std::string::npos) return -1;
  std::string name = diag.substr(pos + 21);
  name = name.substr(0, name.find_first_of(".\n "));
  auto signo = parse_signal(name);
  return signo ? 128 + *signo : -1;
}

std::string trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

}  // namespace

void write_all(int fd, const char* data, size_t size) {
  while (size > 0) {
    ssize_t n = ::write(fd, data, size);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;
    data += n;
    size -= static_cast<size_t>(n);
  }
}

Result<int> running_group_pid(ContainerStore& store, const std::string& name) {
  auto id = store.resolve(name);
  if (!id) return Error(Errc::kNotFound, "group container " + name + " does not exist");
  auto state = store.read_state(*id);
  if (!state) return state.error();
  if (state->status != ContainerStatus::kRunning || state->pid <= 0 || !process_alive(state->pid, state->pid_start))
    return Error(Errc::kConflict, "group container " + name + " is not running");
  return state->pid;
}

void record_running(ContainerStore& store, const ContainerSpec& spec, int pid) {
  uint64_t pid_start = 0, self_start = 0;
  if (pid > 0)
    if (auto st = read_proc_stat(pid)) pid_start = st->start_time;
  if (auto st = read_proc_stat(::getpid())) self_start = st->start_time;
  (void)store.update_state(spec.id, [&](ContainerState& s) {
    s.status = ContainerStatus::kRunning;
    s.paused = false;
    s.pid = pid;
    s.pid_start = pid_start;
    s.monitor_pid = ::getpid();
    s.monitor_start = self_start;
    s.exit_code = 0;
    s.error.clear();
    s.started_at = now_rfc3339();
    s.finished_at.clear();
    s.health = HealthState{};
    if (spec.healthcheck) s.health.status = "starting";
  });
}

Result<int> ContainerMonitor::fail_start(const ContainerSpec& spec, const MonitorOptions& options, Error e, int code,
                                         bool first) {
  (void)cleanup_container_leftovers(store_, spec.id);
  (void)store_.update_state(spec.id, [&](ContainerState& s) {
    s.status = first ? ContainerStatus::kCreated : ContainerStatus::kExited;
    s.exit_code = code;
    s.error = e.message;
    s.pid = 0;
    s.finished_at = now_rfc3339();
  });
  if (first && options.on_first_start) options.on_first_start(e);
  return e;
}

ContainerMonitor::RunEnd ContainerMonitor::record_exit(const std::string& id, int code, RestartTracker& restarts,
                                                       std::chrono::steady_clock::duration ran,
                                                       const std::function<void(ContainerState&)>& details) {
  RunEnd end{code, {}};
  (void)store_.update_state(id, [&](ContainerState& s) {
    details(s);
    s.exit_code = code;
    s.pid = 0;
    s.finished_at = now_rfc3339();
    end.next = restarts.on_exit(code, ran, s.restart_count, s.stop_requested);
    s.status = end.next.restart ? ContainerStatus::kRestarting : ContainerStatus::kExited;
    if (end.next.restart) s.restart_count++;
  });
  return end;
}

ContainerMonitor::RunEnd ContainerMonitor::fail_restart(const ContainerSpec& spec, Error e, int code,
                                                        RestartTracker& restarts,
                                                        std::chrono::steady_clock::duration ran) {
  (void)cleanup_container_leftovers(store_, spec.id);
  return record_exit(spec.id, code, restarts, ran, [&](ContainerState& s) { s.error = e.message; });
}

// Everything one start of the container holds; released in teardown.
struct ContainerMonitor::Attempt {
  LaunchedNspawn nspawn;
  int out_fd = -1, err_fd = -1;  // read ends (out is the pty master with a tty)
  int stdin_hold = -1;           // keeps a detached -i container's stdin open
  int signal_fd = -1;
  int console_socket = -1;  // with a tty: where the init sends the pty master
  pid_t payload = 0;
  std::string status_text, diag_text;
  ~Attempt() {
    for (int* fd : {&nspawn.pidfd, &nspawn.diag_fd, &nspawn.status_fd, &out_fd, &err_fd, &stdin_hold, &signal_fd, &console_socket})
      close_fd(*fd);
  }
};

Status cleanup_container_leftovers(ContainerStore& store, const std::string& id) {
  RootfsPaths paths{store.dir(id), store.volumes_dir()};
  Status st = teardown_rootfs(paths);
  Status cg = remove_cgroup(kCgroupRoot, id);
  return st ? cg : st;
}

Result<ContainerMonitor::RunEnd> ContainerMonitor::run_once(const ContainerSpec& spec, const MonitorOptions& options,
                                                           bool first, RestartTracker& restarts) {
  RootfsPaths paths{store_.dir(spec.id), store_.volumes_dir()};
  auto began = std::chrono::steady_clock::now();
  auto start_failed = [&](Error e, int code) -> Result<RunEnd> {
    if (first) return fail_start(spec, options, std::move(e), code, true).error();
    return fail_restart(spec, std::move(e), code, restarts, std::chrono::steady_clock::now() - began);
  };

  // Held for the run: no one else takes this container's user ids meanwhile.
  std::optional<UsernsLease> userns_lease;
  if (spec.userns == UsernsMode::kAuto) {
    auto lease = UsernsLease::take(spec.userns_base);
    if (!lease) return start_failed(lease.error(), 125);
    userns_lease.emplace(std::move(*lease));
  }
  if (auto st = prepare_rootfs(spec, paths); !st) return start_failed(st.error(), 125);
  auto cgroup = container_cgroup(host_, spec);
  if (!cgroup) return start_failed(cgroup.error(), 125);

  Attempt a;
  LaunchIo io;
  int child_ends[3] = {-1, -1, -1};
  auto close_child_ends = [&] {
    for (int& fd : child_ends) close_fd(fd);
  };
  if (spec.tty) {
    int pair[2];
    if (::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, pair) != 0)
      return start_failed(cfiles::errno_error("socketpair", errno), 125);
    a.console_socket = pair[0];
    child_ends[0] = pair[1];
    io.stdin_fd = pair[1];
  } else {
    int out[2], err[2];
    if (::pipe2(out, O_CLOEXEC) != 0) return start_failed(cfiles::errno_error("pipe", errno), 125);
    if (::pipe2(err, O_CLOEXEC) != 0) {
      ::close(out[0]);
      ::close(out[1]);
      return start_failed(cfiles::errno_error("pipe", errno), 125);
    }
    a.out_fd = out[0];
    a.err_fd = err[0];
    child_ends[0] = out[1];
    child_ends[1] = err[1];
    io.stdout_fd = out[1];
    io.stderr_fd = err[1];
    if (spec.open_stdin && options.attach.in >= 0) {
      io.stdin_fd = options.attach.in;  // the client's stdin, directly
    } else if (spec.open_stdin) {
      int in[2];
      if (::pipe2(in, O_CLOEXEC) == 0) {
        child_ends[2] = in[0];
        a.stdin_hold = in[1];
        io.stdin_fd = in[0];
      }
    }
  }

  NspawnPaths nspawn_paths{paths.rootfs(), paths.container_dir, paths.volumes_dir};
  auto plan = plan_nspawn(spec, nspawn_paths, init_, host_);
  // Only a boot group's members come here; the others are run_grouped()'s.
  std::optional<GroupEntry> group;
  if (!spec.group.empty()) {
    auto group_pid = running_group_pid(store_, spec.group);
    auto entry = group_pid ? plan_boot_unit_entry(spec, nspawn_paths, init_, *group_pid, plan.init)
                           : Result<GroupEntry>(group_pid.error());
    if (!entry) {
      close_child_ends();
      return start_failed(entry.error(), 125);
    }
    group = std::move(*entry);
  }
  // The group's init listens in a directory of its container.
  if (spec.group_host) ::mkdir(group_socket_dir(paths.container_dir).c_str(), 0700);
  auto launched = launch_nspawn(plan, io, cgroup->procs_files, group ? &*group : nullptr);
  close_child_ends();
  if (!launched) return start_failed(launched.error(), 125);
  a.nspawn = *launched;

  std::unique_ptr<RawTerminal> raw;
  if (spec.tty && options.attach.in >= 0) raw = std::make_unique<RawTerminal>(options.attach.in);
  if (options.attach.proxy_signals || spec.tty) {
    sigset_t set;
    ::sigemptyset(&set);
    if (options.attach.proxy_signals && !spec.tty)
      for (int sig : {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2}) ::sigaddset(&set, sig);
    if (spec.tty) ::sigaddset(&set, SIGWINCH);
    ::sigprocmask(SIG_BLOCK, &set, nullptr);
    a.signal_fd = ::signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
  }

  OutputSink sink(store_, spec, options.attach);

  bool reported_start = false;
  auto note_started = [&] {
    if (reported_start) return;
    reported_start = true;
    auto kids = child_pids(a.nspawn.pid);
    if (!kids.empty()) a.payload = kids.front();
    record_running(store_, spec, a.payload);
    if (first && options.on_first_start) options.on_first_start(ok_status());
  };

  // The loop: output, the init's status, nspawn's diagnostics, signals, exit.
  bool exited = false;
  auto drain_deadline = std::chrono::steady_clock::time_point::max();
  char buf[65536];
  for (;;) {
    pollfd fds[8];
    int n = 0;
    int idx_out = -1, idx_err = -1, idx_diag = -1, idx_status = -1, idx_pid = -1, idx_sig = -1, idx_in = -1,
        idx_console = -1;
    auto add = [&](int fd, int& idx) {
      if (fd < 0) return;
      idx = n;
      fds[n++] = {fd, POLLIN, 0};
    };
    add(a.out_fd, idx_out);
    add(a.err_fd, idx_err);
    add(a.nspawn.diag_fd, idx_diag);
    add(a.nspawn.status_fd, idx_status);
    if (!exited) add(a.nspawn.pidfd, idx_pid);
    add(a.signal_fd, idx_sig);
    if (spec.tty && !exited && a.out_fd >= 0) add(options.attach.in, idx_in);
    add(a.console_socket, idx_console);
    bool pipes_open = a.out_fd >= 0 || a.err_fd >= 0 || a.nspawn.diag_fd >= 0 || a.nspawn.status_fd >= 0;
    if (exited && (!pipes_open || std::chrono::steady_clock::now() >= drain_deadline)) break;
    int timeout = exited ? 20 : -1;
    int ready = ::poll(fds, static_cast<nfds_t>(n), timeout);
    if (ready < 0 && errno != EINTR) break;
    if (ready <= 0) continue;
    auto readable = [&](int idx) { return idx >= 0 && (fds[idx].revents & (POLLIN | POLLHUP | POLLERR)); };
    auto pump = [&](int& fd, auto&& consume) {
      ssize_t got = ::read(fd, buf, sizeof buf);
      if (got > 0) consume(buf, static_cast<size_t>(got));
      else if (got == 0 || (errno != EINTR && errno != EAGAIN)) close_fd(fd);  // EIO: pty slave closed
    };
    if (readable(idx_console)) {
      a.out_fd = receive_console(a.console_socket);
      close_fd(a.console_socket);
      if (a.out_fd >= 0 && options.attach.out >= 0) copy_window_size(options.attach.out, a.out_fd);
    }
    if (readable(idx_status)) {
      pump(a.nspawn.status_fd, [&](const char* d, size_t s) { a.status_text.append(d, s); });
      // The pipe closes on the payload's execve: only then did it start.
      if (a.nspawn.status_fd < 0 && a.status_text.find("started\n") != std::string::npos &&
          a.status_text.find("error ") == std::string::npos)
        note_started();
    }
    if (readable(idx_out))
      pump(a.out_fd, [&](const char* d, size_t s) { sink.write(LogStream::kStdout, d, s); });
    if (readable(idx_err))
      pump(a.err_fd, [&](const char* d, size_t s) { sink.write(LogStream::kStderr, d, s); });
    if (readable(idx_diag))
      pump(a.nspawn.diag_fd, [&](const char* d, size_t s) {
        if (a.diag_text.size() < 65536) a.diag_text.append(d, s);
      });
    if (readable(idx_in)) {
      ssize_t got = ::read(options.attach.in, buf, sizeof buf);
      if (got > 0) write_all(a.out_fd, buf, static_cast<size_t>(got));
    }
    if (readable(idx_sig)) {
      signalfd_siginfo info{};
      while (::read(a.signal_fd, &info, sizeof info) == sizeof info) {
        if (info.ssi_signo == SIGWINCH) copy_window_size(options.attach.out, a.out_fd);
        else if (a.payload > 0) ::kill(a.payload, static_cast<int>(info.ssi_signo));
      }
    }
    if (readable(idx_pid)) {
      exited = true;
      drain_deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(500);
    }
  }

  siginfo_t info{};
  ::waitid(P_PID, static_cast<id_t>(a.nspawn.pid), &info, WEXITED);
  while (::waitpid(-1, nullptr, WNOHANG) > 0) {
  }  // strays reparented to us as subreaper
  sink.flush();
  raw.reset();
  if (a.signal_fd >= 0) {
    sigset_t set;
    ::sigfillset(&set);
    ::sigprocmask(SIG_UNBLOCK, &set, nullptr);
  }

  bool oom = cgroup_oom_killed(kCgroupRoot, spec.id);  // before the group goes
  Status teardown = cleanup_container_leftovers(store_, spec.id);

  InitReport report = parse_init_report(a.status_text);
  if (!report.started) {
    std::string why = trim(report.message.empty() ? a.diag_text : report.message);
    return start_failed(Error(Errc::kInternal, "failed to start container: systemd-nspawn: " +
                                                   (why.empty() ? std::string("exited early") : why)),
                        125);
  }
  if (report.exit_code != 0) return start_failed(payload_start_error(report.exit_code, report.message), report.exit_code);
  int code = 0;
  if (info.si_code == CLD_EXITED) code = info.si_status;
  else code = 128 + info.si_status;
  if (int by_signal = signal_exit_code(a.diag_text); by_signal > 0 && code == 1) code = by_signal;

  return record_exit(spec.id, code, restarts, std::chrono::steady_clock::now() - began, [&](ContainerState& s) {
    s.paused = false;
    s.oom_killed = oom;
    if (!teardown) s.error = teardown.error().message;
  });
}

Result<int> ContainerMonitor::run(const std::string& id, const MonitorOptions& options) {
  auto spec = store_.read_spec(id);
  if (!spec) return spec.error();
  ::prctl(PR_SET_CHILD_SUBREAPER, 1);
  auto result = supervised_by_group_init(*spec) ? run_grouped(*spec, options) : run_restarting(*spec, options);
  if (!result) {
    if (spec->auto_remove) {
      run_removal_hook(*spec);
      (void)store_.remove(id);
    }
    return result.error();
  }
  if (spec->auto_remove) {
    VolumeStore volumes(store_.volumes_dir());
    for (const auto& m : spec->mounts)
      if (m.type == MountSpec::Type::kVolume && m.anonymous) (void)volumes.remove(m.source);
    run_removal_hook(*spec);
    (void)store_.remove(id);
  }
  return result;
}

Result<int> ContainerMonitor::run_restarting(const ContainerSpec& spec, const MonitorOptions& options) {
  const std::string& id = spec.id;
  int last = 0;
  RestartTracker restarts(spec.restart);
  for (bool first = true;; first = false) {
    MonitorOptions attempt_options = options;
    if (!first) attempt_options.on_first_start = nullptr;
    auto end = run_once(spec, attempt_options, first, restarts);
    if (!end) return end.error();
    last = end->exit_code;
    if (!end->next.restart) break;
    auto until = std::chrono::steady_clock::now() + end->next.delay;
    bool stopped = false;
    while (std::chrono::steady_clock::now() < until && !stopped) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
      auto s = store_.read_state(id);
      stopped = !s || s->stop_requested;
    }
    if (stopped) {
      (void)store_.update_state(id, [](ContainerState& s) { s.status = ContainerStatus::kExited; });
      break;
    }
  }
  return last;
}

}  // namespace racker::runtime
