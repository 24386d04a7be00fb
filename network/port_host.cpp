// SystemHostPorts: asks the kernel whether a host port is free by binding it.
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <utility>

#include "racker/network/port_host.h"

namespace racker::network {
namespace {

// Owns one socket descriptor.
class Socket {
 public:
  Socket() = default;
  explicit Socket(int fd) : fd_(fd) {}
  Socket(Socket&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  Socket& operator=(Socket&& other) noexcept {
    std::swap(fd_, other.fd_);
    return *this;
  }
  ~Socket() {
    if (fd_ >= 0) ::close(fd_);
  }
  int fd() const { return fd_; }

 private:
  int fd_ = -1;
};

Error from_errno(int err) {
  // EADDRINUSE is the one answer that means "someone has it".
  return Error(err == EADDRINUSE ? Errc::kConflict : Errc::kIo, strerror(err));
}

// Binds a fresh socket to host_ip:port (port 0: the kernel picks one from
// ip_local_port_range) and returns it still open.
Result<Socket> bind_socket(const std::string& host_ip, bool ipv6, uint16_t port, Protocol protocol) {
  int type = (protocol == Protocol::kTcp ? SOCK_STREAM : SOCK_DGRAM) | SOCK_CLOEXEC;
  Socket sock(::socket(ipv6 ? AF_INET6 : AF_INET, type, 0));
  if (sock.fd() < 0) return from_errno(errno);
  int one = 1;
  // TCP: TIME_WAIT leftovers of earlier connections do not make a port busy;
  // a live listener still does (at bind or at listen).
  if (protocol == Protocol::kTcp) ::setsockopt(sock.fd(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  sockaddr_storage storage{};
  socklen_t length;
  if (ipv6) {
    ::setsockopt(sock.fd(), IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
    auto* a = reinterpret_cast<sockaddr_in6*>(&storage);
    a->sin6_family = AF_INET6;
    a->sin6_port = htons(port);
    a->sin6_addr = in6addr_any;
    if (!host_ip.empty() && inet_pton(AF_INET6, host_ip.c_str(), &a->sin6_addr) != 1)
      return Error(Errc::kInvalidArgument, "invalid IP address: " + host_ip);
    length = sizeof(sockaddr_in6);
  } else {
    auto* a = reinterpret_cast<sockaddr_in*>(&storage);
    a->sin_family = AF_INET;
    a->sin_port = htons(port);
    a->sin_addr.s_addr = htonl(INADDR_ANY);
    if (!host_ip.empty() && inet_pton(AF_INET, host_ip.c_str(), &a->sin_addr) != 1)
      return Error(Errc::kInvalidArgument, "invalid IP address: " + host_ip);
    length = sizeof(sockaddr_in);
  }
  if (::bind(sock.fd(), reinterpret_cast<sockaddr*>(&storage), length) != 0) return from_errno(errno);
  return sock;
}

}  // namespace

Status SystemHostPorts::try_bind(const std::string& host_ip, bool ipv6, uint16_t port, Protocol protocol) {
  auto sock = bind_socket(host_ip, ipv6, port, protocol);
  if (!sock) return sock.error();
  if (protocol == Protocol::kTcp && ::listen(sock->fd(), 1) != 0) return from_errno(errno);
  return ok_status();
}

Result<uint16_t> SystemHostPorts::pick_ephemeral(const std::string& host_ip, bool ipv6, Protocol protocol) {
  auto sock = bind_socket(host_ip, ipv6, 0, protocol);
  if (!sock) return sock.error();
  sockaddr_storage storage{};
  socklen_t length = sizeof(storage);
  if (::getsockname(sock->fd(), reinterpret_cast<sockaddr*>(&storage), &length) != 0) return from_errno(errno);
  if (storage.ss_family == AF_INET6) return ntohs(reinterpret_cast<sockaddr_in6*>(&storage)->sin6_port);
  return ntohs(reinterpret_cast<sockaddr_in*>(&storage)->sin_port);
}

}  // namespace racker::network
