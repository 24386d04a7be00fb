#include "support/dns_test_client.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

namespace racker::test {
namespace {

struct Fd {
  int fd = -1;
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
};

bool set_timeout(int fd, int timeout_ms) {
  timeval tv{timeout_ms / 1000, (timeout_ms % 1000) * 1000};
  return ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv) == 0 &&
         ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv) == 0;
}

bool address_of(const std::string& address, uint16_t port, sockaddr_in* out) {
  *out = {};
  out->sin_family = AF_INET;
  out->sin_port = htons(port);
  return ::inet_pton(AF_INET, address.c_str(), &out->sin_addr) == 1;
}

bool read_all(int fd, uint8_t* buf, size_t n) {
  while (n > 0) {
    ssize_t r = ::read(fd, buf, n);
    if (r <= 0) return false;
    buf += r;
    n -= static_cast<size_t>(r);
  }
  return true;
}

}  // namespace

std::optional<std::vector<uint8_t>> dns_udp_exchange(const std::string& address, uint16_t port,
                                                     const std::vector<uint8_t>& query,
                                                     int timeout_ms) {
  sockaddr_in to;
  if (!address_of(address, port, &to)) return std::nullopt;
  Fd s{::socket(AF_INET, SOCK_DGRAM, 0)};
  if (s.fd < 0 || !set_timeout(s.fd, timeout_ms)) return std::nullopt;
  if (::sendto(s.fd, query.data(), query.size(), 0, reinterpret_cast<sockaddr*>(&to), sizeof to) < 0) {
    return std::nullopt;
  }
  std::vector<uint8_t> buf(65535);
  ssize_t n = ::recv(s.fd, buf.data(), buf.size(), 0);
  if (n < 0) return std::nullopt;
  buf.resize(static_cast<size_t>(n));
  return buf;
}

std::optional<std::vector<std::vector<uint8_t>>> dns_tcp_exchange(
    const std::string& address, uint16_t port, const std::vector<std::vector<uint8_t>>& queries,
    int timeout_ms) {
  sockaddr_in to;
  if (!address_of(address, port, &to)) return std::nullopt;
  Fd s{::socket(AF_INET, SOCK_STREAM, 0)};
  if (s.fd < 0 || !set_timeout(s.fd, timeout_ms)) return std::nullopt;
  if (::connect(s.fd, reinterpret_cast<sockaddr*>(&to), sizeof to) < 0) return std::nullopt;
  std::vector<uint8_t> out;
  for (const auto& q : queries) {
    out.push_back(static_cast<uint8_t>(q.size() >> 8));
    out.push_back(static_cast<uint8_t>(q.size() & 0xFF));
    out.insert(out.end(), q.begin(), q.end());
  }
  if (::write(s.fd, out.data(), out.size()) != static_cast<ssize_t>(out.size())) return std::nullopt;
  std::vector<std::vector<uint8_t>> replies;
  for (size_t i = 0; i < queries.size(); ++i) {
    uint8_t len[2];
    if (!read_all(s.fd, len, 2)) return std::nullopt;
    std::vector<uint8_t> reply((len[0] << 8) | len[1]);
    if (!read_all(s.fd, reply.data(), reply.size())) return std::nullopt;
    replies.push_back(std::move(reply));
  }
  return replies;
}

}  // namespace racker::test
