#include "support/dns_test_wire.h"

#include <cstdlib>
#include <memory>

#include <ldns/ldns.h>

namespace racker::test {
namespace {

struct PktFree {
  void operator()(ldns_pkt* p) const { ldns_pkt_free(p); }
};
using PktPtr = std::unique_ptr<ldns_pkt, PktFree>;

std::string take(char* s) {
  if (s == nullptr) return {};
  std::string out(s);
  std::free(s);
  return out;
}

std::vector<uint8_t> wire_of(const ldns_pkt* p) {
  uint8_t* buf = nullptr;
  size_t size = 0;
  if (ldns_pkt2wire(&buf, p, &size) != LDNS_STATUS_OK) return {};
  std::vector<uint8_t> out(buf, buf + size);
  std::free(buf);
  return out;
}

}  // namespace

std::vector<uint8_t> dns_query(const std::string& name, uint16_t type, DnsQueryOptions o) {
  PktPtr p(ldns_pkt_query_new(ldns_dname_new_frm_str(name.c_str()), static_cast<ldns_rr_type>(type),
                              static_cast<ldns_rr_class>(o.qclass), o.rd ? LDNS_RD : 0));
  ldns_pkt_set_id(p.get(), o.id);
  ldns_pkt_set_opcode(p.get(), static_cast<ldns_pkt_opcode>(o.opcode));
  if (o.edns_udp_size) {
    ldns_pkt_set_edns_udp_size(p.get(), *o.edns_udp_size);
    ldns_pkt_set_edns_version(p.get(), o.edns_version);
  }
  return wire_of(p.get());
}

DnsTestReply dns_parse_reply(std::span<const uint8_t> wire) {
  DnsTestReply r;
  r.size = wire.size();
  ldns_pkt* raw = nullptr;
  if (ldns_wire2pkt(&raw, wire.data(), wire.size()) != LDNS_STATUS_OK) {
    if (raw) ldns_pkt_free(raw);
    return r;
  }
  PktPtr p(raw);
  r.parsed = true;
  r.id = ldns_pkt_id(raw);
  r.rcode = ldns_pkt_get_rcode(raw) | (ldns_pkt_edns_extended_rcode(raw) << 4);
  r.qr = ldns_pkt_qr(raw);
  r.aa = ldns_pkt_aa(raw);
  r.tc = ldns_pkt_tc(raw);
  r.ra = ldns_pkt_ra(raw);
  r.rd = ldns_pkt_rd(raw);
  r.edns = ldns_pkt_edns(raw);
  r.qdcount = ldns_pkt_qdcount(raw);
  if (r.qdcount > 0) {
    const ldns_rr* q = ldns_rr_list_rr(ldns_pkt_question(raw), 0);
    r.question = take(ldns_rdf2str(ldns_rr_owner(q)));
    r.qtype = static_cast<uint16_t>(ldns_rr_get_type(q));
  }
  const ldns_rr_list* answers = ldns_pkt_answer(raw);
  for (size_t i = 0; i < ldns_rr_list_rr_count(answers); ++i) {
    const ldns_rr* rr = ldns_rr_list_rr(answers, i);
    std::string text = take(ldns_rr_type2str(ldns_rr_get_type(rr)));
    for (size_t j = 0; j < ldns_rr_rd_count(rr); ++j) {
      text += " " + take(ldns_rdf2str(ldns_rr_rdf(rr, j)));
    }
    r.answers.push_back(text);
  }
  return r;
}

std::vector<uint8_t> dns_fake_reply(std::span<const uint8_t> query, int rcode,
                                    const std::vector<std::string>& answers, bool truncate) {
  ldns_pkt* raw = nullptr;
  if (ldns_wire2pkt(&raw, query.data(), query.size()) != LDNS_STATUS_OK) {
    if (raw) ldns_pkt_free(raw);
    return {};
  }
  PktPtr q(raw);
  PktPtr r(ldns_pkt_new());
  ldns_pkt_set_id(r.get(), ldns_pkt_id(raw));
  ldns_pkt_set_qr(r.get(), true);
  ldns_pkt_set_rd(r.get(), ldns_pkt_rd(raw));
  ldns_pkt_set_ra(r.get(), true);
  ldns_pkt_set_rcode(r.get(), static_cast<uint8_t>(rcode));
  ldns_pkt_set_tc(r.get(), truncate);
  const ldns_rr* question = ldns_rr_list_rr(ldns_pkt_question(raw), 0);
  ldns_pkt_push_rr(r.get(), LDNS_SECTION_QUESTION, ldns_rr_clone(question));
  if (ldns_pkt_edns(raw)) ldns_pkt_set_edns_udp_size(r.get(), 1232);
  if (!truncate) {
    std::string owner = take(ldns_rdf2str(ldns_rr_owner(question)));
    for (const auto& a : answers) {
      ldns_rr* rr = nullptr;
      std::string text = owner + " 60 IN " + a;
      if (ldns_rr_new_frm_str(&rr, text.c_str(), 0, nullptr, nullptr) == LDNS_STATUS_OK) {
        ldns_pkt_push_rr(r.get(), LDNS_SECTION_ANSWER, rr);
      }
    }
  }
  return wire_of(r.get());
}

}  // namespace racker::test
