// PortTopology: bridge, namespaces and echo servers for published-port tests.
#include "support/port_topology.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <set>
#include <sstream>

#include "support/container_harness.h"

namespace racker::test {
namespace {

constexpr char kPrefix[] = "rkpt-";
constexpr char kTablePrefix[] = "racker_ports_t";

std::string hex(unsigned long value) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%lx", value);
  return buf;
}

// The pid a "rkpt-<hexpid>-..." or "racker_ports_t<hexpid>" name was made by; 0 if none.
unsigned long owner_pid(const std::string& name, const std::string& prefix) {
  if (name.rfind(prefix, 0) != 0) return 0;
  std::string tag = name.substr(prefix.size());
  tag = tag.substr(0, tag.find('-'));
  if (tag.empty() || tag.find_first_not_of("0123456789abcdef") != std::string::npos) return 0;
  return std::stoul(tag, nullptr, 16);
}

std::vector<std::string> words_after(const std::string& text, const std::string& marker) {
  std::vector<std::string> out;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    size_t at = line.find(marker);
    if (at == std::string::npos) continue;
    std::string word = line.substr(at + marker.size());
    word = word.substr(0, word.find_first_of(" @:\n"));
    out.push_back(word);
  }
  return out;
}

// Removes what an earlier, killed run left behind.
void remove_stale() {
  std::string out;
  shell("ip -o link show", &out);
  for (const std::string& name : words_after(out, ": "))
    if (unsigned long pid = owner_pid(name, kPrefix); pid && !process_alive(static_cast<long>(pid))) shell("ip link del " + name);
  shell("ip netns list", &out);
  std::istringstream in(out);
  std::string line;
  while (std::getline(in, line)) {
    std::string name = line.substr(0, line.find(' '));
    if (unsigned long pid = owner_pid(name, kPrefix); pid && !process_alive(static_cast<long>(pid))) shell("ip netns del " + name);
  }
  shell("nft list tables", &out);
  for (const std::string& table : words_after(out, "table inet "))
    if (unsigned long pid = owner_pid(table, kTablePrefix); pid && !process_alive(static_cast<long>(pid))) shell("nft delete table inet " + table);
}

bool read_all(int fd, std::string& out, int timeout_ms) {
  char buf[512];
  while (out.size() < 4096) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, timeout_ms) <= 0) return false;
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0) return false;
    if (n == 0) return true;
    out.append(buf, static_cast<size_t>(n));
    if (out.find('\n') != std::string::npos) return true;
  }
  return true;
}

std::string peer_address(const sockaddr_in& a) {
  char buf[INET_ADDRSTRLEN] = "?";
  ::inet_ntop(AF_INET, &a.sin_addr, buf, sizeof buf);
  return buf;
}

sockaddr_in address_of(const std::string& ip, uint16_t port) {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  ::inet_pton(AF_INET, ip.c_str(), &a.sin_addr);
  return a;
}

}  // namespace

bool PortTopology::run(const std::string& command) {
  std::string out;
  if (shell(command, &out) == 0) return true;
  if (error_.empty()) error_ = command + ": " + out;
  return false;
}

PortTopology::PortTopology() {
  if (::geteuid() != 0) {
    error_ = "needs root";
    return;
  }
  remove_stale();
  std::string tag = hex(static_cast<unsigned long>(::getpid()));
  prefix_ = kPrefix + tag;
  ports_table_ = kTablePrefix + tag;

  // A /24 and a /32 nobody routes yet.
  std::string routes, addresses;
  shell("ip -4 route show table all", &routes);
  shell("ip -4 -o addr show", &addresses);
  int n = 0;
  for (int i = 0; i < 250 && n == 0; ++i) {
    int candidate = 1 + (::getpid() + i) % 250;
    std::string a = "10.213." + std::to_string(candidate) + ".", b = "10.214." + std::to_string(candidate) + ".";
    if (routes.find(a) == std::string::npos && routes.find(b) == std::string::npos &&
        addresses.find(a) == std::string::npos && addresses.find(b) == std::string::npos)
      n = candidate;
  }
  if (n == 0) {
    error_ = "no free 10.213.N.0/24 subnet";
    return;
  }
  subnet_ = "10.213." + std::to_string(n) + ".";
  gateway_ = subnet_ + "1";
  host_address_ = "10.214." + std::to_string(n) + ".1";

  bridge_ = prefix_ + "-b";
  host_veth_ = prefix_ + "-h";
  if (!run("ip link add " + bridge_ + " type bridge") || !run("ip addr add " + gateway_ + "/24 dev " + bridge_) ||
      !run("ip link set " + bridge_ + " up"))
    return;
  if (!run("ip link add " + host_veth_ + " type veth peer name " + prefix_ + "-g") ||
      !run("ip addr add " + host_address_ + "/32 dev " + host_veth_) || !run("ip link set " + host_veth_ + " up") ||
      !run("ip link set " + prefix_ + "-g up"))
    return;

  std::ifstream forward("/proc/sys/net/ipv4/ip_forward");
  char c = '1';
  forward >> c;
  if (c == '0') {
    forward_was_off_ = true;
    std::ofstream("/proc/sys/net/ipv4/ip_forward") << "1";
  }
}

PortTopology::~PortTopology() {
  if (prefix_.empty()) return;
  for (const Namespace& ns : namespaces_) {
    shell("ip netns del " + ns.name);
    shell("ip link del " + ns.port);  // gone with the namespace unless that failed
  }
  shell("ip link del " + host_veth_);
  shell("ip link del " + bridge_);
  if (shell("nft list table inet " + ports_table_ + " >/dev/null") == 0) shell("nft delete table inet " + ports_table_);
  if (forward_was_off_) std::ofstream("/proc/sys/net/ipv4/ip_forward") << "0";
}

PortTopology::Namespace PortTopology::add_namespace() {
  if (!ok()) return {};
  size_t i = namespaces_.size();
  Namespace ns{prefix_ + "-n" + std::to_string(i), subnet_ + std::to_string(i + 2), prefix_ + "-v" + std::to_string(i)};
  namespaces_.push_back(ns);  // cleaned up even if a step below fails
  bool built = run("ip netns add " + ns.name) &&
               run("ip link add " + ns.port + " type veth peer name eth0 netns " + ns.name) &&
               run("ip link set " + ns.port + " master " + bridge_) &&
               run("ip link set " + ns.port + " type bridge_slave hairpin on") &&
               run("ip link set " + ns.port + " up") && run("ip -n " + ns.name + " link set lo up") &&
               run("ip -n " + ns.name + " addr add " + ns.address + "/24 dev eth0") &&
               run("ip -n " + ns.name + " link set eth0 up") &&
               run("ip -n " + ns.name + " route add default via " + gateway_);
  return built ? ns : Namespace{};
}

int PortTopology::socket_in(const std::string& ns, int domain, int type) const {
  int fd = -1;
  // Network namespaces are per thread: switch a throwaway thread, not ours.
  std::thread worker([&] {
    int nsfd = ::open(("/run/netns/" + ns).c_str(), O_RDONLY | O_CLOEXEC);
    if (nsfd < 0) return;
    if (::setns(nsfd, CLONE_NEWNET) == 0) fd = ::socket(domain, type | SOCK_CLOEXEC, 0);
    ::close(nsfd);
  });
  worker.join();
  return fd;
}

EchoServer::EchoServer(int fd, Kind kind, uint16_t port) : fd_(fd), stop_fd_(::eventfd(0, EFD_CLOEXEC)), kind_(kind) {
  if (fd_ < 0) {
    error_ = "no socket";
    return;
  }
  int one = 1;
  ::setsockopt(fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in a = address_of("0.0.0.0", port);
  if (::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 ||
      (kind_ == Kind::kTcp && ::listen(fd_, 16) != 0)) {
    error_ = std::string("cannot serve port ") + std::to_string(port) + ": " + strerror(errno);
    return;
  }
  thread_ = std::thread([this] { serve(); });
}

EchoServer::~EchoServer() {
  if (thread_.joinable()) {
    uint64_t one = 1;
    (void)!::write(stop_fd_, &one, sizeof one);
    thread_.join();
  }
  if (fd_ >= 0) ::close(fd_);
  ::close(stop_fd_);
}

void EchoServer::serve() {
  while (true) {
    pollfd p[2] = {{fd_, POLLIN, 0}, {stop_fd_, POLLIN, 0}};
    if (::poll(p, 2, -1) < 0) {
      if (errno == EINTR) continue;
      return;
    }
    if (p[1].revents) return;
    if (!(p[0].revents & POLLIN)) continue;
    sockaddr_in peer{};
    socklen_t length = sizeof peer;
    if (kind_ == Kind::kUdp) {
      char buf[512];
      ssize_t n = ::recvfrom(fd_, buf, sizeof buf, 0, reinterpret_cast<sockaddr*>(&peer), &length);
      if (n < 0) continue;
      std::string reply = std::string(buf, static_cast<size_t>(n)) + " from " + peer_address(peer);
      ::sendto(fd_, reply.data(), reply.size(), 0, reinterpret_cast<sockaddr*>(&peer), length);
      continue;
    }
    int conn = ::accept4(fd_, reinterpret_cast<sockaddr*>(&peer), &length, SOCK_CLOEXEC);
    if (conn < 0) continue;
    std::string line;
    read_all(conn, line, 3000);
    line = line.substr(0, line.find('\n'));
    std::string reply = line + " from " + peer_address(peer) + "\n";
    (void)!::write(conn, reply.data(), reply.size());
    ::close(conn);
  }
}

std::string tcp_ask(const std::string& ip, uint16_t port, const std::string& line, std::string* why, int fd) {
  if (fd < 0) fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  struct Closer {
    int fd;
    ~Closer() { ::close(fd); }
  } closer{fd};
  int flags = ::fcntl(fd, F_GETFL);
  ::fcntl(fd, F_SETFL, flags | O_NONBLOCK);
  sockaddr_in a = address_of(ip, port);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 && errno != EINPROGRESS) {
    *why = std::string("connect: ") + strerror(errno);
    return "";
  }
  pollfd p{fd, POLLOUT, 0};
  if (::poll(&p, 1, 3000) <= 0) {
    *why = "connect: no answer";
    return "";
  }
  int err = 0;
  socklen_t length = sizeof err;
  ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &length);
  if (err != 0) {
    *why = std::string("connect: ") + strerror(err);
    return "";
  }
  ::fcntl(fd, F_SETFL, flags);
  std::string request = line + "\n";
  if (::write(fd, request.data(), request.size()) != static_cast<ssize_t>(request.size())) {
    *why = "write failed";
    return "";
  }
  std::string answer;
  if (!read_all(fd, answer, 3000) || answer.empty()) {
    *why = "no reply";
    return "";
  }
  return answer.substr(0, answer.find('\n'));
}

std::string udp_ask(const std::string& ip, uint16_t port, const std::string& line, std::string* why, int fd) {
  if (fd < 0) fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  struct Closer {
    int fd;
    ~Closer() { ::close(fd); }
  } closer{fd};
  sockaddr_in a = address_of(ip, port);
  for (int attempt = 0; attempt < 3; ++attempt) {  // datagrams may be lost
    if (::sendto(fd, line.data(), line.size(), 0, reinterpret_cast<sockaddr*>(&a), sizeof a) < 0) {
      *why = std::string("sendto: ") + strerror(errno);
      return "";
    }
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 1000) <= 0) continue;
    char buf[512];
    ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n > 0) return std::string(buf, static_cast<size_t>(n));
    *why = std::string("recv: ") + strerror(errno);  // e.g. port unreachable
    return "";
  }
  *why = "no reply";
  return "";
}

}  // namespace racker::test
