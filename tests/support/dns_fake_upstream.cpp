#include "support/dns_fake_upstream.h"

#include <array>

#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>

#include "support/dns_test_wire.h"

namespace racker::test {

namespace asio = boost::asio;
using asio::ip::tcp;
using asio::ip::udp;
using boost::system::error_code;

struct DnsFakeUpstream::Impl : std::enable_shared_from_this<Impl> {
  Impl(asio::io_context& io, DnsFakeUpstream* owner) : udp_socket(io), acceptor(io), owner(owner) {}
  udp::socket udp_socket;
  tcp::acceptor acceptor;
  DnsFakeUpstream* owner;  // null once closed
  std::array<uint8_t, 65535> buffer{};
  udp::endpoint from;

  void receive() {
    udp_socket.async_receive_from(asio::buffer(buffer), from, [self = shared_from_this()](error_code ec, size_t n) {
      if (ec || !self->owner) return;
      std::vector<uint8_t> query(self->buffer.begin(), self->buffer.begin() + n);
      auto reply = self->owner->respond(query, true);
      if (!reply.empty()) {
        error_code ignored;
        self->udp_socket.send_to(asio::buffer(reply), self->from, 0, ignored);
      }
      self->receive();
    });
  }

  void accept() {
    acceptor.async_accept([self = shared_from_this()](error_code ec, tcp::socket socket) {
      if (ec || !self->owner) return;
      auto conn = std::make_shared<tcp::socket>(std::move(socket));
      self->serve(conn);
      self->accept();
    });
  }

  void serve(std::shared_ptr<tcp::socket> conn) {
    auto len = std::make_shared<std::array<uint8_t, 2>>();
    asio::async_read(*conn, asio::buffer(*len), [self = shared_from_this(), conn, len](error_code ec, size_t) {
      if (ec || !self->owner) return;
      auto body = std::make_shared<std::vector<uint8_t>>(((*len)[0] << 8) | (*len)[1]);
      asio::async_read(*conn, asio::buffer(*body), [self, conn, body](error_code ec, size_t) {
        if (ec || !self->owner) return;
        auto reply = self->owner->respond(*body, false);
        if (reply.empty()) return;  // silent: leave the connection hanging
        auto framed = std::make_shared<std::vector<uint8_t>>(reply.size() + 2);
        (*framed)[0] = static_cast<uint8_t>(reply.size() >> 8);
        (*framed)[1] = static_cast<uint8_t>(reply.size() & 0xFF);
        std::copy(reply.begin(), reply.end(), framed->begin() + 2);
        asio::async_write(*conn, asio::buffer(*framed), [self, conn, framed](error_code ec, size_t) {
          if (!ec && self->owner) self->serve(conn);
        });
      });
    });
  }
};

DnsFakeUpstream::DnsFakeUpstream(asio::io_context& io, const std::string& address)
    : impl_(std::make_shared<Impl>(io, this)) {
  auto addr = asio::ip::make_address(address);
  for (int attempt = 0; attempt < 20; ++attempt) {
    error_code ec;
    impl_->udp_socket = udp::socket(io);
    impl_->udp_socket.open(udp::v4(), ec);
    if (!ec) impl_->udp_socket.bind(udp::endpoint(addr, 0), ec);
    if (ec) {
      error_ = "fake upstream udp: " + ec.message();
      return;
    }
    uint16_t port = impl_->udp_socket.local_endpoint().port();
    impl_->acceptor = tcp::acceptor(io);
    impl_->acceptor.open(tcp::v4(), ec);
    if (!ec) impl_->acceptor.bind(tcp::endpoint(addr, port), ec);
    if (!ec) impl_->acceptor.listen(16, ec);
    if (!ec) {
      error_.clear();
      impl_->receive();
      impl_->accept();
      return;
    }
    error_ = "fake upstream tcp: " + ec.message();
  }
}

DnsFakeUpstream::~DnsFakeUpstream() { close(); }

void DnsFakeUpstream::close() {
  if (!impl_) return;
  impl_->owner = nullptr;
  error_code ignored;
  impl_->udp_socket.close(ignored);
  impl_->acceptor.close(ignored);
}

udp::endpoint DnsFakeUpstream::endpoint() const {
  error_code ec;
  return impl_->udp_socket.local_endpoint(ec);
}

std::vector<std::string> DnsFakeUpstream::names() const {
  std::lock_guard lock(mu_);
  return names_;
}

std::vector<uint8_t> DnsFakeUpstream::respond(const std::vector<uint8_t>& query, bool over_udp) {
  ++(over_udp ? udp_queries_ : tcp_queries_);
  DnsTestReply q = dns_parse_reply(query);  // reads a query just as well
  {
    std::lock_guard lock(mu_);
    names_.push_back(q.question);
  }
  Mode mode = mode_;
  if (mode == Mode::kSilent || !q.parsed) return {};
  if (mode == Mode::kServFail) return dns_fake_reply(query, 2, {}, false);
  std::vector<std::string> answers;
  if (q.qtype == 1) {
    if (q.question.rfind("big.", 0) == 0) {
      for (int i = 1; i <= 40; ++i) answers.push_back("A 198.51.100." + std::to_string(i));
    } else {
      answers.push_back("A 198.51.100.7");
    }
  } else if (q.qtype == 28) {
    answers.push_back("AAAA 2001:db8::7");
  }
  auto reply = dns_fake_reply(query, 0, answers, false);
  if (over_udp && !q.edns && reply.size() > 512) reply = dns_fake_reply(query, 0, {}, true);
  return reply;
}

}  // namespace racker::test
