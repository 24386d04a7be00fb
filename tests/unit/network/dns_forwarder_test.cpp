#include "racker/network/dns_forwarder.h"

#include <catch2/catch.hpp>

#include <stdlib.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <optional>

#include "racker/network/dns_message.h"
#include "support/dns_test_wire.h"

using namespace racker::network;

TEST_CASE("dns upstreams come from resolv.conf nameservers", "[dns][forwarder]") {
  auto ups = dns_upstreams({"127.0.0.53", "dns.example", "2001:db8::53", ""});
  REQUIRE(ups.size() == 2);
  CHECK(ups[0].address().to_string() == "127.0.0.53");
  CHECK(ups[0].port() == 53);
  CHECK(ups[1].address().to_string() == "2001:db8::53");

  char path[] = "/tmp/racker-dns-resolv-XXXXXX";
  int fd = mkstemp(path);
  REQUIRE(fd >= 0);
  close(fd);
  {
    std::ofstream out(path);
    out << "# test\nnameserver 10.1.2.3\nsearch x.example\nnameserver 127.0.0.1\n";
  }
  auto host = host_dns_upstreams(path);
  std::remove(path);
  REQUIRE(host);
  REQUIRE(host->size() == 2);
  CHECK((*host)[0].address().to_string() == "10.1.2.3");
  CHECK((*host)[1].address().to_string() == "127.0.0.1");

  auto missing = host_dns_upstreams("/nonexistent/resolv.conf");
  REQUIRE_FALSE(missing);
  CHECK(missing.error().code == racker::Errc::kIo);
}

TEST_CASE("dns forwarder without upstreams fails through its callback, later", "[dns][forwarder]") {
  boost::asio::io_context io;
  DnsForwarder forwarder(io, DnsForwarderOptions{});
  auto query = racker::test::dns_query("example.com.", kDnsTypeA);
  auto parsed = parse_dns_query(query);
  REQUIRE(parsed.outcome == DnsParseOutcome::kQuery);
  std::optional<racker::Errc> got;
  forwarder.forward(query, parsed.query.question_end, false,
                    [&](racker::Result<std::vector<uint8_t>> r) { got = r ? racker::Errc::kInternal : r.error().code; });
  CHECK_FALSE(got);  // never inside forward() itself
  io.run();
  REQUIRE(got);
  CHECK(*got == racker::Errc::kNotFound);
}

TEST_CASE("dns forwarder calls nothing back after stop", "[dns][forwarder]") {
  boost::asio::io_context io;
  DnsForwarderOptions options;
  // A loopback port nobody listens on: the exchange would fail or time out.
  options.upstreams = {boost::asio::ip::udp::endpoint(boost::asio::ip::make_address("127.0.0.1"), 9)};
  options.timeout = std::chrono::milliseconds(200);
  DnsForwarder forwarder(io, options);
  auto query = racker::test::dns_query("example.com.", kDnsTypeA);
  auto parsed = parse_dns_query(query);
  int calls = 0;
  forwarder.forward(query, parsed.query.question_end, false,
                    [&](racker::Result<std::vector<uint8_t>>) { ++calls; });
  CHECK(forwarder.in_flight() == 1);
  forwarder.stop();
  CHECK(forwarder.in_flight() == 0);
  io.run();
  CHECK(calls == 0);
}
