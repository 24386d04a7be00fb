// racker's DNS forwarder against fake upstreams on loopback: fail-over in
// order, SERVFAIL passed on to the next upstream, truncation retried over
// TCP. No root needed; traffic stays on 127.0.0.1.
#include <catch2/catch.hpp>

#include <optional>

#include "racker/network/dns_forwarder.h"
#include "racker/network/dns_message.h"
#include "support/dns_fake_upstream.h"
#include "support/dns_test_wire.h"

using namespace racker::network;
using racker::test::dns_parse_reply;
using racker::test::dns_query;
using racker::test::DnsFakeUpstream;
using racker::test::DnsTestReply;

namespace {

// Forwards one query on `io` and runs the loop until the callback ran.
std::optional<racker::Result<std::vector<uint8_t>>> forward_once(
    boost::asio::io_context& io, DnsForwarder& forwarder, const std::string& name, bool tcp_retry,
    uint16_t id = 0x7777) {
  racker::test::DnsQueryOptions o;
  o.id = id;
  auto query = dns_query(name, kDnsTypeA, o);
  auto parsed = parse_dns_query(query);
  REQUIRE(parsed.outcome == DnsParseOutcome::kQuery);
  std::optional<racker::Result<std::vector<uint8_t>>> got;
  forwarder.forward(query, parsed.query.question_end, tcp_retry,
                    [&](racker::Result<std::vector<uint8_t>> r) { got.emplace(std::move(r)); });
  while (!got && io.run_one_for(std::chrono::seconds(10)) > 0) {
  }
  return got;
}

}  // namespace

TEST_CASE("dns forwarder moves past silent and failing upstreams in order", "[integration][dns]") {
  boost::asio::io_context io;
  DnsFakeUpstream silent(io), failing(io), good(io);
  REQUIRE(silent.ok());
  REQUIRE(failing.ok());
  REQUIRE(good.ok());
  silent.set_mode(DnsFakeUpstream::Mode::kSilent);
  failing.set_mode(DnsFakeUpstream::Mode::kServFail);
  DnsForwarderOptions options;
  options.upstreams = {silent.endpoint(), failing.endpoint(), good.endpoint()};
  options.timeout = std::chrono::milliseconds(200);
  DnsForwarder forwarder(io, options);

  auto got = forward_once(io, forwarder, "www.example.com.", false);
  REQUIRE(got);
  REQUIRE(got->ok());
  DnsTestReply r = dns_parse_reply(got->value());
  CHECK(r.id == 0x7777);  // the query's own ID, whatever was sent upstream
  CHECK(r.answers == std::vector<std::string>{"A 198.51.100.7"});
  CHECK(silent.udp_queries() == 1);
  CHECK(failing.udp_queries() == 1);
  CHECK(good.udp_queries() == 1);

  // All failing: the last SERVFAIL is passed on; all silent: a timeout.
  DnsForwarderOptions bad;
  bad.upstreams = {silent.endpoint(), failing.endpoint()};
  bad.timeout = std::chrono::milliseconds(200);
  DnsForwarder bad_forwarder(io, bad);
  auto servfail = forward_once(io, bad_forwarder, "www.example.com.", false);
  REQUIRE(servfail);
  REQUIRE(servfail->ok());
  CHECK(dns_parse_reply(servfail->value()).rcode == 2);

  DnsForwarderOptions quiet;
  quiet.upstreams = {silent.endpoint()};
  quiet.timeout = std::chrono::milliseconds(200);
  DnsForwarder quiet_forwarder(io, quiet);
  auto timeout = forward_once(io, quiet_forwarder, "www.example.com.", false);
  REQUIRE(timeout);
  REQUIRE_FALSE(timeout->ok());
  CHECK(timeout->error().code == racker::Errc::kTimeout);
  silent.close();
  failing.close();
  good.close();
}

TEST_CASE("dns forwarder retries a truncated answer over TCP when asked to", "[integration][dns]") {
  boost::asio::io_context io;
  DnsFakeUpstream up(io);
  REQUIRE(up.ok());
  DnsForwarderOptions options;
  options.upstreams = {up.endpoint()};
  DnsForwarder forwarder(io, options);

  auto udp_only = forward_once(io, forwarder, "big.example.com.", false);
  REQUIRE(udp_only);
  REQUIRE(udp_only->ok());
  CHECK(dns_parse_reply(udp_only->value()).tc);
  CHECK(up.tcp_queries() == 0);

  auto with_tcp = forward_once(io, forwarder, "big.example.com.", true);
  REQUIRE(with_tcp);
  REQUIRE(with_tcp->ok());
  auto r = dns_parse_reply(with_tcp->value());
  CHECK_FALSE(r.tc);
  CHECK(r.answers.size() == 40);
  CHECK(up.tcp_queries() == 1);
  up.close();
}
