// The host DNS daemon as a process: running it in the foreground with
// signals, starting it detached (ensure_dns_daemon) and waiting until a
// gateway answers (wait_dns_ready). See dns_daemon.h.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <functional>
#include <span>
#include <cstring>
#include <filesystem>
#include <random>
#include <thread>

#include <boost/asio/signal_set.hpp>
#include <spdlog/spdlog.h>

#include "racker/network/dns_daemon.h"
#include "racker/network/dns_message.h"

namespace racker::network {

namespace {

std::string errno_message(int err) { return std::strerror(err); }

// True when some process holds `path`'s flock. Probing takes the lock for an
// instant when it is free; the daemon's own lock() waits out such probes.
bool lock_held(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) return false;
  bool held = false;
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) held = errno == EWOULDBLOCK;
  else ::flock(fd, LOCK_UN);
  ::close(fd);
  return held;
}

// After fork(): only async-signal-safe calls from here to exec.
[[noreturn]] void exec_detached(const char* binary, char* const argv[], int null_fd, int log_fd, int max_fd) {
  if (::setsid() < 0) ::_exit(126);
  pid_t pid = ::fork();
  if (pid != 0) ::_exit(pid < 0 ? 126 : 0);  // the middle process: the daemon is orphaned at once
  ::dup2(null_fd, STDIN_FILENO);
  ::dup2(log_fd, STDOUT_FILENO);
  ::dup2(log_fd, STDERR_FILENO);
#ifdef SYS_close_range
  if (::syscall(SYS_close_range, 3U, ~0U, 0U) != 0)
#endif
    for (int fd = 3; fd < max_fd; ++fd) ::close(fd);
  sigset_t none;
  ::sigemptyset(&none);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);
  for (int sig : {SIGTERM, SIGINT, SIGHUP, SIGPIPE, SIGCHLD}) ::signal(sig, SIG_DFL);
  ::execv(binary, argv);
  ::_exit(127);
}

}  // namespace

int run_dns_daemon_foreground(DnsDaemonOptions options) {
  ::signal(SIGPIPE, SIG_IGN);
  ::signal(SIGHUP, SIG_IGN);
  boost::asio::io_context io;
  boost::asio::signal_set signals(io, SIGTERM, SIGINT);
  auto user_exit = std::move(options.on_exit);
  options.on_exit = [&] {
    boost::system::error_code ignored;
    signals.cancel(ignored);
    if (user_exit) user_exit();
  };
  DnsDaemon daemon(io, std::move(options));
  Status started = daemon.start();
  if (!started) {
    if (started.error().code == Errc::kConflict) {
      spdlog::info("dns daemon: {}; not starting a second one", started.error().message);
      return 0;
    }
    spdlog::error("dns daemon: {}", started.error().to_string());
    return 1;
  }
  spdlog::info("dns daemon: started (pid {})", ::getpid());
  signals.async_wait([&](boost::system::error_code ec, int sig) {
    if (ec) return;
    spdlog::info("dns daemon: signal {}, stopping", sig);
    daemon.stop();
  });
  io.run();
  spdlog::info("dns daemon: stopped");
  return 0;
}

Status ensure_dns_daemon(const std::string& racker_binary) {
  std::string lock_path = dns_lock_path();
  std::string run_dir = std::filesystem::path(lock_path).parent_path().string();
  std::error_code ec;
  std::filesystem::create_directories(run_dir, ec);
  if (ec) return Error(Errc::kIo, "cannot create " + run_dir + ": " + ec.message());
  if (lock_held(lock_path)) return ok_status();

  std::string log_path = run_dir + "/dns.log";
  int null_fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  if (null_fd < 0) return Error(Errc::kIo, "cannot open /dev/null: " + errno_message(errno));
  int log_fd = ::open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (log_fd < 0) {
    int err = errno;
    ::close(null_fd);
    return Error(Errc::kIo, "cannot open " + log_path + ": " + errno_message(err));
  }
  // Everything the child needs is prepared before fork().
  std::string a0 = racker_binary, a1 = "system", a2 = "dns-daemon";
  char* argv[] = {a0.data(), a1.data(), a2.data(), nullptr};
  struct rlimit rl {};
  int max_fd = ::getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY
                   ? static_cast<int>(std::min<rlim_t>(rl.rlim_cur, 65536))
                   : 65536;

  pid_t pid = ::fork();
  if (pid == 0) exec_detached(a0.c_str(), argv, null_fd, log_fd, max_fd);
  int err = errno;
  ::close(null_fd);
  ::close(log_fd);
  if (pid < 0) return Error(Errc::kIo, "fork: " + errno_message(err));
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
    return Error(Errc::kIo, "could not start the DNS daemon (setsid/fork failed)");

  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (std::chrono::steady_clock::now() < deadline) {
    if (lock_held(lock_path)) return ok_status();
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return Error(Errc::kTimeout, "the DNS daemon did not start within 5 s; see " + log_path);
}

namespace {

// A UDP socket connected to gateway:port, so only the gateway's answers
// arrive (and refusals show up as ECONNREFUSED, which just means "not yet").
Result<int> connected_dns_socket(const std::string& gateway, uint16_t port) {
  sockaddr_storage to{};
  socklen_t to_len = 0;
  int family = AF_INET;
  if (auto* v4 = reinterpret_cast<sockaddr_in*>(&to); ::inet_pton(AF_INET, gateway.c_str(), &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    v4->sin_port = htons(port);
    to_len = sizeof *v4;
  } else if (auto* v6 = reinterpret_cast<sockaddr_in6*>(&to);
             ::inet_pton(AF_INET6, gateway.c_str(), &v6->sin6_addr) == 1) {
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(port);
    to_len = sizeof *v6;
    family = AF_INET6;
  } else {
    return Error(Errc::kInvalidArgument, "not an IP address: " + gateway);
  }
  int fd = ::socket(family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return Error(Errc::kIo, "socket: " + errno_message(errno));
  if (::connect(fd, reinterpret_cast<sockaddr*>(&to), to_len) != 0) {
    int err = errno;
    ::close(fd);
    return Error(Errc::kIo, "connect to " + gateway + ": " + errno_message(err));
  }
  timeval tv{0, 100 * 1000};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  return fd;
}

// Sends `query` every 100 ms until a reply with its ID satisfies `done`.
bool ask_until(int fd, const std::vector<uint8_t>& query, std::chrono::milliseconds timeout,
               const std::function<bool(std::span<const uint8_t>)>& done) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  uint8_t buf[1500];
  do {
    (void)::send(fd, query.data(), query.size(), 0);
    ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n >= 12 && buf[0] == query[0] && buf[1] == query[1] && (buf[2] & 0x80) &&
        done(std::span<const uint8_t>(buf, static_cast<size_t>(n))))
      return true;
    if (n >= 0 || errno == ECONNREFUSED) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  } while (std::chrono::steady_clock::now() < deadline);
  return false;
}

}  // namespace

Status wait_dns_ready(const std::string& gateway, std::chrono::milliseconds timeout, uint16_t port) {
  auto fd = connected_dns_socket(gateway, port);
  if (!fd) return fd.error();
  // A query for "racker-probe." A: a single unknown label, which the server
  // answers itself (NXDOMAIN) without asking upstream.
  uint16_t id = static_cast<uint16_t>(std::random_device{}());
  std::vector<uint8_t> q = {static_cast<uint8_t>(id >> 8), static_cast<uint8_t>(id & 0xFF), 0x01, 0x00, 0, 1, 0, 0,
                            0, 0, 0, 0};
  const std::string label = "racker-probe";
  q.push_back(static_cast<uint8_t>(label.size()));
  q.insert(q.end(), label.begin(), label.end());
  for (uint8_t b : {0, 0, 1, 0, 1}) q.push_back(b);  // root, type A, class IN
  bool answered = ask_until(*fd, q, timeout, [](std::span<const uint8_t>) { return true; });
  ::close(*fd);
  if (answered) return ok_status();
  return Error(Errc::kTimeout, "no DNS server answered on " + gateway + ":" + std::to_string(port));
}

Status wait_dns_answers(const std::string& gateway, const std::string& name, const std::string& address,
                        std::chrono::milliseconds timeout, uint16_t port) {
  boost::system::error_code ec;
  auto expected = boost::asio::ip::make_address(address, ec);
  if (ec) return Error(Errc::kInvalidArgument, "not an IP address: " + address);
  auto fd = connected_dns_socket(gateway, port);
  if (!fd) return fd.error();
  auto q = build_dns_address_query(name, expected, static_cast<uint16_t>(std::random_device{}()));
  bool answered = ask_until(*fd, q, timeout, [&](std::span<const uint8_t> reply) {
    for (const auto& a : dns_reply_addresses(reply))
      if (a == expected) return true;
    return false;
  });
  ::close(*fd);
  if (answered) return ok_status();
  return Error(Errc::kTimeout, "the DNS server on " + gateway + ":" + std::to_string(port) + " does not know " + name +
                                   " as " + address + " yet");
}

}  // namespace racker::network
