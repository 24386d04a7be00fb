#pragma once
// What racker's embedded DNS server does with one message, without sockets:
// the decision (answer from the registry, NXDOMAIN, forward upstream, drop)
// and the bytes of the answer. DnsServer feeds it datagrams and TCP frames;
// tests feed it byte strings.
//
// Rules, for the names of one network:
// - a name known on the network: A / AAAA / ANY from its addresses (rotated),
//   other types NODATA (NOERROR, no answer); authoritative;
// - PTR for an address of an endpoint on the network: `<container>.<network>`;
// - an unknown single-label name, or one at or under a local domain (the
//   network's name and the options' local_domains): NXDOMAIN, never forwarded;
// - everything else (and PTR for addresses racker does not know): forwarded;
// - opcodes other than QUERY: NOTIMP; unparsable messages: FORMERR; responses
//   and runts: dropped;
// - UDP replies bigger than the client's limit (512 bytes without EDNS) go out
//   with the answers dropped and TC set, so the client retries over TCP.

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "racker/network/dns_message.h"
#include "racker/network/dns_records.h"

namespace racker::network {

struct DnsZoneOptions {
  std::string network;                     // which view of the registry to answer from
  std::vector<std::string> local_domains;  // extra project namespaces (e.g. "myproject.racker")
  uint32_t ttl = 600;                      // of local answers (docker's value)
};

enum class DnsTransport { kUdp, kTcp };

struct DnsDecision {
  enum class Kind { kReply, kForward, kDrop };
  Kind kind = Kind::kDrop;
  std::vector<uint8_t> reply;  // kReply: the bytes to send
  DnsQuery query;              // kForward (and kReply when the query parsed)
  DnsRcode rcode = DnsRcode::kNoError;  // kReply: the answer's rcode
};

class DnsHandler {
 public:
  // REQUIRES: `records` outlives the handler.
  DnsHandler(DnsRecords& records, DnsZoneOptions options);

  // `source`, when known, is the client's address: a container on several
  // networks resolves the names of all of them (DnsRecords::views_of).
  DnsDecision handle(std::span<const uint8_t> message, DnsTransport transport,
                     const std::optional<boost::asio::ip::address>& source = std::nullopt);

  // SERVFAIL for a query whose forwarding failed.
  std::vector<uint8_t> servfail(const DnsQuery& query, DnsTransport transport) const;

  // An upstream's reply prepared for the client: the client's ID, and over
  // UDP cut to the client's limit (answers dropped, TC set) when too big.
  std::vector<uint8_t> relay(const DnsQuery& query, std::vector<uint8_t> reply,
                             DnsTransport transport) const;

  // True when an unknown `name` must get NXDOMAIN instead of being forwarded.
  bool is_local_name(const std::string& name) const;

  const DnsZoneOptions& options() const { return options_; }

 private:
  DnsDecision answer(const DnsQuery& query, DnsTransport transport, const std::vector<std::string>& views);
  DnsDecision reply(const DnsQuery& query, const DnsReplySpec& spec, DnsTransport transport) const;

  DnsRecords& records_;
  DnsZoneOptions options_;
};

}  // namespace racker::network
