#pragma once
// Forwards queries racker does not answer itself to the host's resolvers.
//
// Each query gets its own exchange: a fresh UDP socket (a random source port
// from the kernel) connected to one upstream, a random message ID, and a
// timer. Upstreams are tried in order; one that times out, fails, or answers
// SERVFAIL/REFUSED passes the query to the next. A reply is accepted only if
// it carries the ID sent and the same question. A truncated UDP reply is
// retried over TCP when the client itself asked over TCP.
//
// Loop affinity: construct, call and destroy on the io_context's thread.
// Completion handlers run on that thread, at most once each, never after
// stop() or destruction.

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/udp.hpp>

#include "racker/util/error.h"

namespace racker::network {

struct DnsForwarderOptions {
  std::vector<boost::asio::ip::udp::endpoint> upstreams;  // tried in order (TCP uses the same)
  std::chrono::milliseconds timeout{1500};                // per upstream attempt
  size_t max_in_flight = 1024;                            // beyond: fail at once
};

class DnsForwarder {
 public:
  // The reply with the query's own ID restored, or an error: kTimeout when
  // no upstream answered in time, kNotFound when there are no upstreams,
  // kConflict when max_in_flight is reached, kIo otherwise.
  using Callback = std::function<void(Result<std::vector<uint8_t>>)>;

  DnsForwarder(boost::asio::io_context& io, DnsForwarderOptions options);
  ~DnsForwarder();  // stop()
  DnsForwarder(const DnsForwarder&) = delete;
  DnsForwarder& operator=(const DnsForwarder&) = delete;

  // `query` is a whole wire query; `question_end` is DnsQuery::question_end
  // for it. `tcp_on_truncation`: retry a truncated UDP answer over TCP.
  void forward(std::vector<uint8_t> query, size_t question_end, bool tcp_on_truncation,
               Callback done);

  // Abandons every exchange; their callbacks are never called. Idempotent.
  void stop();

  size_t in_flight() const;

 private:
  struct State;
  class Exchange;
  std::shared_ptr<State> state_;
};

// Upstream endpoints (port 53) from resolv.conf nameserver entries; entries
// that are not IP addresses are skipped.
std::vector<boost::asio::ip::udp::endpoint> dns_upstreams(
    const std::vector<std::string>& nameservers);

// The host's upstreams, read from `path` (normally /etc/resolv.conf).
Result<std::vector<boost::asio::ip::udp::endpoint>> host_dns_upstreams(
    std::string_view path = "/etc/resolv.conf");

}  // namespace racker::network
