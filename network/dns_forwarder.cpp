#include "racker/network/dns_forwarder.h"

#include <algorithm>
#include <array>
#include <fstream>
#include <optional>
#include <random>
#include <sstream>
#include <unordered_map>
#include <utility>

#include <boost/asio/read.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>

#include "racker/network/dns_message.h"
#include "racker/network/resolver_files.h"

namespace racker::network {

namespace asio = boost::asio;
using asio::ip::tcp;
using asio::ip::udp;
using boost::system::error_code;

struct DnsForwarder::State {
  State(asio::io_context& io, DnsForwarderOptions o)
      : io(io), options(std::move(o)), rng(std::random_device{}()) {}
  asio::io_context& io;
  DnsForwarderOptions options;
  std::mt19937 rng;
  bool stopped = false;
  std::unordered_map<Exchange*, std::shared_ptr<Exchange>> live;
};

// One forwarded query, from the first upstream to its callback.
class DnsForwarder::Exchange : public std::enable_shared_from_this<Exchange> {
 public:
  Exchange(std::shared_ptr<State> state, std::vector<uint8_t> query, size_t question_end,
           bool tcp_on_truncation, Callback done)
      : state_(std::move(state)),
        query_(std::move(query)),
        client_id_(dns_wire_id(query_)),
        question_end_(question_end),
        tcp_on_truncation_(tcp_on_truncation),
        done_cb_(std::move(done)),
        udp_(state_->io),
        tcp_(state_->io),
        timer_(state_->io) {}

  void start() { attempt(0, false); }

  // Closes everything; the callback is dropped.
  void cancel() {
    finished_ = true;
    done_cb_ = nullptr;
    close();
  }

 private:
  void close() {
    error_code ignored;
    udp_.close(ignored);
    tcp_.close(ignored);
    timer_.cancel();
  }

  // Starts the exchange with upstream `index` (UDP, or TCP after truncation).
  void attempt(size_t index, bool over_tcp) {
    const auto& upstreams = state_->options.upstreams;
    if (index >= upstreams.size()) {
      if (last_reply_) return finish(std::move(*last_reply_));
      if (upstreams.empty()) return finish(Error(Errc::kNotFound, "no upstream DNS servers"));
      if (timed_out_) return finish(Error(Errc::kTimeout, "upstream DNS servers did not answer"));
      return finish(Error(Errc::kIo, "upstream DNS servers failed: " + last_error_));
    }
    close();
    index_ = index;
    uint64_t gen = ++gen_;
    // A fresh random ID per attempt, so a late answer to an earlier attempt
    // cannot be taken for this one.
    dns_set_wire_id(query_, static_cast<uint16_t>(state_->rng()));
    sent_ = std::make_shared<std::vector<uint8_t>>(query_);

    auto self = shared_from_this();
    timer_.expires_after(state_->options.timeout);
    timer_.async_wait([self, gen](error_code ec) {
      if (ec || self->stale(gen)) return;
      self->timed_out_ = true;
      self->next();
    });
    if (over_tcp) {
      start_tcp(gen);
    } else {
      start_udp(gen);
    }
  }

  void start_udp(uint64_t gen) {
    const udp::endpoint& to = state_->options.upstreams[index_];
    error_code ec;
    udp_ = udp::socket(state_->io);
    udp_.open(to.protocol(), ec);
    if (!ec) udp_.connect(to, ec);  // connected: datagrams from elsewhere are not delivered
    if (ec) return fail(ec);
    auto self = shared_from_this();
    udp_.async_send(asio::buffer(*sent_), [self, gen, keep = sent_](error_code ec, size_t) {
      if (ec && !self->stale(gen)) self->fail(ec);
    });
    receive_udp(gen);
  }

  void receive_udp(uint64_t gen) {
    auto self = shared_from_this();
    udp_.async_receive(asio::buffer(buffer_), [self, gen](error_code ec, size_t n) {
      if (self->stale(gen)) return;
      if (ec) return self->fail(ec);
      std::span<const uint8_t> reply(self->buffer_.data(), n);
      if (!dns_reply_matches(*self->sent_, self->question_end_, reply)) {
        return self->receive_udp(gen);  // stray datagram: keep waiting
      }
      self->got_reply(std::vector<uint8_t>(reply.begin(), reply.end()), true);
    });
  }

  void start_tcp(uint64_t gen) {
    const udp::endpoint& up = state_->options.upstreams[index_];
    tcp::endpoint to(up.address(), up.port());
    tcp_ = tcp::socket(state_->io);
    auto self = shared_from_this();
    tcp_.async_connect(to, [self, gen](error_code ec) {
      if (self->stale(gen)) return;
      if (ec) return self->fail(ec);
      const std::vector<uint8_t>& sent = *self->sent_;
      auto framed = std::make_shared<std::vector<uint8_t>>(sent.size() + 2);
      (*framed)[0] = static_cast<uint8_t>(sent.size() >> 8);
      (*framed)[1] = static_cast<uint8_t>(sent.size() & 0xFF);
      std::copy(sent.begin(), sent.end(), framed->begin() + 2);
      asio::async_write(self->tcp_, asio::buffer(*framed),
                        [self, gen, framed](error_code ec, size_t) {
                          if (self->stale(gen)) return;
                          if (ec) return self->fail(ec);
                          self->read_tcp_length(gen);
                        });
    });
  }

  void read_tcp_length(uint64_t gen) {
    auto self = shared_from_this();
    asio::async_read(tcp_, asio::buffer(length_), [self, gen](error_code ec, size_t) {
      if (self->stale(gen)) return;
      if (ec) return self->fail(ec);
      size_t n = (size_t{self->length_[0]} << 8) | self->length_[1];
      asio::async_read(self->tcp_, asio::buffer(self->buffer_.data(), n),
                       [self, gen, n](error_code ec, size_t) {
                         if (self->stale(gen)) return;
                         if (ec) return self->fail(ec);
                         std::span<const uint8_t> reply(self->buffer_.data(), n);
                         if (!dns_reply_matches(*self->sent_, self->question_end_, reply)) {
                           self->last_error_ = "mismatched TCP reply";
                           return self->next();
                         }
                         self->got_reply(std::vector<uint8_t>(reply.begin(), reply.end()), false);
                       });
    });
  }

  void got_reply(std::vector<uint8_t> reply, bool over_udp) {
    if (over_udp && tcp_on_truncation_ && dns_wire_truncated(reply)) {
      last_reply_ = std::move(reply);  // if TCP fails, the truncated answer still helps
      return attempt(index_, true);
    }
    DnsRcode rcode = dns_wire_rcode(reply);
    if (rcode == DnsRcode::kServFail || rcode == DnsRcode::kRefused) {
      last_reply_ = std::move(reply);
      return next();
    }
    finish(std::move(reply));
  }

  void fail(const error_code& ec) {
    last_error_ = ec.message();
    next();
  }

  void next() { attempt(index_ + 1, false); }

  bool stale(uint64_t gen) const { return finished_ || gen != gen_; }

  void finish(Result<std::vector<uint8_t>> result) {
    if (finished_) return;
    finished_ = true;
    close();
    if (result.ok()) dns_set_wire_id(*result, client_id_);
    auto state = state_;
    auto cb = std::move(done_cb_);
    auto self = shared_from_this();
    state->live.erase(this);
    // Posted, so a callback never runs inside forward() itself.
    asio::post(state->io, [state, cb = std::move(cb), result = std::move(result), self]() mutable {
      if (!state->stopped && cb) cb(std::move(result));
    });
  }

  std::shared_ptr<State> state_;
  std::vector<uint8_t> query_;
  uint16_t client_id_;
  size_t question_end_;
  bool tcp_on_truncation_;
  Callback done_cb_;
  udp::socket udp_;
  tcp::socket tcp_;
  asio::steady_timer timer_;
  std::shared_ptr<std::vector<uint8_t>> sent_;
  std::array<uint8_t, 65535> buffer_{};
  std::array<uint8_t, 2> length_{};
  size_t index_ = 0;
  uint64_t gen_ = 0;
  bool finished_ = false;
  bool timed_out_ = false;
  std::string last_error_;
  std::optional<std::vector<uint8_t>> last_reply_;
};

DnsForwarder::DnsForwarder(asio::io_context& io, DnsForwarderOptions options)
    : state_(std::make_shared<State>(io, std::move(options))) {}

DnsForwarder::~DnsForwarder() { stop(); }

void DnsForwarder::forward(std::vector<uint8_t> query, size_t question_end, bool tcp_on_truncation,
                           Callback done) {
  auto state = state_;
  if (state->stopped) return;
  auto fail_now = [&](Error e) {
    asio::post(state->io, [state, done = std::move(done), e = std::move(e)]() {
      if (!state->stopped) done(e);
    });
  };
  if (query.size() < kDnsHeaderSize || question_end > query.size()) {
    return fail_now(Error(Errc::kInvalidArgument, "not a DNS query"));
  }
  if (state->live.size() >= state->options.max_in_flight) {
    return fail_now(Error(Errc::kConflict, "too many forwarded DNS queries in flight"));
  }
  auto exchange = std::make_shared<Exchange>(state, std::move(query), question_end,
                                             tcp_on_truncation, std::move(done));
  state->live.emplace(exchange.get(), exchange);
  exchange->start();
}

void DnsForwarder::stop() {
  if (!state_ || state_->stopped) return;
  state_->stopped = true;
  auto live = std::move(state_->live);
  state_->live.clear();
  for (auto& [ptr, exchange] : live) exchange->cancel();
}

size_t DnsForwarder::in_flight() const { return state_->live.size(); }

std::vector<udp::endpoint> dns_upstreams(const std::vector<std::string>& nameservers) {
  std::vector<udp::endpoint> out;
  for (const auto& ns : nameservers) {
    error_code ec;
    auto addr = asio::ip::make_address(ns, ec);
    if (ec) continue;
    out.emplace_back(addr, 53);
  }
  return out;
}

Result<std::vector<udp::endpoint>> host_dns_upstreams(std::string_view path) {
  std::ifstream in{std::string(path)};
  if (!in) return Error(Errc::kIo, "cannot read " + std::string(path));
  std::stringstream text;
  text << in.rdbuf();
  return dns_upstreams(parse_resolv_conf(text.str()).nameservers);
}

}  // namespace racker::network
