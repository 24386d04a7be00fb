#include "racker/network/dns_message.h"

#include <catch2/catch.hpp>

#include <random>

#include "support/dns_test_wire.h"

using namespace racker::network;
using racker::test::dns_parse_reply;
using racker::test::dns_query;
using racker::test::DnsQueryOptions;
namespace ip = boost::asio::ip;

TEST_CASE("dns query parse reads the header, question and EDNS", "[dns][message]") {
  DnsQueryOptions o;
  o.id = 0xBEEF;
  o.edns_udp_size = 4096;
  auto wire = dns_query("Web.Example.", kDnsTypeAaaa, o);
  auto parsed = parse_dns_query(wire);
  REQUIRE(parsed.outcome == DnsParseOutcome::kQuery);
  const DnsQuery& q = parsed.query;
  CHECK(q.id == 0xBEEF);
  CHECK(q.opcode == 0);
  CHECK(q.recursion_desired);
  CHECK(q.name == "web.example");
  CHECK(q.asked_name == "Web.Example");
  CHECK(q.type == kDnsTypeAaaa);
  CHECK(q.qclass == kDnsClassIn);
  CHECK(q.edns);
  CHECK(q.edns_udp_size == 4096);
  CHECK(dns_udp_limit(q) == kDnsServerUdpSize);
  CHECK(q.question_end == 12 + 13 + 4);  // 3Web7Example0 + type + class
}

TEST_CASE("dns query parse ignores runts and responses", "[dns][message]") {
  std::vector<uint8_t> runt = {0x12, 0x34, 0x01};
  CHECK(parse_dns_query(runt).outcome == DnsParseOutcome::kIgnore);
  CHECK(parse_dns_query({}).outcome == DnsParseOutcome::kIgnore);
  auto wire = dns_query("web.", kDnsTypeA);
  wire[2] |= 0x80;  // QR: a response
  CHECK(parse_dns_query(wire).outcome == DnsParseOutcome::kIgnore);
}

TEST_CASE("dns query parse calls malformed messages malformed", "[dns][message]") {
  auto wire = dns_query("web.example.", kDnsTypeA);
  SECTION("every truncation of a valid query") {
    for (size_t n = 0; n < wire.size(); ++n) {
      std::vector<uint8_t> cut(wire.begin(), wire.begin() + n);
      auto outcome = parse_dns_query(cut).outcome;
      INFO("length " << n);
      CHECK(outcome == (n < kDnsHeaderSize ? DnsParseOutcome::kIgnore : DnsParseOutcome::kMalformed));
    }
  }
  SECTION("two questions") {
    wire[5] = 2;
    CHECK(parse_dns_query(wire).outcome == DnsParseOutcome::kMalformed);
  }
  SECTION("no question") {
    wire[5] = 0;
    CHECK(parse_dns_query(wire).outcome == DnsParseOutcome::kMalformed);
  }
  SECTION("a label running past the end") {
    wire[12] = 60;
    CHECK(parse_dns_query(wire).outcome == DnsParseOutcome::kMalformed);
  }
  SECTION("a compression loop in the question") {
    wire[12] = 0xC0;
    wire[13] = 12;  // points at itself
    CHECK(parse_dns_query(wire).outcome == DnsParseOutcome::kMalformed);
  }
}

TEST_CASE("dns query parse survives random bytes", "[dns][message]") {
  std::mt19937 rng(42);
  auto base = dns_query("a.b.c.example.", kDnsTypeA, DnsQueryOptions{0x1234, true, 0, 1, 1232, 0});
  for (int i = 0; i < 20000; ++i) {
    std::vector<uint8_t> msg;
    if (i % 2 == 0) {
      msg.resize(rng() % 80);
      for (auto& b : msg) b = static_cast<uint8_t>(rng());
    } else {
      msg = base;  // flip a few bytes of a valid query
      for (int k = 0; k < 3; ++k) msg[rng() % msg.size()] = static_cast<uint8_t>(rng());
      msg.resize(rng() % (msg.size() + 1));
    }
    if (msg.size() >= 3) msg[2] &= 0x7F;  // a query, so the parser goes deep
    auto parsed = parse_dns_query(msg);
    if (parsed.outcome == DnsParseOutcome::kQuery) {
      CHECK(parsed.query.question_end <= msg.size());
      auto reply = build_dns_reply(parsed.query, {}, 512);
      CHECK(reply.size() >= kDnsHeaderSize);
    }
  }
}

TEST_CASE("dns reply echoes the question and sets TC when too big", "[dns][message]") {
  auto wire = dns_query("svc.", kDnsTypeA);
  auto parsed = parse_dns_query(wire);
  REQUIRE(parsed.outcome == DnsParseOutcome::kQuery);
  DnsReplySpec spec;
  spec.authoritative = true;
  for (int i = 1; i <= 40; ++i) {
    DnsAnswer a;
    a.ttl = 600;
    a.data = ip::make_address("10.0.0." + std::to_string(i));
    spec.answers.push_back(a);
  }
  auto full = dns_parse_reply(build_dns_reply(parsed.query, spec, 65535));
  REQUIRE(full.parsed);
  CHECK(full.id == 0x1234);
  CHECK(full.answers.size() == 40);
  CHECK_FALSE(full.tc);
  CHECK(full.size > 512);

  auto cut = dns_parse_reply(build_dns_reply(parsed.query, spec, 512));
  REQUIRE(cut.parsed);
  CHECK(cut.tc);
  CHECK(cut.answers.empty());
  CHECK(cut.question == "svc.");
  CHECK(cut.aa);
}

TEST_CASE("dns header reply keeps the ID and opcode", "[dns][message]") {
  std::vector<uint8_t> junk = {0xAB, 0xCD, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0, 0xFF};
  auto r = build_dns_header_reply(junk, DnsRcode::kFormErr);
  REQUIRE(r.size() == kDnsHeaderSize);
  CHECK(r[0] == 0xAB);
  CHECK(r[1] == 0xCD);
  CHECK((r[2] & 0x80) != 0);          // QR
  CHECK((r[2] & 0x01) != 0);          // RD kept
  CHECK((r[3] & 0x0F) == 1);          // FORMERR
  CHECK(r[5] == 0);                   // no question
}

TEST_CASE("dns reply matching checks ID, QR and question", "[dns][message]") {
  auto query = dns_query("Example.COM.", kDnsTypeA);
  auto parsed = parse_dns_query(query);
  REQUIRE(parsed.outcome == DnsParseOutcome::kQuery);
  size_t end = parsed.query.question_end;
  auto reply = racker::test::dns_fake_reply(query, 0, {"A 198.51.100.7"}, false);
  CHECK(dns_reply_matches(query, end, reply));
  auto other_case = reply;
  other_case[13] = 'E';  // "example" -> "Example" in the echoed name
  CHECK(dns_reply_matches(query, end, other_case));
  auto wrong_id = reply;
  wrong_id[1] ^= 1;
  CHECK_FALSE(dns_reply_matches(query, end, wrong_id));
  auto other_name = racker::test::dns_fake_reply(dns_query("example.org.", kDnsTypeA), 0, {}, false);
  CHECK_FALSE(dns_reply_matches(query, end, other_name));
  CHECK_FALSE(dns_reply_matches(query, end, query));  // not a response
  CHECK_FALSE(dns_reply_matches(query, end, std::vector<uint8_t>(reply.begin(), reply.begin() + 10)));
}

TEST_CASE("dns reverse names map to addresses and back", "[dns][message]") {
  auto v4 = dns_reverse_name_address("2.0.20.172.in-addr.arpa.");
  REQUIRE(v4);
  CHECK(v4->to_string() == "172.20.0.2");
  CHECK(dns_reverse_name(*v4) == "2.0.20.172.in-addr.arpa");
  auto six = ip::make_address("fd00::2");
  auto name = dns_reverse_name(six);
  CHECK(name == "2.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.d.f.ip6.arpa");
  auto back = dns_reverse_name_address(name);
  REQUIRE(back);
  CHECK(*back == six);
  CHECK_FALSE(dns_reverse_name_address("0.20.172.in-addr.arpa"));  // partial
  CHECK_FALSE(dns_reverse_name_address("256.0.20.172.in-addr.arpa"));
  CHECK_FALSE(dns_reverse_name_address("x.0.20.172.in-addr.arpa"));
  CHECK_FALSE(dns_reverse_name_address("example.com"));
  CHECK_FALSE(dns_reverse_name_address(""));
}
