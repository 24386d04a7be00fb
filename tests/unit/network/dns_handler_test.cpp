#include "racker/network/dns_handler.h"

#include <catch2/catch.hpp>

#include "support/dns_test_wire.h"

using namespace racker::network;
using racker::test::dns_parse_reply;
using racker::test::dns_query;
using racker::test::DnsQueryOptions;
using racker::test::DnsTestReply;
namespace ip = boost::asio::ip;

namespace {

DnsQueryOptions with_id(uint16_t id) {
  DnsQueryOptions o;
  o.id = id;
  return o;
}
DnsQueryOptions with_opcode(uint8_t opcode) {
  DnsQueryOptions o;
  o.opcode = opcode;
  return o;
}
DnsQueryOptions with_class(uint16_t qclass) {
  DnsQueryOptions o;
  o.qclass = qclass;
  return o;
}
DnsQueryOptions with_edns(uint16_t size, uint8_t version = 0) {
  DnsQueryOptions o;
  o.edns_udp_size = size;
  o.edns_version = version;
  return o;
}

struct Zone {
  DnsRecords records;
  DnsHandler handler{records, DnsZoneOptions{.network = "proj_default",
                                             .local_domains = {"proj.racker"},
                                             .ttl = 600}};
  Zone() {
    DnsEndpoint web;
    web.network = "proj_default";
    web.container = "proj-web-1";
    web.service = "web";
    web.aliases = {"frontend"};
    web.hostname = "webhost";
    web.addresses = {ip::make_address("172.20.0.2"), ip::make_address("fd00::2")};
    REQUIRE(records.add(web));
    DnsEndpoint db;
    db.network = "proj_default";
    db.container = "proj-db-1";
    db.service = "db";
    db.addresses = {ip::make_address("172.20.0.3")};
    REQUIRE(records.add(db));
    DnsEndpoint other;  // on another network only
    other.network = "proj_back";
    other.container = "proj-cache-1";
    other.service = "cache";
    other.addresses = {ip::make_address("172.21.0.2")};
    REQUIRE(records.add(other));
  }

  DnsDecision decide(const std::string& name, uint16_t type, DnsQueryOptions o = {},
                     DnsTransport t = DnsTransport::kUdp) {
    return handler.handle(dns_query(name, type, o), t);
  }
  DnsTestReply ask(const std::string& name, uint16_t type, DnsQueryOptions o = {},
                   DnsTransport t = DnsTransport::kUdp) {
    auto d = decide(name, type, o, t);
    REQUIRE(d.kind == DnsDecision::Kind::kReply);
    return dns_parse_reply(d.reply);
  }
};

}  // namespace

TEST_CASE("dns handler answers a service name with A, authoritatively", "[dns][handler]") {
  Zone z;
  auto r = z.ask("web.", kDnsTypeA, with_id(777));
  REQUIRE(r.parsed);
  CHECK(r.id == 777);
  CHECK(r.qr);
  CHECK(r.aa);
  CHECK(r.rd);
  CHECK(r.ra);
  CHECK(r.rcode == 0);
  CHECK(r.question == "web.");
  CHECK(r.answers == std::vector<std::string>{"A 172.20.0.2"});
}

TEST_CASE("dns handler answers aliases, container names, hostnames and AAAA", "[dns][handler]") {
  Zone z;
  CHECK(z.ask("frontend.", kDnsTypeA).answers == std::vector<std::string>{"A 172.20.0.2"});
  CHECK(z.ask("proj-web-1.", kDnsTypeA).answers == std::vector<std::string>{"A 172.20.0.2"});
  CHECK(z.ask("webhost.", kDnsTypeA).answers == std::vector<std::string>{"A 172.20.0.2"});
  CHECK(z.ask("web.", kDnsTypeAaaa).answers == std::vector<std::string>{"AAAA fd00::2"});
  CHECK(z.ask("web.", kDnsTypeAny).answers ==
        std::vector<std::string>{"A 172.20.0.2", "AAAA fd00::2"});
}

TEST_CASE("dns handler echoes the client's letter case", "[dns][handler]") {
  Zone z;
  auto r = z.ask("WeB.", kDnsTypeA);
  CHECK(r.question == "WeB.");
  CHECK(r.answers == std::vector<std::string>{"A 172.20.0.2"});
}

TEST_CASE("dns handler gives NODATA for other types of a known name", "[dns][handler]") {
  Zone z;
  for (uint16_t type : {uint16_t{kDnsTypeAaaa}, uint16_t{15} /* MX */, uint16_t{16} /* TXT */,
                        uint16_t{65280} /* private use */}) {
    INFO("type " << type);
    auto r = z.ask("db.", type);
    CHECK(r.rcode == 0);
    CHECK(r.aa);
    CHECK(r.answers.empty());
  }
}

TEST_CASE("dns handler gives NXDOMAIN for unknown project names, never forwarding", "[dns][handler]") {
  Zone z;
  for (const char* name : {"nosuch.", "cache.", "x.proj_default.", "proj_default.",
                           "svc.proj.racker.", "proj.racker."}) {
    INFO(name);
    auto r = z.ask(name, kDnsTypeA);
    CHECK(r.rcode == 3);
    CHECK(r.aa);
    CHECK(r.answers.empty());
  }
}

TEST_CASE("dns handler forwards other names", "[dns][handler]") {
  Zone z;
  for (const char* name : {"example.com.", "web.example.com.", "."}) {
    INFO(name);
    auto d = z.decide(name, kDnsTypeA);
    CHECK(d.kind == DnsDecision::Kind::kForward);
  }
  auto d = z.decide("Example.COM.", uint16_t{15});
  REQUIRE(d.kind == DnsDecision::Kind::kForward);
  CHECK(d.query.name == "example.com");
}

TEST_CASE("dns handler answers PTR for the network's addresses and forwards others", "[dns][handler]") {
  Zone z;
  auto r = z.ask("2.0.20.172.in-addr.arpa.", kDnsTypePtr);
  CHECK(r.aa);
  CHECK(r.answers == std::vector<std::string>{"PTR proj-web-1.proj_default."});
  auto six = z.ask(dns_reverse_name(ip::make_address("fd00::2")) + ".", kDnsTypePtr);
  CHECK(six.answers == std::vector<std::string>{"PTR proj-web-1.proj_default."});
  // An address only on another network is not this network's to answer.
  CHECK(z.decide("2.0.21.172.in-addr.arpa.", kDnsTypePtr).kind == DnsDecision::Kind::kForward);
  CHECK(z.decide("8.8.8.8.in-addr.arpa.", kDnsTypePtr).kind == DnsDecision::Kind::kForward);
  // The PTR target resolves forward too.
  CHECK(z.ask("proj-web-1.proj_default.", kDnsTypeA).answers ==
        std::vector<std::string>{"A 172.20.0.2"});
}

TEST_CASE("dns handler answers FORMERR, NOTIMP and BADVERS, and drops junk", "[dns][handler]") {
  Zone z;
  SECTION("malformed with a header: FORMERR, same ID") {
    auto wire = dns_query("web.", kDnsTypeA, with_id(4242));
    wire.resize(wire.size() - 3);  // cut into the question
    auto d = z.handler.handle(wire, DnsTransport::kUdp);
    REQUIRE(d.kind == DnsDecision::Kind::kReply);
    CHECK(d.rcode == DnsRcode::kFormErr);
    auto r = dns_parse_reply(d.reply);
    REQUIRE(r.parsed);
    CHECK(r.id == 4242);
    CHECK(r.rcode == 1);
    CHECK(r.qdcount == 0);
  }
  SECTION("runt and response: dropped") {
    std::vector<uint8_t> runt = {1, 2, 3, 4, 5};
    CHECK(z.handler.handle(runt, DnsTransport::kUdp).kind == DnsDecision::Kind::kDrop);
    auto wire = dns_query("web.", kDnsTypeA);
    wire[2] |= 0x80;
    CHECK(z.handler.handle(wire, DnsTransport::kTcp).kind == DnsDecision::Kind::kDrop);
  }
  SECTION("opcode STATUS: NOTIMP") {
    auto r = z.ask("web.", kDnsTypeA, with_opcode(2));
    CHECK(r.rcode == 4);
    CHECK(r.answers.empty());
  }
  SECTION("EDNS version 1: BADVERS") {
    auto r = z.ask("web.", kDnsTypeA, with_edns(1232, 1));
    CHECK(r.rcode == 16);
    CHECK(r.edns);
    CHECK(r.answers.empty());
  }
  SECTION("class CH for a known name: NOTIMP") {
    auto r = z.ask("web.", kDnsTypeA, with_class(3));
    CHECK(r.rcode == 4);
  }
}

TEST_CASE("dns handler truncates big UDP answers unless EDNS or TCP allows them", "[dns][handler]") {
  Zone z;
  for (int i = 1; i <= 40; ++i) {
    DnsEndpoint e;
    e.network = "proj_default";
    e.container = "proj-api-" + std::to_string(i);
    e.service = "api";
    e.addresses = {ip::make_address("172.20.1." + std::to_string(i))};
    REQUIRE(z.records.add(e));
  }
  auto udp = z.ask("api.", kDnsTypeA);
  CHECK(udp.tc);
  CHECK(udp.answers.empty());
  CHECK(udp.size <= 512);

  auto edns = z.ask("api.", kDnsTypeA, with_edns(4096));
  CHECK_FALSE(edns.tc);
  CHECK(edns.answers.size() == 40);
  CHECK(edns.edns);

  auto tcp = z.ask("api.", kDnsTypeA, {}, DnsTransport::kTcp);
  CHECK_FALSE(tcp.tc);
  CHECK(tcp.answers.size() == 40);
}

TEST_CASE("dns handler relays upstream replies with the client's ID", "[dns][handler]") {
  Zone z;
  auto query = dns_query("example.com.", kDnsTypeA, with_id(99));
  auto d = z.handler.handle(query, DnsTransport::kUdp);
  REQUIRE(d.kind == DnsDecision::Kind::kForward);
  auto upstream_query = query;
  upstream_query[0] = 0x55;  // the forwarder's own ID
  auto reply = racker::test::dns_fake_reply(upstream_query, 0, {"A 198.51.100.7"}, false);
  auto relayed = dns_parse_reply(z.handler.relay(d.query, reply, DnsTransport::kUdp));
  CHECK(relayed.id == 99);
  CHECK(relayed.answers == std::vector<std::string>{"A 198.51.100.7"});

  std::vector<std::string> many;
  for (int i = 1; i <= 40; ++i) many.push_back("A 198.51.100." + std::to_string(i));
  auto big = racker::test::dns_fake_reply(upstream_query, 0, many, false);
  REQUIRE(big.size() > 512);
  auto cut = dns_parse_reply(z.handler.relay(d.query, big, DnsTransport::kUdp));
  CHECK(cut.id == 99);
  CHECK(cut.tc);
  CHECK(cut.answers.empty());
  auto whole = dns_parse_reply(z.handler.relay(d.query, big, DnsTransport::kTcp));
  CHECK(whole.answers.size() == 40);

  auto sf = dns_parse_reply(z.handler.servfail(d.query, DnsTransport::kUdp));
  CHECK(sf.id == 99);
  CHECK(sf.rcode == 2);
  CHECK(sf.question == "example.com.");
}
