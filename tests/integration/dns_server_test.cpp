// racker's embedded DNS server on loopback: a real server on 127.0.0.1 with
// a fake upstream on another loopback port, queried over UDP and TCP by a
// plain socket client and by dig. Needs no root and sends traffic to
// 127.0.0.1 only.
#include <catch2/catch.hpp>

#include <set>
#include <sstream>

#include "racker/network/dns_server.h"
#include "support/dns_server_fixture.h"
#include "support/dns_test_client.h"
#include "support/dns_test_wire.h"

using namespace racker::test;
using racker::network::DnsServer;
using racker::network::DnsServerOptions;

namespace {

constexpr uint16_t kA = 1, kAaaa = 28, kPtr = 12;

DnsTestReply udp_ask(DnsServerFixture& f, const std::string& name, uint16_t type, size_t server = 0,
                     DnsQueryOptions o = {}) {
  auto reply = dns_udp_exchange("127.0.0.1", f.port(server), dns_query(name, type, o));
  REQUIRE(reply);
  return dns_parse_reply(*reply);
}

DnsTestReply tcp_ask(DnsServerFixture& f, const std::string& name, uint16_t type, DnsQueryOptions o = {}) {
  auto replies = dns_tcp_exchange("127.0.0.1", f.port(), {dns_query(name, type, o)});
  REQUIRE(replies);
  REQUIRE(replies->size() == 1);
  return dns_parse_reply(replies->front());
}

// A stack: web (alias frontend, hostname webhost), three api replicas, db.
void add_stack(DnsServerFixture& f) {
  f.add("proj_default", "proj-web-1", "web", {"172.20.0.2"}, {"frontend"}, "webhost");
  f.add("proj_default", "proj-api-1", "api", {"172.20.0.11"});
  f.add("proj_default", "proj-api-2", "api", {"172.20.0.12"});
  f.add("proj_default", "proj-api-3", "api", {"172.20.0.13"});
  f.add("proj_default", "proj-db-1", "db", {"172.20.0.3"});
}

using Strings = std::vector<std::string>;

}  // namespace

TEST_CASE("dns server answers service, alias, container and hostname over UDP and TCP",
          "[integration][dns]") {
  DnsServerFixture f;
  REQUIRE(f.error().empty());
  add_stack(f);
  for (const char* name : {"web.", "frontend.", "proj-web-1.", "webhost.", "WEB."}) {
    INFO(name);
    auto u = udp_ask(f, name, kA);
    CHECK(u.rcode == 0);
    CHECK(u.aa);
    CHECK(u.answers == Strings{"A 172.20.0.2"});
    auto t = tcp_ask(f, name, kA);
    CHECK(t.rcode == 0);
    CHECK(t.answers == Strings{"A 172.20.0.2"});
  }
  auto six = udp_ask(f, "web.", kAaaa);
  CHECK(six.rcode == 0);  // known name, no IPv6: NODATA
  CHECK(six.answers.empty());
  CHECK(f.upstream().udp_queries() == 0);
}

TEST_CASE("dns server rotates replicas of a service", "[integration][dns]") {
  DnsServerFixture f;
  REQUIRE(f.error().empty());
  add_stack(f);
  std::set<std::string> firsts;
  for (int i = 0; i < 6; ++i) {
    auto r = udp_ask(f, "api.", kA);
    REQUIRE(r.answers.size() == 3);
    CHECK(std::set<std::string>(r.answers.begin(), r.answers.end()) ==
          std::set<std::string>{"A 172.20.0.11", "A 172.20.0.12", "A 172.20.0.13"});
    firsts.insert(r.answers.front());
  }
  CHECK(firsts.size() == 3);
}

TEST_CASE("dns server answers PTR for the network's addresses", "[integration][dns]") {
  DnsServerFixture f;
  REQUIRE(f.error().empty());
  add_stack(f);
  auto r = udp_ask(f, "3.0.20.172.in-addr.arpa.", kPtr);
  CHECK(r.rcode == 0);
  CHECK(r.answers == Strings{"PTR proj-db-1.proj_default."});
  auto t = tcp_ask(f, "2.0.20.172.in-addr.arpa.", kPtr);
  CHECK(t.answers == Strings{"PTR proj-web-1.proj_default."});
}

TEST_CASE("dns server gives NXDOMAIN for unknown single-label names without forwarding",
          "[integration][dns]") {
  DnsServerFixture f;
  REQUIRE(f.error().empty());
  add_stack(f);
  for (const char* name : {"nosuch.", "cache.", "x.proj_default."}) {
    INFO(name);
    CHECK(udp_ask(f, name, kA).rcode == 3);
    CHECK(tcp_ask(f, name, kA).rcode == 3);
  }
  CHECK(f.upstream().udp_queries() == 0);
  CHECK(f.upstream().tcp_queries() == 0);
}

TEST_CASE("dns server forwards other names to the upstream with the client's ID",
          "[integration][dns]") {
  DnsServerFixture f;
  REQUIRE(f.error().empty());
  DnsQueryOptions o;
  o.id = 0x4321;
  auto u = udp_ask(f, "www.example.com.", kA, 0, o);
  CHECK(u.id == 0x4321);
  CHECK(u.rcode == 0);
  CHECK(u.answers == Strings{"A 198.51.100.7"});
  CHECK(u.question == "www.example.com.");
  auto t = tcp_ask(f, "www.example.org.", kAaaa, o);
  CHECK(t.id == 0x4321);
  CHECK(t.answers == Strings{"AAAA 2001:db8::7"});
  CHECK(f.upstream().udp_queries() == 2);  // TCP clients are forwarded over UDP first
  CHECK(f.upstream().names() == Strings{"www.example.com.", "www.example.org."});
  auto stats = f.stats();
  CHECK(stats.forwarded == 2);
  CHECK(stats.servfail == 0);
}

TEST_CASE("dns server answers SERVFAIL when the upstream is silent", "[integration][dns]") {
  DnsServerFixture f;
  REQUIRE(f.error().empty());
  f.upstream().set_mode(DnsFakeUpstream::Mode::kSilent);
  auto u = udp_ask(f, "www.example.com.", kA);
  CHECK(u.rcode == 2);
  CHECK(u.question == "www.example.com.");
  auto t = tcp_ask(f, "www.example.com.", kA);
  CHECK(t.rcode == 2);
  CHECK(f.upstream().udp_queries() == 2);
  CHECK(f.stats().servfail == 2);
  // The server keeps working afterwards.
  f.upstream().set_mode(DnsFakeUpstream::Mode::kAnswer);
  CHECK(udp_ask(f, "www.example.com.", kA).answers == Strings{"A 198.51.100.7"});
}

TEST_CASE("dns server relays truncation to UDP clients and retries over TCP for TCP clients",
          "[integration][dns]") {
  DnsServerFixture f;
  REQUIRE(f.error().empty());
  auto u = udp_ask(f, "big.example.com.", kA);
  CHECK(u.tc);
  CHECK(u.answers.empty());
  auto t = tcp_ask(f, "big.example.com.", kA);
  CHECK_FALSE(t.tc);
  CHECK(t.answers.size() == 40);
  CHECK(f.upstream().tcp_queries() == 1);
  // A UDP client with EDNS gets it whole.
  DnsQueryOptions o;
  o.edns_udp_size = 1232;
  auto e = udp_ask(f, "big.example.com.", kA, 0, o);
  CHECK_FALSE(e.tc);
  CHECK(e.answers.size() == 40);
}

TEST_CASE("dns server truncates big local answers over UDP", "[integration][dns]") {
  DnsServerFixture f;
  REQUIRE(f.error().empty());
  for (int i = 1; i <= 40; ++i) {
    f.add("proj_default", "proj-worker-" + std::to_string(i), "worker",
          {"172.20.1." + std::to_string(i)});
  }
  auto u = udp_ask(f, "worker.", kA);
  CHECK(u.tc);
  CHECK(u.size <= 512);
  auto t = tcp_ask(f, "worker.", kA);
  CHECK(t.answers.size() == 40);
}

TEST_CASE("dns server sees endpoints come and go while serving", "[integration][dns]") {
  DnsServerFixture f;
  REQUIRE(f.error().empty());
  CHECK(udp_ask(f, "late.", kA).rcode == 3);
  f.add("proj_default", "proj-late-1", "late", {"172.20.0.40"});
  CHECK(udp_ask(f, "late.", kA).answers == Strings{"A 172.20.0.40"});
  f.add("proj_default", "proj-late-2", "late", {"172.20.0.41"});
  CHECK(tcp_ask(f, "late.", kA).answers.size() == 2);
  f.records().remove("proj_default", "proj-late-1");
  CHECK(udp_ask(f, "late.", kA).answers == Strings{"A 172.20.0.41"});
  f.records().remove_container("proj-late-2");
  CHECK(udp_ask(f, "late.", kA).rcode == 3);
}

TEST_CASE("dns server listeners on one loop keep their networks apart", "[integration][dns]") {
  DnsServerFixture f({"proj_front", "proj_back"});
  REQUIRE(f.error().empty());
  f.add("proj_front", "proj-web-1", "web", {"172.30.0.2"});
  f.add("proj_back", "proj-db-1", "db", {"172.31.0.2"});
  f.add("proj_front", "proj-api-1", "api", {"172.30.0.3"});
  f.add("proj_back", "proj-api-1", "api", {"172.31.0.3"});
  CHECK(udp_ask(f, "web.", kA, 0).answers == Strings{"A 172.30.0.2"});
  CHECK(udp_ask(f, "web.", kA, 1).rcode == 3);
  CHECK(udp_ask(f, "db.", kA, 1).answers == Strings{"A 172.31.0.2"});
  CHECK(udp_ask(f, "db.", kA, 0).rcode == 3);
  CHECK(udp_ask(f, "api.", kA, 0).answers == Strings{"A 172.30.0.3"});
  CHECK(udp_ask(f, "api.", kA, 1).answers == Strings{"A 172.31.0.3"});

  // Stopping one listener leaves the other serving.
  f.stop_server(0);
  CHECK_FALSE(dns_udp_exchange("127.0.0.1", f.port(0), dns_query("web.", kA), 300));
  CHECK_FALSE(dns_tcp_exchange("127.0.0.1", f.port(0), {dns_query("web.", kA)}, 300));
  CHECK(udp_ask(f, "db.", kA, 1).answers == Strings{"A 172.31.0.2"});
}

TEST_CASE("dns server answers malformed messages with FORMERR and ignores junk",
          "[integration][dns]") {
  DnsServerFixture f;
  REQUIRE(f.error().empty());
  add_stack(f);
  DnsQueryOptions o;
  o.id = 0x0BAD;
  auto wire = dns_query("web.", kA, o);
  std::vector<uint8_t> cut(wire.begin(), wire.end() - 3);
  auto u = dns_udp_exchange("127.0.0.1", f.port(), cut);
  REQUIRE(u);
  auto ur = dns_parse_reply(*u);
  CHECK(ur.id == 0x0BAD);
  CHECK(ur.rcode == 1);
  auto t = dns_tcp_exchange("127.0.0.1", f.port(), {cut});
  REQUIRE(t);
  CHECK(dns_parse_reply(t->front()).rcode == 1);
  // A runt gets no answer; the server still answers afterwards.
  CHECK_FALSE(dns_udp_exchange("127.0.0.1", f.port(), {1, 2, 3}, 300));
  CHECK(udp_ask(f, "web.", kA).answers == Strings{"A 172.20.0.2"});
  CHECK(f.stats().dropped == 1);
}

TEST_CASE("dns server answers pipelined TCP queries, local and forwarded", "[integration][dns]") {
  DnsServerFixture f;
  REQUIRE(f.error().empty());
  add_stack(f);
  std::vector<std::vector<uint8_t>> queries;
  for (uint16_t id = 1; id <= 6; ++id) {
    DnsQueryOptions o;
    o.id = id;
    queries.push_back(dns_query(id % 2 ? "db." : "www.example.net.", kA, o));
  }
  auto replies = dns_tcp_exchange("127.0.0.1", f.port(), queries);
  REQUIRE(replies);
  REQUIRE(replies->size() == 6);
  std::set<uint16_t> ids;
  for (const auto& raw : *replies) {
    auto r = dns_parse_reply(raw);
    ids.insert(r.id);
    CHECK(r.answers == Strings{r.id % 2 ? "A 172.20.0.3" : "A 198.51.100.7"});
  }
  CHECK(ids == std::set<uint16_t>{1, 2, 3, 4, 5, 6});
}

TEST_CASE("dns server works with dig over UDP and TCP", "[integration][dns]") {
  DnsServerFixture f;
  REQUIRE(f.error().empty());
  add_stack(f);
  auto probe = run_dig(f.port(), "+short web");
  if (!probe) {
    WARN("dig not installed (bind9-dnsutils, scripts/deps/test.list): skipped");
    return;
  }
  CHECK(*probe == "172.20.0.2\n");
  CHECK(*run_dig(f.port(), "+short +tcp frontend") == "172.20.0.2\n");
  CHECK(*run_dig(f.port(), "+short -x 172.20.0.3") == "proj-db-1.proj_default.\n");
  CHECK(*run_dig(f.port(), "+short www.example.com") == "198.51.100.7\n");
  std::string nx = *run_dig(f.port(), "nosuch");
  CHECK(nx.find("status: NXDOMAIN") != std::string::npos);
  std::string api = *run_dig(f.port(), "+short +tcp api");
  std::istringstream lines(api);
  std::set<std::string> got;
  for (std::string line; std::getline(lines, line);) got.insert(line);
  CHECK(got == std::set<std::string>{"172.20.0.11", "172.20.0.12", "172.20.0.13"});
}

TEST_CASE("dns server reports a port in use and stops cleanly", "[integration][dns]") {
  DnsServerFixture f;
  REQUIRE(f.error().empty());
  boost::asio::io_context io;
  racker::network::DnsRecords records;
  DnsServerOptions o;
  o.address = boost::asio::ip::make_address("127.0.0.1");
  o.port = f.port();
  o.zone.network = "other";
  auto clash = DnsServer::start(io, records, o);
  REQUIRE_FALSE(clash);
  CHECK(clash.error().code == racker::Errc::kConflict);

  // Start, stop and destroy a second server on its own loop: its port is
  // free again afterwards.
  o.port = 0;
  auto second = DnsServer::start(io, records, o);
  REQUIRE(second);
  uint16_t port = (*second)->port();
  (*second)->stop();
  second->reset();
  io.run();  // drains the aborted handlers
  o.port = port;
  auto again = DnsServer::start(io, records, o);
  REQUIRE(again);
  (*again)->stop();
  io.restart();
  io.run();
}
