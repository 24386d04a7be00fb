#include "racker/network/dns_handler.h"

#include <algorithm>

#include <utility>

namespace racker::network {
namespace {

constexpr size_t kDnsTcpMax = 65535;

DnsReplySpec spec_of(DnsRcode rcode, bool authoritative = false) {
  DnsReplySpec spec;
  spec.rcode = rcode;
  spec.authoritative = authoritative;
  return spec;
}

template <class T>
DnsAnswer answer_of(uint32_t ttl, T data) {
  DnsAnswer a;
  a.ttl = ttl;
  a.data = std::move(data);
  return a;
}

bool ends_with_domain(const std::string& name, const std::string& domain) {
  if (domain.empty()) return false;
  if (name == domain) return true;
  return name.size() > domain.size() &&
         name.compare(name.size() - domain.size(), domain.size(), domain) == 0 &&
         name[name.size() - domain.size() - 1] == '.';
}

}  // namespace

DnsHandler::DnsHandler(DnsRecords& records, DnsZoneOptions options)
    : records_(records), options_(std::move(options)) {
  for (auto& d : options_.local_domains) d = dns_normalize_name(d);
}

bool DnsHandler::is_local_name(const std::string& name) const {
  if (!name.empty() && name.find('.') == std::string::npos) return true;
  if (ends_with_domain(name, dns_normalize_name(options_.network))) return true;
  for (const auto& d : options_.local_domains) {
    if (ends_with_domain(name, d)) return true;
  }
  return false;
}

DnsDecision DnsHandler::handle(std::span<const uint8_t> message, DnsTransport transport,
                               const std::optional<boost::asio::ip::address>& source) {
  DnsParsed parsed = parse_dns_query(message);
  DnsDecision out;
  switch (parsed.outcome) {
    case DnsParseOutcome::kIgnore:
      return out;
    case DnsParseOutcome::kMalformed:
      out.kind = DnsDecision::Kind::kReply;
      out.rcode = DnsRcode::kFormErr;
      out.reply = build_dns_header_reply(message, DnsRcode::kFormErr);
      return out;
    case DnsParseOutcome::kQuery:
      break;
  }
  const DnsQuery& q = parsed.query;
  if (q.opcode != 0) return reply(q, spec_of(DnsRcode::kNotImp), transport);
  if (q.edns && q.edns_version != 0) return reply(q, spec_of(DnsRcode::kNoError), transport);  // BADVERS, built by the codec
  return answer(q, transport,
                source ? records_.views_of(options_.network, *source) : std::vector<std::string>{options_.network});
}

DnsDecision DnsHandler::answer(const DnsQuery& q, DnsTransport transport, const std::vector<std::string>& views) {
  bool in_class = q.qclass == kDnsClassIn || q.qclass == kDnsClassAny;

  if (q.type == kDnsTypePtr && in_class) {
    if (auto addr = dns_reverse_name_address(q.name)) {
      for (const auto& view : views)
        if (auto target = records_.reverse(view, *addr)) {
          DnsReplySpec spec = spec_of(DnsRcode::kNoError, true);
          spec.answers.push_back(answer_of(options_.ttl, *target));
          return reply(q, spec, transport);
        }
    }
  }

  // The first of the client's networks that knows the name answers.
  auto known = std::find_if(views.begin(), views.end(), [&](const std::string& v) { return records_.contains(v, q.name); });
  if (known != views.end()) {
    const std::string& network = *known;
    if (!in_class) return reply(q, spec_of(DnsRcode::kNotImp), transport);
    DnsReplySpec spec = spec_of(DnsRcode::kNoError, true);
    auto add = [&](DnsFamily family) {
      for (const auto& addr : records_.lookup(network, q.name, family).addresses) {
        spec.answers.push_back(answer_of(options_.ttl, addr));
      }
    };
    if (q.type == kDnsTypeA || q.type == kDnsTypeAny) add(DnsFamily::kV4);
    if (q.type == kDnsTypeAaaa || q.type == kDnsTypeAny) add(DnsFamily::kV6);
    return reply(q, spec, transport);
  }

  if (is_local_name(q.name)) {
    return reply(q, spec_of(DnsRcode::kNxDomain, true), transport);
  }
  DnsDecision out;
  out.kind = DnsDecision::Kind::kForward;
  out.query = q;
  return out;
}

DnsDecision DnsHandler::reply(const DnsQuery& query, const DnsReplySpec& spec,
                              DnsTransport transport) const {
  DnsDecision out;
  out.kind = DnsDecision::Kind::kReply;
  out.query = query;
  out.rcode = spec.rcode;
  size_t limit = transport == DnsTransport::kUdp ? dns_udp_limit(query) : kDnsTcpMax;
  out.reply = build_dns_reply(query, spec, limit);
  if (out.reply.empty()) {
    out.rcode = DnsRcode::kServFail;
    out.reply = build_dns_reply(query, spec_of(DnsRcode::kServFail), limit);
  }
  return out;
}

std::vector<uint8_t> DnsHandler::servfail(const DnsQuery& query, DnsTransport transport) const {
  return reply(query, spec_of(DnsRcode::kServFail), transport).reply;
}

std::vector<uint8_t> DnsHandler::relay(const DnsQuery& query, std::vector<uint8_t> reply,
                                       DnsTransport transport) const {
  if (reply.size() < kDnsHeaderSize) return servfail(query, transport);
  dns_set_wire_id(reply, query.id);
  if (transport == DnsTransport::kUdp && reply.size() > dns_udp_limit(query)) {
    // Too big for the client: header and question only, TC set (a size
    // limit of 0 always yields the truncated form).
    return build_dns_reply(query, spec_of(dns_wire_rcode(reply)), 0);
  }
  return reply;
}

}  // namespace racker::network
