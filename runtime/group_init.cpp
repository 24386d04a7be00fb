#include "racker/runtime/group_init.h"

#include <dirent.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>

#include "container_tty.h"
#include "group_launch.h"
#include "nspawn_launch.h"
#include "racker/runtime/container_init.h"
#include "racker/runtime/container_state.h"
#include "racker/runtime/exec_process.h"
#include "racker/runtime/group_protocol.h"
#include "racker/runtime/health_monitor.h"
#include "racker/runtime/nspawn_command.h"
#include "racker/runtime/restart_policy.h"
#include "racker/runtime/service_container.h"

namespace racker::runtime {

namespace {

namespace asio = boost::asio;
using Clock = std::chrono::steady_clock;
using json = nlohmann::json;

constexpr auto kDrainTime = std::chrono::milliseconds(500);
constexpr int kForwarded[] = {SIGHUP, SIGUSR1, SIGUSR2, SIGWINCH};

void close_fd(int& fd) {
  if (fd >= 0) ::close(fd);
  fd = -1;
}

// One monitor's connection. The service it asked for outlives it (a monitor
// that goes away leaves its service running, unreported).
struct Connection {
  int fd = -1;
  std::unique_ptr<asio::posix::stream_descriptor> wait;
  ~Connection() {
    if (wait) wait->release();
    close_fd(fd);
  }
  // A monitor that stops reading must not stall the whole group.
  void send(char type, std::string_view body, const std::vector<int>& fds = {}) {
    if (fd >= 0 && !send_group_message(fd, type, body, fds)) close_fd(fd);
  }
  void send(const json& j, const std::vector<int>& fds = {}) {
    if (fd >= 0 && !send_group_json(fd, j, fds)) close_fd(fd);
  }
};

// A pipe's read end on the loop.
struct Reader {
  std::unique_ptr<asio::posix::stream_descriptor> fd;
  bool open() const { return fd && fd->is_open(); }
};

struct Process {
  pid_t pid = 0;
  Clock::time_point started;
};

// The fds a spawned racker init gets (container_init.h): 3 config, 4 status,
// 5-7 stdio. `stdin_fd` -1 is /dev/null.
struct SpawnFds {
  int config = -1, status = -1, in = -1, out = -1, err = -1, go = -1;
};

// A fresh child of the init: default signals, a session of its own.
void become_child() {
  for (int sig : {SIGCHLD, SIGTERM, SIGINT, SIGHUP, SIGPIPE, SIGUSR1, SIGUSR2, SIGWINCH}) ::signal(sig, SIG_DFL);
  sigset_t none;
  ::sigemptyset(&none);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);
  ::setsid();
}

class Member {
 public:
  Member(asio::io_context& io, ContainerSpec spec, std::vector<std::string> argv,
         std::vector<std::string> env, int mntns, std::shared_ptr<Connection> monitor)
      : io_(io),
        spec_(std::move(spec)),
        argv_(std::move(argv)),
        env_(std::move(env)),
        config_(payload_config(spec_)),
        mntns_(mntns),
        monitor_(std::move(monitor)),
        restarts_(spec_.restart),
        restart_timer_(io),
        drain_timer_(io),
        health_timer_(io),
        probe_timer_(io) {
    config_json_ = init_config_to_json(config_);
    if (spec_.healthcheck) health_.emplace(*spec_.healthcheck);
  }
  ~Member() { close_fd(mntns_); }

  const std::string& name() const { return spec_.name; }
  pid_t pid() const { return payload_.pid; }
  bool done() const { return done_; }
  bool draining() const { return exit_code_.has_value(); }
  GroupMember stop_entry() const {
    auto signo = parse_signal(spec_.stop_signal);
    return {spec_.name, payload_.pid, signo ? *signo : SIGTERM, std::max(0, spec_.stop_timeout), order()};
  }
  int order() const {
    auto it = spec_.labels.find(kLabelGroupOrder);
    return it == spec_.labels.end() ? 0 : std::atoi(it->second.c_str());
  }

  void start() { spawn(); }

  // The user stopped the service (or the machine stops): no more restarts.
  void stop_for_good() {
    stop_wanted_ = true;
    if (waiting_restart_) {
      waiting_restart_ = false;
      restart_timer_.cancel();
      finish();
    }
    // Spawned but not let go yet: it never runs.
    if (payload_.pid > 0 && go_fd_ >= 0) ::kill(payload_.pid, SIGKILL);
  }

  // The monitor saw the exit and did not stop the service: the restart may
  // go ahead once its delay is over. A monitor gone cannot object.
  void restart_agreed() {
    awaiting_ack_ = false;
    maybe_respawn();
  }

  void go() {
    if (go_fd_ < 0) return;
    char byte = 'g';
    (void)!::write(go_fd_, &byte, 1);
    close_fd(go_fd_);
  }

  // Reaped `status` of one of ours; false when the pid is not ours.
  bool on_reaped(pid_t pid, int status) {
    int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    if (pid == probe_.pid) {
      probe_.pid = 0;
      probe_timer_.cancel();
      probe_code_ = probe_timed_out_ ? -1 : code;
      maybe_probe_done();
      return true;
    }
    if (pid != payload_.pid) return false;
    payload_.pid = 0;
    exit_code_ = code;
    health_timer_.cancel();
    if (probe_.pid > 0) ::kill(probe_.pid, SIGKILL);
    // Output still in the pipes belongs before the exit.
    drain_timer_.expires_after(kDrainTime);
    drain_timer_.async_wait([this](const boost::system::error_code& ec) {
      if (!ec) exit_drained();
    });
    maybe_exit_drained();
    return true;
  }

 private:
  // A service that names its own hostname gets a UTS namespace of its own;
  // the others share the machine's, named after the group.
  bool own_hostname() const {
    auto it = spec_.labels.find(kLabelGroup);
    return !spec_.hostname.empty() && (it == spec_.labels.end() || spec_.hostname != it->second);
  }

  // racker's init stays bound in the service's mount namespace (no
  // `unmount`): every restart runs it again from there.
  static InitConfig payload_config(const ContainerSpec& spec) {
    InitConfig c = init_config_for(spec);
    c.group = false;
    return c;
  }

  void apply_rlimits() const {
    for (const auto& [resource, limit] : container_rlimits(spec_))
      ::setrlimit(static_cast<__rlimit_resource>(resource), &limit);
  }

  // --- spawning -----------------------------------------------------------

  // Forks racker's init in the service's mount namespace. The child waits
  // for the monitor's "go" (it is in its cgroups by then) before it execs.
  pid_t fork_init(const SpawnFds& fds, bool wait_go) {
    pid_t pid = ::fork();
    if (pid != 0) return pid;
    become_child();
    int status_fd = fds.status;
    if (::setns(mntns_, CLONE_NEWNS) != 0) launch_child_fail(status_fd, "enter the service's mount namespace");
    if (own_hostname() && (::unshare(CLONE_NEWUTS) != 0 ||
                           ::sethostname(spec_.hostname.c_str(), spec_.hostname.size()) != 0))
      launch_child_fail(status_fd, "set the service's hostname");
    if (wait_go) {
      char byte;
      while (::read(fds.go, &byte, 1) < 0 && errno == EINTR) {
      }
    }
    // Into place as fds 3-7, through fds above them so none is overwritten.
    int sources[] = {fds.config, fds.status, fds.in, fds.out, fds.err};
    int high[5];
    for (int i = 0; i < 5; ++i) {
      high[i] = ::fcntl(sources[i], F_DUPFD, 20);
      if (high[i] < 0) launch_child_fail(status_fd, "dup");
    }
    for (int i = 0; i < 5; ++i)
      if (::dup2(high[i], kInitConfigFd + i) < 0) launch_child_fail(status_fd, "dup2");
    ::syscall(SYS_close_range, static_cast<unsigned>(kInitConfigFd + 5), ~0u, 0u);
    int null = ::open("/dev/null", O_RDWR);
    for (int fd = 0; fd < 3; ++fd) ::dup2(null, fd);
    if (null > 2) ::close(null);
    apply_rlimits();
    std::vector<char*> argv, envp;
    auto argv_copy = argv_;
    auto env_copy = env_;
    for (auto& a : argv_copy) argv.push_back(a.data());
    argv.push_back(nullptr);
    for (auto& e : env_copy) envp.push_back(e.data());
    envp.push_back(nullptr);
    ::execve(argv[0], argv.data(), envp.data());
    launch_child_fail(kInitStatusFd, "exec racker's init");
  }

  // A healthcheck probe, run directly in the service's namespace with its
  // environment, user, working directory and capabilities (as `exec` would;
  // starting racker's init per probe would cost more than most probes).
  // Failures to start go to `status_fd` as the init reports them.
  pid_t fork_probe(const std::vector<std::string>& args, int out_fd, int status_fd) {
    pid_t pid = ::fork();
    if (pid != 0) return pid;
    become_child();
    if (own_hostname()) {
      std::string uts = "/proc/" + std::to_string(payload_.pid) + "/ns/uts";
      int fd = ::open(uts.c_str(), O_RDONLY | O_CLOEXEC);
      if (fd < 0 || ::setns(fd, CLONE_NEWUTS) != 0) launch_child_fail(status_fd, "enter the service's UTS namespace");
    }
    if (::setns(mntns_, CLONE_NEWNS) != 0) launch_child_fail(status_fd, "enter the service's mount namespace");
    int null = ::open("/dev/null", O_RDONLY);
    ::dup2(null, 0);
    ::dup2(out_fd, 1);
    ::dup2(out_fd, 2);
    apply_rlimits();
    ProcessSetup setup;
    setup.args = args;
    setup.env = config_.env;
    setup.user = config_.user;
    setup.working_dir = config_.working_dir;
    setup.capabilities = config_.capabilities;
    ExecLookup failed = exec_process(setup);
    std::string report = "error " + std::to_string(failed.exit_code) + " " + failed.error + "\n";
    (void)!::write(status_fd, report.data(), report.size());
    ::_exit(failed.exit_code);
  }

  static int config_memfd(const std::string& text) {
    int fd = static_cast<int>(::memfd_create("racker-init-config", MFD_CLOEXEC));
    if (fd < 0) return -1;
    if (::write(fd, text.data(), text.size()) != static_cast<ssize_t>(text.size())) close_fd(fd);
    if (fd >= 0) ::lseek(fd, 0, SEEK_SET);
    return fd;
  }

  void spawn() {
    SpawnFds child;
    int status[2] = {-1, -1}, out[2] = {-1, -1}, err[2] = {-1, -1}, gate[2] = {-1, -1}, in[2] = {-1, -1};
    bool ok = ::pipe2(status, O_CLOEXEC) == 0 && ::pipe2(gate, O_CLOEXEC) == 0;
    int console[2] = {-1, -1};
    if (ok && spec_.tty) ok = ::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, console) == 0;
    else if (ok) ok = ::pipe2(out, O_CLOEXEC) == 0 && ::pipe2(err, O_CLOEXEC) == 0;
    if (ok && spec_.open_stdin && !spec_.tty) ok = ::pipe2(in, O_CLOEXEC) == 0;
    int config = ok ? config_memfd(config_json_) : -1;
    int null = ::open("/dev/null", O_RDWR | O_CLOEXEC);
    if (!ok || config < 0 || null < 0) {
      for (int fd : {status[0], status[1], out[0], out[1], err[0], err[1], gate[0], gate[1], in[0], in[1], console[0],
                     console[1], config, null})
        if (fd >= 0) ::close(fd);
      exit_code_ = 125;
      start_error_ = std::string("cannot set up the service's process: ") + std::strerror(errno);
      return exit_drained();
    }
    child.config = config;
    child.status = status[1];
    child.go = gate[0];
    if (spec_.tty) {
      child.in = console[1];
      child.out = null;
      child.err = null;
    } else {
      child.in = in[0] >= 0 ? in[0] : null;
      child.out = out[1];
      child.err = err[1];
    }
    bool wait_go = monitor_ && monitor_->fd >= 0;
    pid_t pid = fork_init(child, wait_go);
    for (int fd : {status[1], out[1], err[1], gate[0], in[0], console[1], config, null})
      if (fd >= 0) ::close(fd);
    stdin_hold_ = in[1];
    go_fd_ = gate[1];
    if (pid < 0) {
      for (int fd : {status[0], out[0], err[0], console[0]})
        if (fd >= 0) ::close(fd);
      close_fd(go_fd_);
      exit_code_ = 125;
      start_error_ = std::string("fork: ") + std::strerror(errno);
      return exit_drained();
    }
    payload_ = {pid, Clock::now()};
    exit_code_.reset();
    start_error_.clear();
    status_text_.clear();
    status_open_ = true;
    read_status(status[0]);
    if (spec_.tty) await_console(console[0]);
    else {
      pump(out_, out[0], kGroupStdout);
      pump(err_, err[0], kGroupStderr);
    }
    int pidfd = static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
    if (monitor_) monitor_->send(json{{"event", "spawned"}, {"pid", pid}}, pidfd >= 0 ? std::vector<int>{pidfd} : std::vector<int>{});
    if (pidfd >= 0) ::close(pidfd);
    if (!wait_go) go();
  }

  void await_console(int socket) {
    auto reader = std::make_shared<asio::posix::stream_descriptor>(io_, socket);
    reader->async_wait(asio::posix::stream_descriptor::wait_read, [this, reader](const boost::system::error_code& ec) {
      int master = ec ? -1 : runtime::receive_console(reader->native_handle());
      reader->close();
      if (master >= 0) pump(out_, master, kGroupStdout);
    });
  }

  // Reads `fd` into `into` (at most `limit` bytes kept) until EOF, then
  // calls `at_eof`. The reader keeps itself alive until then.
  void read_to_end(int fd, std::string& into, size_t limit, std::function<void()> at_eof) {
    auto reader = std::make_shared<asio::posix::stream_descriptor>(io_, fd);
    auto buf = std::make_shared<std::array<char, 4096>>();
    auto next = std::make_shared<std::function<void()>>();
    *next = [reader, buf, next, &into, limit, at_eof = std::move(at_eof)] {
      reader->async_read_some(asio::buffer(*buf), [reader, buf, next, &into, limit, &at_eof](
                                                      const boost::system::error_code& ec, size_t n) {
        if (!ec) {
          if (into.size() < limit) into.append(buf->data(), std::min(n, limit - into.size()));
          return (*next)();
        }
        reader->close();
        auto done = std::move(at_eof);
        *next = nullptr;  // breaks the cycle (and ends this lambda's captures)
        done();
      });
    };
    (*next)();
  }

  // The status pipe closes on the payload's execve: it started.
  void read_status(int fd) {
    read_to_end(fd, status_text_, SIZE_MAX, [this] {
      status_open_ = false;
      InitReport report = parse_init_report(status_text_);
      if (report.started && report.exit_code == 0 && payload_.pid > 0) on_started();
      maybe_exit_drained();
    });
  }

  void pump(Reader& r, int fd, char type) {
    r.fd = std::make_unique<asio::posix::stream_descriptor>(io_, fd);
    auto buf = std::make_shared<std::array<char, kGroupMaxBody>>();
    read_more(r, buf, type);
  }
  void read_more(Reader& r, std::shared_ptr<std::array<char, kGroupMaxBody>> buf, char type) {
    r.fd->async_read_some(asio::buffer(*buf), [this, &r, buf, type](const boost::system::error_code& ec, size_t n) {
      if (!ec) {
        if (monitor_) monitor_->send(type, std::string_view(buf->data(), n));
        return read_more(r, buf, type);
      }
      r.fd->close();
      maybe_exit_drained();
    });
  }

  void on_started() {
    first_ = false;
    if (monitor_) monitor_->send(json{{"event", "started"}});
    if (!health_) return;
    health_->reset(Clock::now());
    schedule_probe();
  }

  // --- exit and restart ---------------------------------------------------

  void maybe_exit_drained() {
    if (exit_code_ && !status_open_ && !out_.open() && !err_.open()) exit_drained();
  }

  void exit_drained() {
    if (!exit_code_ || reported_exit_) return;
    reported_exit_ = true;
    drain_timer_.cancel();
    for (Reader* r : {&out_, &err_})
      if (r->open()) r->fd->close();
    close_fd(stdin_hold_);
    close_fd(go_fd_);
    int code = *exit_code_;
    std::string error = start_error_;
    InitReport report = parse_init_report(status_text_);
    if (error.empty() && (!report.started || report.exit_code != 0)) {
      error = report.message.empty() ? "racker's init did not start" : report.message;
      if (report.exit_code != 0) code = report.exit_code;
    }
    bool start_failed = !error.empty();
    auto decision = restarts_.on_exit(code, Clock::now() - payload_.started, restart_count_, stop_wanted_);
    // A service that never ran once is not restarted: its start failed.
    bool restart = decision.restart && !(start_failed && first_);
    auto delay = std::chrono::duration_cast<std::chrono::milliseconds>(decision.delay);
    if (monitor_)
      monitor_->send(json{{"event", "exited"}, {"code", code}, {"error", error}, {"restart", restart},
                          {"delay_ms", restart ? delay.count() : 0}});
    if (!restart) return finish();
    ++restart_count_;
    waiting_restart_ = true;
    delay_over_ = false;
    awaiting_ack_ = monitor_ && monitor_->fd >= 0;
    restart_timer_.expires_after(delay);
    restart_timer_.async_wait([this](const boost::system::error_code& ec) {
      if (ec) return;
      delay_over_ = true;
      maybe_respawn();
    });
  }

  void maybe_respawn() {
    if (!waiting_restart_ || !delay_over_ || awaiting_ack_) return;
    waiting_restart_ = false;
    reported_exit_ = false;
    spawn();
  }

  void finish() {
    done_ = true;
    if (monitor_) monitor_->send(json{{"event", "done"}});
    close_fd(mntns_);
  }

  // --- healthcheck --------------------------------------------------------

  void schedule_probe() {
    health_timer_.expires_after(health_->next_delay(Clock::now()));
    health_timer_.async_wait([this](const boost::system::error_code& ec) {
      if (!ec && payload_.pid > 0) run_probe();
    });
  }

  void run_probe() {
    int status[2] = {-1, -1}, out[2] = {-1, -1};
    if (::pipe2(status, O_CLOEXEC) != 0 || ::pipe2(out, O_CLOEXEC) != 0) {
      for (int fd : {status[0], status[1], out[0], out[1]})
        if (fd >= 0) ::close(fd);
      return schedule_probe();
    }
    probe_start_text_ = now_rfc3339();
    probe_output_.clear();
    probe_status_.clear();
    probe_timed_out_ = false;
    probe_code_.reset();
    pid_t pid = fork_probe(health_probe_argv(health_->spec()), out[1], status[1]);
    ::close(status[1]);
    ::close(out[1]);
    if (pid < 0) {
      ::close(status[0]);
      ::close(out[0]);
      return schedule_probe();
    }
    probe_ = {pid, Clock::now()};
    probe_open_ = 2;
    collect(status[0], probe_status_);
    collect(out[0], probe_output_);
    probe_timer_.expires_after(health_->spec().timeout);
    probe_timer_.async_wait([this, pid](const boost::system::error_code& ec) {
      if (ec || probe_.pid != pid) return;
      probe_timed_out_ = true;
      ::kill(pid, SIGKILL);
    });
  }

  void collect(int fd, std::string& into) {
    read_to_end(fd, into, kMaxHealthOutput, [this] {
      --probe_open_;
      maybe_probe_done();
    });
  }

  void maybe_probe_done() {
    if (!probe_code_ || probe_open_ > 0) return;
    HealthResult r;
    r.start = probe_start_text_;
    r.end = now_rfc3339();
    r.exit_code = *probe_code_;
    r.output = probe_output_;
    InitReport report = parse_init_report(probe_status_);
    if (report.exit_code != 0) {
      r.exit_code = report.exit_code;
      r.output = report.message;
    }
    if (probe_timed_out_) {
      r.exit_code = -1;
      r.output = health_timeout_output(health_->spec());
    }
    probe_code_.reset();
    if (payload_.pid <= 0) return;  // the service is gone: its probe does not count
    health_->on_result(r, probe_.started);
    if (monitor_) monitor_->send(json{{"event", "health"}, {"health", health_state_to_json(health_->state())}});
    schedule_probe();
  }

  asio::io_context& io_;
  ContainerSpec spec_;
  std::vector<std::string> argv_, env_;
  InitConfig config_;  // the payload's; its probes run with the same settings
  std::string config_json_;
  int mntns_ = -1;
  std::shared_ptr<Connection> monitor_;

  RestartTracker restarts_;
  int restart_count_ = 0;
  bool first_ = true, status_open_ = false, stop_wanted_ = false, waiting_restart_ = false, done_ = false, reported_exit_ = false;
  bool delay_over_ = false, awaiting_ack_ = false;
  Process payload_;
  std::optional<int> exit_code_;
  std::string start_error_, status_text_;
  Reader out_, err_;
  int stdin_hold_ = -1, go_fd_ = -1;
  asio::steady_timer restart_timer_, drain_timer_;

  std::optional<HealthTracker> health_;
  asio::steady_timer health_timer_, probe_timer_;
  Process probe_;
  std::string probe_start_text_, probe_output_, probe_status_;
  std::optional<int> probe_code_;
  int probe_open_ = 0;
  bool probe_timed_out_ = false;
};

// Any process of this pid namespace besides PID 1 left?
bool others_alive() {
  DIR* dir = ::opendir("/proc");
  if (!dir) return false;
  bool found = false;
  while (dirent* e = ::readdir(dir)) {
    char* end = nullptr;
    long pid = std::strtol(e->d_name, &end, 10);
    if (*end == '\0' && pid > 1) {
      found = true;
      break;
    }
  }
  ::closedir(dir);
  return found;
}

class GroupInit {
 public:
  GroupInit() : signals_(io_, SIGCHLD, SIGTERM, SIGINT), timer_(io_) {
    for (int sig : kForwarded) signals_.add(sig);
  }

  int run() {
    ::signal(SIGPIPE, SIG_IGN);
    wait_signal();
    if (!listen()) return 1;
    io_.run();
    return 0;
  }

 private:
  bool listen() {
    ::mkdir(kGroupSocketDir, 0755);
    ::unlink(kGroupInitSocket);
    int fd = ::socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::strncpy(addr.sun_path, kGroupInitSocket, sizeof addr.sun_path - 1);
    if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || ::listen(fd, 64) != 0) {
      std::fprintf(stderr, "racker group init: cannot listen on %s: %s\n", kGroupInitSocket, std::strerror(errno));
      return false;
    }
    ::chmod(kGroupInitSocket, 0600);
    listener_ = std::make_unique<asio::posix::stream_descriptor>(io_, fd);
    accept_next();
    return true;
  }

  void accept_next() {
    listener_->async_wait(asio::posix::stream_descriptor::wait_read, [this](const boost::system::error_code& ec) {
      if (ec) return;
      for (;;) {
        int fd = ::accept4(listener_->native_handle(), nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK);
        if (fd < 0) break;
        auto c = std::make_shared<Connection>();
        c->fd = fd;
        // Replies block (bounded), requests are read from the loop.
        timeval five{5, 0};
        ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &five, sizeof five);
        ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) & ~O_NONBLOCK);
        c->wait = std::make_unique<asio::posix::stream_descriptor>(io_, fd);
        read_next(c);
      }
      accept_next();
    });
  }

  void read_next(const std::shared_ptr<Connection>& c) {
    c->wait->async_wait(asio::posix::stream_descriptor::wait_read, [this, c](const boost::system::error_code& ec) {
      if (ec || c->fd < 0) return;
      auto message = receive_group_message(c->fd);
      if (!message) {
        // The monitor went away: its service runs on, unreported.
        c->wait->release();
        close_fd(c->fd);
        if (auto it = by_connection_.find(c.get()); it != by_connection_.end()) {
          it->second->go();
          it->second->restart_agreed();
        }
        return;
      }
      on_request(c, *message);
      read_next(c);
    });
  }

  void on_request(const std::shared_ptr<Connection>& c, GroupMessage& m) {
    json j = json::parse(m.body, nullptr, false);
    std::string op = j.is_object() ? j.value("op", "") : "";
    auto it = by_connection_.find(c.get());
    Member* member = it == by_connection_.end() ? nullptr : it->second;
    if (op == "run" && !member && !m.fds.empty() && !stopping_) {
      auto spec = spec_from_json(j.value("spec", json::object()).dump());
      if (!spec) return c->send(json{{"event", "exited"}, {"code", 125}, {"error", spec.error().message}, {"restart", false}});
      if (auto old = members_.find(spec->name); old != members_.end()) {
        if (!old->second->done())
          return c->send(json{{"event", "exited"}, {"code", 125}, {"error", spec->name + " is already running"}, {"restart", false}});
        retired_.push_back(std::move(old->second));  // its handlers may still be queued
      }
      int mntns = m.fds[0];
      for (size_t i = 1; i < m.fds.size(); ++i) ::close(m.fds[i]);
      m.fds.clear();
      auto created = std::make_unique<Member>(io_, std::move(*spec), j.value("init_argv", std::vector<std::string>{}),
                                              j.value("init_env", std::vector<std::string>{}), mntns, c);
      Member* raw = created.get();
      members_[raw->name()] = std::move(created);
      by_connection_[c.get()] = raw;
      raw->start();
      return;
    }
    for (int fd : m.fds) ::close(fd);
    if (!member) return;
    if (op == "go") member->go();
    else if (op == "restart") member->restart_agreed();
    else if (op == "stop") member->stop_for_good();
  }

  void wait_signal() {
    signals_.async_wait([this](const boost::system::error_code& ec, int signo) {
      if (ec) return;
      if (signo == SIGCHLD) reap();
      else if (signo == SIGTERM || signo == SIGINT) begin_stop();
      else forward(signo);
      wait_signal();
    });
  }

  // `racker kill -s HUP <machine>` reaches every service, as tini does.
  void forward(int signo) {
    for (auto& [name, m] : members_)
      if (m->pid() > 0) ::kill(m->pid(), signo);
  }

  void reap() {
    int status = 0;
    pid_t pid;
    while ((pid = ::waitpid(-1, &status, WNOHANG)) > 0)
      for (auto& [name, m] : members_)
        if (m->on_reaped(pid, status)) break;
    forget_done();
  }

  void forget_done() {
    for (auto it = by_connection_.begin(); it != by_connection_.end();)
      it = it->second->done() ? by_connection_.erase(it) : std::next(it);
  }

  // --- the stop sequence: one batch at a time, each member with its own
  // signal and grace; whatever is left afterwards gets SIGTERM, then SIGKILL.

  void begin_stop() {
    if (stopping_) return;
    stopping_ = true;
    listener_->close();
    std::vector<GroupMember> running;
    for (auto& [name, m] : members_) {
      m->stop_for_good();
      if (m->pid() > 0) running.push_back(m->stop_entry());
    }
    batches_ = group_stop_batches(std::move(running));
    next_batch();
  }

  bool running(const GroupMember& entry) {
    auto it = members_.find(entry.service);
    return it != members_.end() && it->second->pid() == entry.pid;
  }

  void next_batch() {
    if (batch_ < batches_.size()) {
      int grace = 0;
      for (const auto& m : batches_[batch_]) {
        ::kill(m.pid, m.signal);
        grace = std::max(grace, m.grace_seconds);
      }
      return wait_batch(Clock::now() + std::chrono::seconds(grace));
    }
    ::kill(-1, SIGTERM);  // what the services left behind
    wait_rest(Clock::now() + std::chrono::seconds(2), false);
  }

  void wait_batch(Clock::time_point deadline) {
    bool alive = false;
    for (const auto& m : batches_[batch_]) alive = alive || running(m);
    if (!alive) {
      ++batch_;
      return next_batch();
    }
    if (Clock::now() >= deadline)
      for (const auto& m : batches_[batch_])
        if (running(m)) ::kill(m.pid, SIGKILL);
    tick([this, deadline] { wait_batch(deadline); });
  }

  void wait_rest(Clock::time_point deadline, bool killed) {
    bool draining = false;
    for (auto& [name, m] : members_) draining = draining || (m->draining() && !m->done());
    if (!others_alive() && !draining) return io_.stop();
    if (!killed && Clock::now() >= deadline) {
      ::kill(-1, SIGKILL);
      killed = true;
    }
    tick([this, deadline, killed] { wait_rest(deadline, killed); });
  }

  template <typename F>
  void tick(F&& f) {
    timer_.expires_after(std::chrono::milliseconds(50));
    timer_.async_wait([f = std::forward<F>(f)](const boost::system::error_code& ec) {
      if (!ec) f();
    });
  }

  asio::io_context io_;
  asio::signal_set signals_;
  asio::steady_timer timer_;
  std::unique_ptr<asio::posix::stream_descriptor> listener_;
  std::map<std::string, std::unique_ptr<Member>> members_;
  std::vector<std::unique_ptr<Member>> retired_;
  std::map<Connection*, Member*> by_connection_;
  bool stopping_ = false;
  std::vector<std::vector<GroupMember>> batches_;
  size_t batch_ = 0;
};

}  // namespace

std::vector<std::vector<GroupMember>> group_stop_batches(std::vector<GroupMember> members) {
  std::map<int, std::vector<GroupMember>, std::greater<int>> by_order;
  for (auto& m : members) by_order[m.order].push_back(std::move(m));
  std::vector<std::vector<GroupMember>> out;
  for (auto& [order, batch] : by_order) {
    std::sort(batch.begin(), batch.end(), [](const auto& a, const auto& b) { return a.service < b.service; });
    out.push_back(std::move(batch));
  }
  return out;
}

int run_group_init() {
  GroupInit init;
  return init.run();
}

}  // namespace racker::runtime
