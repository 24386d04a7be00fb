#include "support/registry_proxy.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>

namespace racker::test {

RegistryProxy::RegistryProxy(int upstream_port) : upstream_port_(upstream_port) {
  listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  if (::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || ::listen(listen_fd_, 16) != 0 ||
      ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len) != 0)
    return;
  port_ = ntohs(addr.sin_port);
  acceptor_ = std::thread([this] { accept_loop(); });
}

RegistryProxy::~RegistryProxy() {
  stopping_ = true;
  if (listen_fd_ >= 0) ::shutdown(listen_fd_, SHUT_RDWR);
  if (acceptor_.joinable()) acceptor_.join();
  std::vector<std::thread> threads;
  {
    std::lock_guard<std::mutex> lock(mu_);
    threads.swap(threads_);
  }
  for (auto& t : threads) t.join();
  if (listen_fd_ >= 0) ::close(listen_fd_);
}

void RegistryProxy::hold_after(int64_t bytes) { budget_ = bytes; }
void RegistryProxy::release() { budget_ = -1; }
bool RegistryProxy::holding() const {
  int64_t budget = budget_;
  return budget >= 0 && forwarded_ >= budget;
}

void RegistryProxy::accept_loop() {
  for (;;) {
    int client = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (client < 0) return;
    std::lock_guard<std::mutex> lock(mu_);
    if (stopping_) {
      ::close(client);
      return;
    }
    threads_.emplace_back([this, client] { relay(client); });
  }
}

void RegistryProxy::relay(int client) {
  int upstream = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<uint16_t>(upstream_port_));
  if (::connect(upstream, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(upstream);
    ::close(client);
    return;
  }
  int now_open = ++open_;
  int seen = max_open_;
  while (now_open > seen && !max_open_.compare_exchange_weak(seen, now_open)) {
  }
  char buf[64 * 1024];
  bool done = false;
  while (!done && !stopping_) {
    int64_t budget = budget_;
    int64_t allowed = budget < 0 ? static_cast<int64_t>(sizeof buf) : std::min<int64_t>(sizeof buf, budget - forwarded_);
    pollfd fds[2] = {{client, POLLIN, 0}, {upstream, static_cast<short>(allowed > 0 ? POLLIN : 0), 0}};
    if (::poll(fds, 2, 50) < 0) break;
    if (fds[0].revents & (POLLIN | POLLHUP | POLLERR)) {
      ssize_t n = ::recv(client, buf, sizeof buf, 0);
      if (n <= 0 || ::send(upstream, buf, static_cast<size_t>(n), MSG_NOSIGNAL) != n) done = true;
    }
    if (!done && allowed > 0 && (fds[1].revents & (POLLIN | POLLHUP | POLLERR))) {
      ssize_t n = ::recv(upstream, buf, static_cast<size_t>(allowed), 0);
      if (n <= 0) {
        done = true;
      } else {
        forwarded_ += n;
        ssize_t sent = 0;
        while (sent < n) {
          ssize_t m = ::send(client, buf + sent, static_cast<size_t>(n - sent), MSG_NOSIGNAL);
          if (m <= 0) {
            done = true;
            break;
          }
          sent += m;
        }
      }
    }
  }
  --open_;
  ::close(upstream);
  ::close(client);
}

}  // namespace racker::test
