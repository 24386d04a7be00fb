#include "racker/network/dns_server.h"

#include <netinet/in.h>
#include <sys/socket.h>

#include <algorithm>
#include <array>
#include <deque>
#include <optional>
#include <unordered_set>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ip/udp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <spdlog/spdlog.h>

namespace racker::network {

namespace asio = boost::asio;
using asio::ip::tcp;
using asio::ip::udp;
using boost::system::error_code;

namespace {

// Lets the server bind the gateway address before networkd has finished
// configuring the bridge (the address appears a moment later).
void set_freebind(int fd, bool v6) {
  int one = 1;
  if (v6) {
#ifdef IPV6_FREEBIND
    ::setsockopt(fd, IPPROTO_IPV6, IPV6_FREEBIND, &one, sizeof one);
#endif
  } else {
    ::setsockopt(fd, IPPROTO_IP, IP_FREEBIND, &one, sizeof one);
  }
}

Error socket_error(const std::string& what, const error_code& ec) {
  Errc code = ec == asio::error::address_in_use ? Errc::kConflict : Errc::kIo;
  return Error(code, what + ": " + ec.message());
}

}  // namespace

class TcpSession;

class DnsServer::Impl : public std::enable_shared_from_this<DnsServer::Impl> {
 public:
  Impl(asio::io_context& io, DnsRecords& records, DnsServerOptions options)
      : io_(io),
        options_(std::move(options)),
        handler_(records, options_.zone),
        udp_(io),
        acceptor_(io) {}

  Status bind();
  void begin() {
    arm_udp();
    accept();
  }
  void stop();

  // Answers or forwards one TCP frame for `session`.
  void on_tcp_message(const std::shared_ptr<TcpSession>& session, std::vector<uint8_t> message);
  void forget(TcpSession* session) { sessions_.erase(session); }

  asio::io_context& io() { return io_; }
  bool stopped() const { return stopped_; }
  const DnsServerOptions& options() const { return options_; }
  uint16_t port() const { return port_; }
  DnsServerStats stats() const { return stats_; }

 private:
  Status bind_udp(uint16_t port);
  Status bind_tcp(uint16_t port);
  void arm_udp();
  void drain_udp();
  void on_udp_message(std::span<const uint8_t> message, const udp::endpoint& from);
  void send_udp(const std::vector<uint8_t>& reply, const udp::endpoint& to);
  void accept();

  asio::io_context& io_;
  DnsServerOptions options_;
  DnsHandler handler_;
  std::unique_ptr<DnsForwarder> forwarder_;  // made once the port is known
  udp::socket udp_;
  tcp::acceptor acceptor_;
  uint16_t port_ = 0;
  bool stopped_ = false;
  DnsServerStats stats_;
  std::array<uint8_t, 65535> udp_buffer_{};
  std::unordered_map<TcpSession*, std::shared_ptr<TcpSession>> sessions_;

  friend class TcpSession;
};

// One client connection: reads length-prefixed queries, writes answers in
// the order they are ready.
class TcpSession : public std::enable_shared_from_this<TcpSession> {
 public:
  TcpSession(std::shared_ptr<DnsServer::Impl> server, tcp::socket socket)
      : server_(std::move(server)), socket_(std::move(socket)), idle_(server_->io()) {}

  void start() {
    error_code ec;
    auto peer = socket_.remote_endpoint(ec);
    if (!ec) peer_ = peer.address();
    touch();
    read_length();
  }

  const std::optional<asio::ip::address>& peer() const { return peer_; }

  void send(std::vector<uint8_t> reply) {
    if (closed_ || reply.empty() || reply.size() > 65535) return;
    std::vector<uint8_t> framed(reply.size() + 2);
    framed[0] = static_cast<uint8_t>(reply.size() >> 8);
    framed[1] = static_cast<uint8_t>(reply.size() & 0xFF);
    std::copy(reply.begin(), reply.end(), framed.begin() + 2);
    queue_.push_back(std::move(framed));
    if (queue_.size() == 1) write_next();
  }

  void close() {
    if (closed_) return;
    closed_ = true;
    error_code ignored;
    socket_.shutdown(tcp::socket::shutdown_both, ignored);
    socket_.close(ignored);
    idle_.cancel();
    server_->forget(this);
  }

  bool closed() const { return closed_; }

 private:
  void touch() {
    idle_.expires_after(server_->options().tcp_idle_timeout);
    idle_.async_wait([self = shared_from_this()](error_code ec) {
      if (!ec) self->close();
    });
  }

  void read_length() {
    asio::async_read(socket_, asio::buffer(length_),
                     [self = shared_from_this()](error_code ec, size_t) {
                       if (ec || self->closed_ || self->server_->stopped()) return self->close();
                       size_t n = (size_t{self->length_[0]} << 8) | self->length_[1];
                       if (n == 0) return self->close();
                       self->read_body(n);
                     });
  }

  void read_body(size_t n) {
    auto message = std::make_shared<std::vector<uint8_t>>(n);
    asio::async_read(socket_, asio::buffer(*message),
                     [self = shared_from_this(), message](error_code ec, size_t) {
                       if (ec || self->closed_ || self->server_->stopped()) return self->close();
                       self->touch();
                       self->server_->on_tcp_message(self, std::move(*message));
                       if (!self->closed_) self->read_length();
                     });
  }

  void write_next() {
    asio::async_write(socket_, asio::buffer(queue_.front()),
                      [self = shared_from_this()](error_code ec, size_t) {
                        if (ec || self->closed_) return self->close();
                        self->queue_.pop_front();
                        if (!self->queue_.empty()) self->write_next();
                      });
  }

  std::shared_ptr<DnsServer::Impl> server_;
  tcp::socket socket_;
  std::optional<asio::ip::address> peer_;
  asio::steady_timer idle_;
  std::array<uint8_t, 2> length_{};
  std::deque<std::vector<uint8_t>> queue_;
  bool closed_ = false;
};

Status DnsServer::Impl::bind_udp(uint16_t port) {
  error_code ec;
  udp::endpoint at(options_.address, port);
  udp_.open(at.protocol(), ec);
  if (ec) return socket_error("udp socket", ec);
  set_freebind(udp_.native_handle(), at.address().is_v6());
  udp_.bind(at, ec);
  if (ec) {
    error_code ignored;
    udp_.close(ignored);
    return socket_error("bind udp " + at.address().to_string() + ":" + std::to_string(port), ec);
  }
  udp_.non_blocking(true, ec);
  if (ec) return socket_error("udp socket", ec);
  port_ = udp_.local_endpoint(ec).port();
  return ok_status();
}

Status DnsServer::Impl::bind_tcp(uint16_t port) {
  error_code ec;
  tcp::endpoint at(options_.address, port);
  acceptor_.open(at.protocol(), ec);
  if (ec) return socket_error("tcp socket", ec);
  acceptor_.set_option(tcp::acceptor::reuse_address(true), ec);
  set_freebind(acceptor_.native_handle(), at.address().is_v6());
  acceptor_.bind(at, ec);
  if (!ec) acceptor_.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    error_code ignored;
    acceptor_.close(ignored);
    return socket_error("bind tcp " + at.address().to_string() + ":" + std::to_string(port), ec);
  }
  return ok_status();
}

Status DnsServer::Impl::bind() {
  // With port 0 the kernel picks the UDP port; TCP must get the same one,
  // which may be taken: try a few times.
  for (int attempt = 0;; ++attempt) {
    Status udp = bind_udp(options_.port);
    if (!udp) return udp;
    Status tcp = bind_tcp(port_);
    if (tcp) break;
    error_code ignored;
    udp_.close(ignored);
    if (options_.port != 0 || tcp.error().code != Errc::kConflict || attempt == 20) return tcp;
  }
  // Never forward to ourselves.
  auto& ups = options_.forwarder.upstreams;
  udp::endpoint self_ep(options_.address, port_);
  ups.erase(std::remove(ups.begin(), ups.end(), self_ep), ups.end());
  forwarder_ = std::make_unique<DnsForwarder>(io_, options_.forwarder);
  return ok_status();
}

void DnsServer::Impl::arm_udp() {
  udp_.async_wait(udp::socket::wait_read, [self = shared_from_this()](error_code ec) {
    if (self->stopped_) return;
    if (ec) {
      if (ec == asio::error::operation_aborted) return;
      spdlog::warn("dns {}: udp wait: {}", self->options_.zone.network, ec.message());
      return self->arm_udp();
    }
    self->drain_udp();
  });
}

// Reads what is queued without going back to the reactor for each datagram.
// The socket is drained until it would block before waiting again: the
// reactor only reports new arrivals, so datagrams left behind would sit until
// the next one came. After a batch, other handlers (listeners sharing the
// loop, forwarded replies) get a turn first.
void DnsServer::Impl::drain_udp() {
  for (int i = 0; i < 64; ++i) {
    if (stopped_) return;
    udp::endpoint from;
    error_code ec;
    size_t n = udp_.receive_from(asio::buffer(udp_buffer_), from, 0, ec);
    if (ec == asio::error::would_block || ec == asio::error::try_again) return arm_udp();
    if (ec) return arm_udp();  // a transient error: wait for the next datagram
    on_udp_message(std::span<const uint8_t>(udp_buffer_.data(), n), from);
  }
  asio::post(io_, [self = shared_from_this()] {
    if (!self->stopped_) self->drain_udp();
  });
}

void DnsServer::Impl::on_udp_message(std::span<const uint8_t> message, const udp::endpoint& from) {
  ++stats_.queries;
  DnsDecision d = handler_.handle(message, DnsTransport::kUdp, from.address());
  switch (d.kind) {
    case DnsDecision::Kind::kDrop:
      ++stats_.dropped;
      return;
    case DnsDecision::Kind::kReply:
      ++stats_.local;
      return send_udp(d.reply, from);
    case DnsDecision::Kind::kForward:
      break;
  }
  ++stats_.forwarded;
  size_t question_end = d.query.question_end;
  forwarder_->forward(std::vector<uint8_t>(message.begin(), message.end()), question_end, false,
                     [self = shared_from_this(), query = std::move(d.query),
                      from](Result<std::vector<uint8_t>> r) {
                       if (self->stopped_) return;
                       if (!r) {
                         ++self->stats_.servfail;
                         spdlog::debug("dns {}: forwarding {}: {}", self->options_.zone.network,
                                       query.name, r.error().message);
                         return self->send_udp(self->handler_.servfail(query, DnsTransport::kUdp), from);
                       }
                       self->send_udp(self->handler_.relay(query, std::move(*r), DnsTransport::kUdp),
                                      from);
                     });
}

void DnsServer::Impl::send_udp(const std::vector<uint8_t>& reply, const udp::endpoint& to) {
  if (reply.empty() || stopped_) return;
  error_code ec;
  udp_.send_to(asio::buffer(reply), to, 0, ec);  // non-blocking: dropped if it would block
}

void DnsServer::Impl::accept() {
  acceptor_.async_accept([self = shared_from_this()](error_code ec, tcp::socket socket) {
    if (self->stopped_) return;
    if (!ec) {
      if (self->sessions_.size() >= self->options_.max_tcp_connections) {
        error_code ignored;
        socket.close(ignored);
      } else {
        auto session = std::make_shared<TcpSession>(self, std::move(socket));
        self->sessions_.emplace(session.get(), session);
        session->start();
      }
    } else if (ec == asio::error::operation_aborted) {
      return;
    }
    self->accept();
  });
}

void DnsServer::Impl::on_tcp_message(const std::shared_ptr<TcpSession>& session,
                                     std::vector<uint8_t> message) {
  ++stats_.queries;
  DnsDecision d = handler_.handle(message, DnsTransport::kTcp, session->peer());
  switch (d.kind) {
    case DnsDecision::Kind::kDrop:
      ++stats_.dropped;
      return;
    case DnsDecision::Kind::kReply:
      ++stats_.local;
      return session->send(std::move(d.reply));
    case DnsDecision::Kind::kForward:
      break;
  }
  ++stats_.forwarded;
  size_t question_end = d.query.question_end;
  forwarder_->forward(std::move(message), question_end, true,
                     [self = shared_from_this(), query = std::move(d.query),
                      weak = std::weak_ptr<TcpSession>(session)](Result<std::vector<uint8_t>> r) {
                       auto session = weak.lock();
                       if (self->stopped_ || !session || session->closed()) return;
                       if (!r) {
                         ++self->stats_.servfail;
                         return session->send(self->handler_.servfail(query, DnsTransport::kTcp));
                       }
                       session->send(self->handler_.relay(query, std::move(*r), DnsTransport::kTcp));
                     });
}

void DnsServer::Impl::stop() {
  if (stopped_) return;
  stopped_ = true;
  error_code ignored;
  udp_.close(ignored);
  acceptor_.close(ignored);
  if (forwarder_) forwarder_->stop();
  auto sessions = std::move(sessions_);
  sessions_.clear();
  for (auto& [ptr, session] : sessions) session->close();
}

Result<std::unique_ptr<DnsServer>> DnsServer::start(asio::io_context& io, DnsRecords& records,
                                                    DnsServerOptions options) {
  auto impl = std::make_shared<Impl>(io, records, std::move(options));
  Status bound = impl->bind();
  if (!bound) {
    Error e = bound.error();
    return e.with_context("while starting the DNS server for network " + impl->options().zone.network);
  }
  impl->begin();
  spdlog::debug("dns {}: listening on {}:{}", impl->options().zone.network,
                impl->options().address.to_string(), impl->port());
  return std::unique_ptr<DnsServer>(new DnsServer(impl));
}

DnsServer::~DnsServer() { stop(); }

void DnsServer::stop() {
  if (impl_) impl_->stop();
}

uint16_t DnsServer::port() const { return impl_->port(); }
const asio::ip::address& DnsServer::address() const { return impl_->options().address; }
const std::string& DnsServer::network() const { return impl_->options().zone.network; }
DnsServerStats DnsServer::stats() const { return impl_->stats(); }

}  // namespace racker::network
