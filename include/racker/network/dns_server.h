#pragma once
// racker's embedded DNS server: one listener per network, on UDP and TCP of
// one address (the network's gateway on its bridge), answering from that
// network's view of a DnsRecords registry (DnsHandler's rules) and forwarding
// other names upstream (DnsForwarder), SERVFAIL when that fails.
//
// TCP uses RFC 1035's 2-byte length framing; several queries may be in flight
// on one connection and their answers may come back out of order (RFC 7766).
// Idle connections are closed after tcp_idle_timeout.
//
// Loop affinity: start, stop and destroy on the thread that runs `io`; many
// servers may share one io_context. No call blocks: UDP replies are sent
// with non-blocking sends (a reply that would block is dropped and the client
// retries), everything else is asynchronous.

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address.hpp>

#include "racker/network/dns_forwarder.h"
#include "racker/network/dns_handler.h"
#include "racker/network/dns_records.h"
#include "racker/util/error.h"

namespace racker::network {

struct DnsServerOptions {
  boost::asio::ip::address address;  // where to listen: the network's gateway
  uint16_t port = 53;                // 0: a free port, the same for UDP and TCP (tests)
  DnsZoneOptions zone;               // the network and its local domains
  DnsForwarderOptions forwarder;     // upstreams (see host_dns_upstreams) and timeout
  std::chrono::milliseconds tcp_idle_timeout{10000};
  size_t max_tcp_connections = 128;  // more are accepted and closed at once
};

struct DnsServerStats {
  uint64_t queries = 0;    // messages received (UDP datagrams and TCP frames)
  uint64_t local = 0;      // answered from the registry (incl. NXDOMAIN, errors)
  uint64_t forwarded = 0;  // sent upstream
  uint64_t servfail = 0;   // forwarding failed
  uint64_t dropped = 0;    // ignored: responses, runts
};

class DnsServer {
 public:
  // Binds and starts serving. Errors: kConflict when the address/port is in
  // use, kIo for other socket errors. Upstreams equal to the server's own
  // address and port are left out (no forwarding loop).
  // REQUIRES: `records` outlives the server.
  static Result<std::unique_ptr<DnsServer>> start(boost::asio::io_context& io,
                                                  DnsRecords& records, DnsServerOptions options);

  ~DnsServer();  // stop()
  DnsServer(const DnsServer&) = delete;
  DnsServer& operator=(const DnsServer&) = delete;

  // Closes the sockets and every connection and abandons forwarded queries.
  // Idempotent; no handler touches the server afterwards.
  void stop();

  uint16_t port() const;  // the bound port (useful with port 0)
  const boost::asio::ip::address& address() const;
  const std::string& network() const;
  DnsServerStats stats() const;

  class Impl;

 private:
  explicit DnsServer(std::shared_ptr<Impl> impl) : impl_(std::move(impl)) {}
  std::shared_ptr<Impl> impl_;
};

}  // namespace racker::network
