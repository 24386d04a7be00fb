#include "racker/network/dns_message.h"

#include <cstdlib>
#include <cstring>
#include <memory>

#include <ldns/ldns.h>

namespace racker::network {
namespace {

struct PktFree {
  void operator()(ldns_pkt* p) const { ldns_pkt_free(p); }
};
using PktPtr = std::unique_ptr<ldns_pkt, PktFree>;

struct RdfFree {
  void operator()(ldns_rdf* r) const { ldns_rdf_deep_free(r); }
};
using RdfPtr = std::unique_ptr<ldns_rdf, RdfFree>;

uint16_t read16(std::span<const uint8_t> w, size_t at) {
  return static_cast<uint16_t>((w[at] << 8) | w[at + 1]);
}

// Offset just past the question's name, type and class, or 0 when the
// question runs off the end. The first name of a message cannot use a
// compression pointer legitimately (nothing precedes it to point at), so a
// pointer ends the walk and the reply comparison will fail on it.
size_t question_end(std::span<const uint8_t> w) {
  size_t at = kDnsHeaderSize;
  while (at < w.size()) {
    uint8_t len = w[at];
    if (len == 0) {
      at += 1;
      return at + 4 <= w.size() ? at + 4 : 0;
    }
    if ((len & 0xC0) != 0) return 0;
    at += 1 + len;
  }
  return 0;
}

std::string rdf_text(const ldns_rdf* rdf) {
  char* s = ldns_rdf2str(rdf);
  if (s == nullptr) return {};
  std::string out(s);
  std::free(s);
  return out;
}

char lower(uint8_t c) { return static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c); }

// The reply packet without wire encoding; `with_answers` false gives the
// truncated form (header and question only, TC set).
PktPtr make_reply(const DnsQuery& q, const ldns_rdf* qname, const DnsReplySpec& spec,
                  bool with_answers) {
  PktPtr pkt(ldns_pkt_new());
  if (!pkt) return nullptr;
  ldns_pkt* p = pkt.get();
  ldns_pkt_set_id(p, q.id);
  ldns_pkt_set_qr(p, true);
  ldns_pkt_set_opcode(p, static_cast<ldns_pkt_opcode>(q.opcode));
  ldns_pkt_set_aa(p, spec.authoritative);
  ldns_pkt_set_rd(p, q.recursion_desired);
  ldns_pkt_set_ra(p, spec.recursion_available);
  ldns_pkt_set_cd(p, q.checking_disabled);
  ldns_pkt_set_tc(p, !with_answers);
  ldns_pkt_set_rcode(p, static_cast<uint8_t>(spec.rcode));

  ldns_rr* question = ldns_rr_new();
  ldns_rr_set_question(question, true);
  ldns_rr_set_owner(question, ldns_rdf_clone(qname));
  ldns_rr_set_type(question, static_cast<ldns_rr_type>(q.type));
  ldns_rr_set_class(question, static_cast<ldns_rr_class>(q.qclass));
  ldns_pkt_push_rr(p, LDNS_SECTION_QUESTION, question);

  if (q.edns) {
    ldns_pkt_set_edns_udp_size(p, kDnsServerUdpSize);
    ldns_pkt_set_edns_do(p, q.edns_do);
    if (q.edns_version != 0) {
      // BADVERS (16): upper 8 bits in the OPT record, lower 4 bits zero.
      ldns_pkt_set_rcode(p, 0);
      ldns_pkt_set_edns_extended_rcode(p, 1);
      return pkt;
    }
  }
  if (!with_answers) return pkt;

  for (const auto& a : spec.answers) {
    ldns_rdf* owner = a.owner.empty() ? ldns_rdf_clone(qname)
                                      : ldns_dname_new_frm_str(a.owner.c_str());
    if (owner == nullptr) continue;
    ldns_rdf* data = nullptr;
    ldns_rr_type type;
    if (const auto* addr = std::get_if<boost::asio::ip::address>(&a.data)) {
      if (addr->is_v4()) {
        auto bytes = addr->to_v4().to_bytes();
        data = ldns_rdf_new_frm_data(LDNS_RDF_TYPE_A, bytes.size(), bytes.data());
        type = LDNS_RR_TYPE_A;
      } else {
        auto bytes = addr->to_v6().to_bytes();
        data = ldns_rdf_new_frm_data(LDNS_RDF_TYPE_AAAA, bytes.size(), bytes.data());
        type = LDNS_RR_TYPE_AAAA;
      }
    } else {
      data = ldns_dname_new_frm_str(std::get<std::string>(a.data).c_str());
      type = LDNS_RR_TYPE_PTR;
    }
    if (data == nullptr) {
      ldns_rdf_deep_free(owner);
      continue;
    }
    ldns_rr* rr = ldns_rr_new();
    ldns_rr_set_owner(rr, owner);
    ldns_rr_set_type(rr, type);
    ldns_rr_set_class(rr, LDNS_RR_CLASS_IN);
    ldns_rr_set_ttl(rr, a.ttl);
    ldns_rr_push_rdf(rr, data);
    ldns_pkt_push_rr(p, LDNS_SECTION_ANSWER, rr);
  }
  return pkt;
}

std::vector<uint8_t> to_wire(const ldns_pkt* p) {
  uint8_t* buf = nullptr;
  size_t size = 0;
  if (ldns_pkt2wire(&buf, p, &size) != LDNS_STATUS_OK || buf == nullptr) {
    std::free(buf);
    return {};
  }
  std::vector<uint8_t> out(buf, buf + size);
  std::free(buf);
  return out;
}

}  // namespace

DnsParsed parse_dns_query(std::span<const uint8_t> wire) {
  DnsParsed out;
  if (wire.size() < kDnsHeaderSize) return out;
  if (wire[2] & 0x80) return out;  // a response, not a query
  DnsQuery& q = out.query;
  q.id = read16(wire, 0);
  q.opcode = (wire[2] >> 3) & 0x0F;
  q.recursion_desired = wire[2] & 0x01;
  q.checking_disabled = wire[3] & 0x10;
  out.outcome = DnsParseOutcome::kMalformed;

  if (read16(wire, 4) != 1) return out;
  ldns_pkt* raw = nullptr;
  if (ldns_wire2pkt(&raw, wire.data(), wire.size()) != LDNS_STATUS_OK || raw == nullptr) {
    if (raw != nullptr) ldns_pkt_free(raw);
    return out;
  }
  PktPtr pkt(raw);
  const ldns_rr_list* questions = ldns_pkt_question(pkt.get());
  if (questions == nullptr || ldns_rr_list_rr_count(questions) != 1) return out;
  const ldns_rr* question = ldns_rr_list_rr(questions, 0);
  q.question_end = question_end(wire);
  if (q.question_end == 0) return out;

  RdfPtr name(ldns_rdf_clone(ldns_rr_owner(question)));
  if (!name) return out;
  q.asked_name = rdf_text(name.get());
  if (!q.asked_name.empty() && q.asked_name.back() == '.') q.asked_name.pop_back();
  ldns_dname2canonical(name.get());
  q.name = rdf_text(name.get());
  if (!q.name.empty() && q.name.back() == '.') q.name.pop_back();
  q.type = static_cast<uint16_t>(ldns_rr_get_type(question));
  q.qclass = static_cast<uint16_t>(ldns_rr_get_class(question));
  q.edns = ldns_pkt_edns(pkt.get());
  if (q.edns) {
    q.edns_version = ldns_pkt_edns_version(pkt.get());
    q.edns_udp_size = ldns_pkt_edns_udp_size(pkt.get());
    q.edns_do = ldns_pkt_edns_do(pkt.get());
  }
  out.outcome = DnsParseOutcome::kQuery;
  return out;
}

std::vector<uint8_t> build_dns_reply(const DnsQuery& query, const DnsReplySpec& spec,
                                     size_t max_size) {
  // The question is echoed in the client's letter case: resolvers that
  // randomise case (0x20) check it.
  const std::string& text = query.asked_name.empty() ? query.name : query.asked_name;
  RdfPtr qname(ldns_dname_new_frm_str(text.empty() ? "." : text.c_str()));
  if (!qname) return {};
  PktPtr full = make_reply(query, qname.get(), spec, true);
  if (!full) return {};
  std::vector<uint8_t> wire = to_wire(full.get());
  if (!wire.empty() && wire.size() <= max_size) return wire;
  PktPtr cut = make_reply(query, qname.get(), spec, false);
  if (!cut) return {};
  return to_wire(cut.get());
}

std::vector<uint8_t> build_dns_header_reply(std::span<const uint8_t> wire, DnsRcode rcode) {
  std::vector<uint8_t> out(kDnsHeaderSize, 0);
  if (wire.size() < kDnsHeaderSize) return out;
  out[0] = wire[0];
  out[1] = wire[1];
  out[2] = static_cast<uint8_t>(0x80 | (wire[2] & 0x79));  // QR, opcode, RD kept
  out[3] = static_cast<uint8_t>(0x80 | static_cast<uint8_t>(rcode));  // RA
  return out;
}

size_t dns_udp_limit(const DnsQuery& query) {
  if (!query.edns) return kDnsClassicUdpSize;
  size_t size = query.edns_udp_size;
  if (size < kDnsClassicUdpSize) size = kDnsClassicUdpSize;
  if (size > kDnsServerUdpSize) size = kDnsServerUdpSize;
  return size;
}

uint16_t dns_wire_id(std::span<const uint8_t> wire) { return read16(wire, 0); }

void dns_set_wire_id(std::span<uint8_t> wire, uint16_t id) {
  wire[0] = static_cast<uint8_t>(id >> 8);
  wire[1] = static_cast<uint8_t>(id & 0xFF);
}

bool dns_wire_truncated(std::span<const uint8_t> wire) { return wire[2] & 0x02; }

DnsRcode dns_wire_rcode(std::span<const uint8_t> wire) {
  return static_cast<DnsRcode>(wire[3] & 0x0F);
}

bool dns_reply_matches(std::span<const uint8_t> query_wire, size_t question_end,
                       std::span<const uint8_t> reply) {
  if (question_end < kDnsHeaderSize + 5 || query_wire.size() < question_end) return false;
  if (reply.size() < question_end) return false;
  if (read16(reply, 0) != read16(query_wire, 0)) return false;
  if ((reply[2] & 0x80) == 0) return false;
  if (read16(reply, 4) != 1) return false;
  size_t name_end = question_end - 4;
  for (size_t i = kDnsHeaderSize; i < name_end; ++i) {
    if (lower(reply[i]) != lower(query_wire[i])) return false;
  }
  return std::memcmp(reply.data() + name_end, query_wire.data() + name_end, 4) == 0;
}

std::optional<boost::asio::ip::address> dns_reverse_name_address(std::string_view name) {
  std::string n = std::string(name);
  for (char& c : n) c = lower(static_cast<uint8_t>(c));
  if (!n.empty() && n.back() == '.') n.pop_back();
  std::vector<std::string_view> labels;
  std::string_view rest = n;
  while (true) {
    size_t dot = rest.find('.');
    labels.push_back(rest.substr(0, dot));
    if (dot == std::string_view::npos) break;
    rest.remove_prefix(dot + 1);
  }
  auto ends_with = [&](std::string_view a, std::string_view b) {
    return labels.size() >= 2 && labels[labels.size() - 2] == a && labels.back() == b;
  };
  if (ends_with("in-addr", "arpa") && labels.size() == 6) {
    boost::asio::ip::address_v4::bytes_type bytes{};
    for (size_t i = 0; i < 4; ++i) {
      std::string_view l = labels[3 - i];
      if (l.empty() || l.size() > 3) return std::nullopt;
      unsigned v = 0;
      for (char c : l) {
        if (c < '0' || c > '9') return std::nullopt;
        v = v * 10 + static_cast<unsigned>(c - '0');
      }
      if (v > 255) return std::nullopt;
      bytes[i] = static_cast<uint8_t>(v);
    }
    return boost::asio::ip::address(boost::asio::ip::address_v4(bytes));
  }
  if (ends_with("ip6", "arpa") && labels.size() == 34) {
    boost::asio::ip::address_v6::bytes_type bytes{};
    for (size_t i = 0; i < 32; ++i) {
      std::string_view l = labels[31 - i];  // most significant nibble last
      if (l.size() != 1) return std::nullopt;
      char c = l[0];
      int v = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
      if (v < 0) return std::nullopt;
      bytes[i / 2] = static_cast<uint8_t>(bytes[i / 2] | (i % 2 == 0 ? v << 4 : v));
    }
    return boost::asio::ip::address(boost::asio::ip::address_v6(bytes));
  }
  return std::nullopt;
}

std::string dns_reverse_name(const boost::asio::ip::address& address) {
  std::string out;
  if (address.is_v4()) {
    auto b = address.to_v4().to_bytes();
    for (int i = 3; i >= 0; --i) out += std::to_string(b[i]) + ".";
    return out + "in-addr.arpa";
  }
  static const char* hex = "0123456789abcdef";
  auto b = address.to_v6().to_bytes();
  for (int i = 15; i >= 0; --i) {
    out += hex[b[i] & 0x0F];
    out += '.';
    out += hex[b[i] >> 4];
    out += '.';
  }
  return out + "ip6.arpa";
}

std::vector<uint8_t> build_dns_address_query(const std::string& name, const boost::asio::ip::address& type_of,
                                             uint16_t id) {
  ldns_rr_type type = type_of.is_v4() ? LDNS_RR_TYPE_A : LDNS_RR_TYPE_AAAA;
  ldns_pkt* raw = nullptr;
  if (ldns_pkt_query_new_frm_str(&raw, name.c_str(), type, LDNS_RR_CLASS_IN, LDNS_RD) != LDNS_STATUS_OK) return {};
  PktPtr pkt(raw);
  ldns_pkt_set_id(pkt.get(), id);
  uint8_t* wire = nullptr;
  size_t size = 0;
  if (ldns_pkt2wire(&wire, pkt.get(), &size) != LDNS_STATUS_OK) return {};
  std::vector<uint8_t> out(wire, wire + size);
  std::free(wire);
  return out;
}

std::vector<boost::asio::ip::address> dns_reply_addresses(std::span<const uint8_t> reply) {
  std::vector<boost::asio::ip::address> out;
  ldns_pkt* raw = nullptr;
  if (ldns_wire2pkt(&raw, reply.data(), reply.size()) != LDNS_STATUS_OK) return out;
  PktPtr pkt(raw);
  ldns_rr_list* answers = ldns_pkt_answer(pkt.get());
  for (size_t i = 0; answers && i < ldns_rr_list_rr_count(answers); ++i) {
    ldns_rr* rr = ldns_rr_list_rr(answers, i);
    ldns_rdf* rdf = ldns_rr_rdf(rr, 0);
    if (!rdf) continue;
    if (ldns_rr_get_type(rr) == LDNS_RR_TYPE_A && ldns_rdf_size(rdf) == 4) {
      boost::asio::ip::address_v4::bytes_type b;
      std::memcpy(b.data(), ldns_rdf_data(rdf), 4);
      out.emplace_back(boost::asio::ip::address_v4(b));
    } else if (ldns_rr_get_type(rr) == LDNS_RR_TYPE_AAAA && ldns_rdf_size(rdf) == 16) {
      boost::asio::ip::address_v6::bytes_type b;
      std::memcpy(b.data(), ldns_rdf_data(rdf), 16);
      out.emplace_back(boost::asio::ip::address_v6(b));
    }
  }
  return out;
}

}  // namespace racker::network
