#include "support/netns_fixture.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <sstream>
#include <thread>

#include "racker/network/netns.h"
#include "racker/network/network_backend.h"

namespace racker::test {

namespace {

std::vector<std::string> sorted(std::vector<std::string> v) {
  std::sort(v.begin(), v.end());
  return v;
}

// Runs fn on a thread inside `netns`; false if the namespace cannot be entered.
template <class F>
bool in_netns_thread(const std::string& netns, F fn) {
  int fd = ::open(netns.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  bool entered = false;
  std::thread t([&] {
    if (::setns(fd, CLONE_NEWNET) != 0) return;
    entered = true;
    fn();
  });
  t.join();
  ::close(fd);
  return entered;
}

bool fill_addr(const std::string& address, int port, sockaddr_storage* ss, socklen_t* len) {
  std::memset(ss, 0, sizeof *ss);
  auto* v4 = reinterpret_cast<sockaddr_in*>(ss);
  auto* v6 = reinterpret_cast<sockaddr_in6*>(ss);
  if (inet_pton(AF_INET, address.c_str(), &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    v4->sin_port = htons(port);
    *len = sizeof *v4;
    return true;
  }
  if (inet_pton(AF_INET6, address.c_str(), &v6->sin6_addr) == 1) {
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(port);
    *len = sizeof *v6;
    return true;
  }
  return false;
}

std::string addr_text(const sockaddr_storage& ss) {
  char buf[INET6_ADDRSTRLEN] = {};
  if (ss.ss_family == AF_INET)
    inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in&>(ss).sin_addr, buf, sizeof buf);
  else
    inet_ntop(AF_INET6, &reinterpret_cast<const sockaddr_in6&>(ss).sin6_addr, buf, sizeof buf);
  return buf;
}

// `text` without the `table <family> <name> { ... }` block, if present.
std::string without_table(const std::string& text, const std::string& header) {
  auto start = text.find(header);
  if (start == std::string::npos) return text;
  auto end = text.find("\n}\n", start);
  if (end == std::string::npos) return text.substr(0, start);
  return text.substr(0, start) + text.substr(end + 3);
}

std::string list_diff(const char* what, const std::vector<std::string>& a, const std::vector<std::string>& b) {
  std::string out;
  for (const auto& x : a)
    if (!std::binary_search(b.begin(), b.end(), x)) out += std::string(what) + " gone: " + x + "\n";
  for (const auto& x : b)
    if (!std::binary_search(a.begin(), a.end(), x)) out += std::string(what) + " new: " + x + "\n";
  return out;
}

std::vector<std::string> rk_only(const std::vector<std::string>& v) {
  std::vector<std::string> out;
  for (const auto& s : v)
    if (s.rfind("rk", 0) == 0) out.push_back(s);
  return out;
}

}  // namespace

bool is_root() { return ::geteuid() == 0; }


TestNetns::TestNetns(const std::string& dir, const std::string& name) : path_(dir + "/" + name) {
  ok_ = racker::network::create_netns(path_).ok();
}

TestNetns::~TestNetns() {
  if (ok_) (void)racker::network::delete_netns(path_).ok();
}

int run_in(const std::string& netns, const std::vector<std::string>& argv, std::chrono::milliseconds timeout,
           std::string* output) {
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  int fd = ::open(netns.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return -1;
  int pipefd[2];
  if (::pipe2(pipefd, O_CLOEXEC) != 0) {
    ::close(fd);
    return -1;
  }
  pid_t pid = ::fork();
  if (pid == 0) {
    // Only async-signal-safe calls between fork and exec.
    if (::setns(fd, CLONE_NEWNET) != 0) ::_exit(126);
    ::dup2(pipefd[1], 1);
    ::dup2(pipefd[1], 2);
    int devnull = ::open("/dev/null", O_RDONLY);
    if (devnull >= 0) ::dup2(devnull, 0);
    ::execv(args[0], args.data());
    ::_exit(127);
  }
  ::close(fd);
  ::close(pipefd[1]);
  if (pid < 0) {
    ::close(pipefd[0]);
    return -1;
  }
  std::string out;
  auto deadline = std::chrono::steady_clock::now() + timeout;
  bool timed_out = false;
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      timed_out = true;
      break;
    }
    pollfd p{pipefd[0], POLLIN, 0};
    int r = ::poll(&p, 1, static_cast<int>(left.count()));
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) continue;
    char buf[4096];
    ssize_t n = ::read(pipefd[0], buf, sizeof buf);
    if (n <= 0) break;  // EOF: the child closed its end (exited)
    out.append(buf, n);
  }
  ::close(pipefd[0]);
  if (timed_out) ::kill(pid, SIGKILL);
  int status = 0;
  ::waitpid(pid, &status, 0);
  if (output) *output = out;
  if (timed_out || !WIFEXITED(status)) return -1;
  return WEXITSTATUS(status);
}

bool ping_once(const std::string& netns, const std::string& address) {
  return run_in(netns, {"/bin/busybox", "ping", "-c1", "-W1", address}) == 0;
}

bool ping(const std::string& netns, const std::string& address) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(15);
  while (std::chrono::steady_clock::now() < deadline) {
    if (ping_once(netns, address)) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  return false;
}

bool tcp_connect(const std::string& netns, const std::string& address, int port, std::chrono::milliseconds timeout) {
  bool connected = false;
  in_netns_thread(netns, [&] {
    sockaddr_storage ss;
    socklen_t len;
    if (!fill_addr(address, port, &ss, &len)) return;
    int s = ::socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (s < 0) return;
    int r = ::connect(s, reinterpret_cast<sockaddr*>(&ss), len);
    if (r == 0) {
      connected = true;
    } else if (errno == EINPROGRESS) {
      pollfd p{s, POLLOUT, 0};
      if (::poll(&p, 1, static_cast<int>(timeout.count())) == 1) {
        int err = 0;
        socklen_t el = sizeof err;
        ::getsockopt(s, SOL_SOCKET, SO_ERROR, &err, &el);
        connected = err == 0;
      }
    }
    ::close(s);
  });
  return connected;
}

TcpListener::TcpListener(const std::string& netns, const std::string& address, int port) {
  thread_ = std::thread([this, netns, address, port] { run(netns, address, port); });
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (!ready_ && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
}

TcpListener::~TcpListener() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
}

std::vector<std::string> TcpListener::peers() const {
  std::lock_guard<std::mutex> lock(mu_);
  return peers_;
}

std::vector<std::string> TcpListener::wait_for_peers(std::size_t count, std::chrono::milliseconds timeout) const {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    auto seen = peers();
    if (seen.size() >= count || std::chrono::steady_clock::now() >= deadline) return seen;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

void TcpListener::run(const std::string& netns, const std::string& address, int port) {
  in_netns_thread(netns, [&] {
    sockaddr_storage ss;
    socklen_t len;
    int s = -1;
    if (fill_addr(address, port, &ss, &len)) s = ::socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int one = 1;
    if (s >= 0) ::setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (s >= 0 && ::bind(s, reinterpret_cast<sockaddr*>(&ss), len) == 0 && ::listen(s, 16) == 0) ok_ = true;
    ready_ = true;
    while (ok_ && !stop_) {
      pollfd p{s, POLLIN, 0};
      if (::poll(&p, 1, 50) != 1) continue;
      sockaddr_storage peer;
      socklen_t plen = sizeof peer;
      int c = ::accept4(s, reinterpret_cast<sockaddr*>(&peer), &plen, SOCK_CLOEXEC);
      if (c < 0) continue;
      {
        std::lock_guard<std::mutex> lock(mu_);
        peers_.push_back(addr_text(peer));
      }
      ::close(c);
    }
    if (s >= 0) ::close(s);
  });
  ready_ = true;
}

OutsideWorld::OutsideWorld(const std::string& dir, std::string host_address, std::string outside_address)
    : host_address_(std::move(host_address)), outside_address_(std::move(outside_address)) {
  char id[16];
  std::snprintf(id, sizeof id, "%04x", static_cast<unsigned>(::getpid()) & 0xffff);
  host_ifname_ = std::string("rktest-o") + id;
  ns_ = std::make_unique<TestNetns>(dir, "outside");
  if (!ns_->ok()) return;
  std::string out = shell_output("ip link add " + host_ifname_ + " type veth peer name eth0 netns " + ns_->path() +
                          " && ip addr add " + host_address_ + "/24 dev " + host_ifname_ + " && ip link set " +
                          host_ifname_ + " up && echo OK");
  if (out.find("OK") == std::string::npos) return;
  if (run_in(ns_->path(), {"/sbin/ip", "addr", "add", outside_address_ + "/24", "dev", "eth0"}) != 0) return;
  if (run_in(ns_->path(), {"/sbin/ip", "link", "set", "eth0", "up"}) != 0) return;
  ok_ = true;
}

OutsideWorld::~OutsideWorld() {
  shell_output("ip link del " + host_ifname_);
  ns_.reset();
}

HostSnapshot HostSnapshot::take() {
  HostSnapshot s;
  if (struct if_nameindex* list = ::if_nameindex()) {
    for (auto* i = list; i->if_index != 0; ++i) s.links.push_back(i->if_name);
    ::if_freenameindex(list);
  }
  s.links = sorted(s.links);
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator("/run/systemd/network", ec))
    s.units.push_back(e.path().filename().string());
  s.units = sorted(s.units);
  s.ruleset = without_table(shell_output("nft -s list ruleset"), "table inet racker_ports {");
  return s;
}

std::string HostSnapshot::diff(const HostSnapshot& a, const HostSnapshot& b) {
  std::string out = list_diff("link", a.links, b.links) + list_diff("unit", a.units, b.units);
  if (a.ruleset != b.ruleset) out += "nft ruleset before:\n" + a.ruleset + "nft ruleset after:\n" + b.ruleset;
  return out;
}

std::string HostSnapshot::racker_diff(const HostSnapshot& a, const HostSnapshot& b) {
  std::string out = list_diff("link", rk_only(a.links), rk_only(b.links)) + list_diff("unit", a.units, b.units);
  if (a.ruleset != b.ruleset) out += "nft ruleset before:\n" + a.ruleset + "nft ruleset after:\n" + b.ruleset;
  return out;
}

NetworkTestEnv::NetworkTestEnv(const std::string& backend) {
  auto set = [&](const char* name, const std::string& value) {
    const char* old = std::getenv(name);
    saved_.emplace_back(name, old ? std::optional<std::string>(old) : std::nullopt);
    if (value.empty())
      ::unsetenv(name);
    else
      ::setenv(name, value.c_str(), 1);
  };
  set("RACKER_ROOT", root_.path());
  set("RACKER_RUN", run_.path());
  set("RACKER_NETWORK_BACKEND", backend);
}

NetworkTestEnv::~NetworkTestEnv() {
  for (auto it = saved_.rbegin(); it != saved_.rend(); ++it) {
    if (it->second)
      ::setenv(it->first.c_str(), it->second->c_str(), 1);
    else
      ::unsetenv(it->first.c_str());
  }
}

std::string ensure_networkd() {
  if (racker::network::networkd_available()) return "";
  std::string out = shell_output(std::string(RACKER_SOURCE_DIR) + "/scripts/host-services");
  if (racker::network::networkd_available()) return "";
  return "systemd-networkd is not on the system bus and scripts/host-services could not start it: " + out;
}

}  // namespace racker::test
