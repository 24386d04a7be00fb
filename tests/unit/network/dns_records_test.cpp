#include "racker/network/dns_records.h"

#include <catch2/catch.hpp>

#include <set>
#include <thread>

using racker::network::DnsEndpoint;
using racker::network::DnsFamily;
using racker::network::DnsRecords;
using racker::network::dns_normalize_name;
using racker::network::dns_valid_name;
namespace ip = boost::asio::ip;

namespace {

DnsEndpoint endpoint(std::string network, std::string container, std::string service,
                     std::vector<std::string> addresses, std::vector<std::string> aliases = {},
                     std::string hostname = "") {
  DnsEndpoint e;
  e.network = std::move(network);
  e.container = std::move(container);
  e.service = std::move(service);
  e.aliases = std::move(aliases);
  e.hostname = std::move(hostname);
  for (const auto& a : addresses) e.addresses.push_back(ip::make_address(a));
  return e;
}

std::vector<std::string> v4(DnsRecords& r, const std::string& network, const std::string& name) {
  std::vector<std::string> out;
  for (const auto& a : r.lookup(network, name, DnsFamily::kV4).addresses) out.push_back(a.to_string());
  return out;
}

}  // namespace

TEST_CASE("dns names are normalized to lower case without the trailing dot", "[dns][records]") {
  CHECK(dns_normalize_name("Web.Example.") == "web.example");
  CHECK(dns_normalize_name("db") == "db");
  CHECK(dns_normalize_name("") == "");
  CHECK(dns_valid_name("proj-web-1"));
  CHECK(dns_valid_name("proj-web-1.proj_default."));
  CHECK_FALSE(dns_valid_name(""));
  CHECK_FALSE(dns_valid_name("a..b"));
  CHECK_FALSE(dns_valid_name("with space"));
  CHECK_FALSE(dns_valid_name(std::string(64, 'a')));
  CHECK(dns_valid_name(std::string(63, 'a')));
}

TEST_CASE("dns records answer container name, service, alias and hostname", "[dns][records]") {
  DnsRecords r;
  REQUIRE(r.add(endpoint("p_default", "p-web-1", "web", {"172.20.0.2", "fd00::2"}, {"frontend"},
                         "webhost")));
  for (const char* name : {"p-web-1", "web", "frontend", "webhost", "p-web-1.p_default"}) {
    INFO(name);
    CHECK(v4(r, "p_default", name) == std::vector<std::string>{"172.20.0.2"});
    auto six = r.lookup("p_default", name, DnsFamily::kV6);
    REQUIRE(six.addresses.size() == 1);
    CHECK(six.addresses[0].to_string() == "fd00::2");
  }
  auto unknown = r.lookup("p_default", "nope", DnsFamily::kV4);
  CHECK_FALSE(unknown.name_exists);
}

TEST_CASE("dns names are case-insensitive and accept a trailing dot", "[dns][records]") {
  DnsRecords r;
  REQUIRE(r.add(endpoint("n", "Proj-DB-1", "DB", {"10.1.0.5"})));
  CHECK(v4(r, "n", "db") == std::vector<std::string>{"10.1.0.5"});
  CHECK(v4(r, "n", "DB.") == std::vector<std::string>{"10.1.0.5"});
  CHECK(v4(r, "n", "proj-db-1") == std::vector<std::string>{"10.1.0.5"});
  CHECK(r.contains("n", "PROJ-db-1."));
}

TEST_CASE("dns records are scoped to their network", "[dns][records]") {
  DnsRecords r;
  REQUIRE(r.add(endpoint("x", "p-a-1", "a", {"10.0.1.2"})));
  REQUIRE(r.add(endpoint("y", "p-b-1", "b", {"10.0.2.2"})));
  // A container on both networks answers on both, each with its own address.
  REQUIRE(r.add(endpoint("x", "p-c-1", "c", {"10.0.1.3"})));
  REQUIRE(r.add(endpoint("y", "p-c-1", "c", {"10.0.2.3"})));

  CHECK(v4(r, "x", "a") == std::vector<std::string>{"10.0.1.2"});
  CHECK_FALSE(r.lookup("x", "b", DnsFamily::kV4).name_exists);
  CHECK_FALSE(r.lookup("y", "a", DnsFamily::kV4).name_exists);
  CHECK(v4(r, "x", "c") == std::vector<std::string>{"10.0.1.3"});
  CHECK(v4(r, "y", "c") == std::vector<std::string>{"10.0.2.3"});
  CHECK_FALSE(r.contains("z", "a"));
}

TEST_CASE("dns replicas of a service rotate round robin per lookup", "[dns][records]") {
  DnsRecords r;
  REQUIRE(r.add(endpoint("n", "p-api-1", "api", {"10.0.0.11"})));
  REQUIRE(r.add(endpoint("n", "p-api-2", "api", {"10.0.0.12"})));
  REQUIRE(r.add(endpoint("n", "p-api-3", "api", {"10.0.0.13"})));
  std::vector<std::string> firsts;
  for (int i = 0; i < 6; ++i) {
    auto all = v4(r, "n", "api");
    REQUIRE(all.size() == 3);
    CHECK(std::set<std::string>(all.begin(), all.end()).size() == 3);
    firsts.push_back(all[0]);
  }
  CHECK(firsts == std::vector<std::string>{"10.0.0.11", "10.0.0.12", "10.0.0.13", "10.0.0.11",
                                           "10.0.0.12", "10.0.0.13"});
  // Each replica still answers alone under its container name.
  CHECK(v4(r, "n", "p-api-2") == std::vector<std::string>{"10.0.0.12"});
}

TEST_CASE("dns reverse lookups give container.network for the network's own addresses", "[dns][records]") {
  DnsRecords r;
  REQUIRE(r.add(endpoint("p_default", "p-web-1", "web", {"172.20.0.2", "fd00::2"})));
  auto name = r.reverse("p_default", ip::make_address("172.20.0.2"));
  REQUIRE(name);
  CHECK(*name == "p-web-1.p_default");
  CHECK(r.reverse("p_default", ip::make_address("fd00::2")) == name);
  CHECK_FALSE(r.reverse("p_default", ip::make_address("172.20.0.3")));
  CHECK_FALSE(r.reverse("other", ip::make_address("172.20.0.2")));
}

TEST_CASE("dns endpoints can be replaced and removed while in use", "[dns][records]") {
  DnsRecords r;
  REQUIRE(r.add(endpoint("n", "p-web-1", "web", {"10.0.0.2"}, {"old"})));
  REQUIRE(r.add(endpoint("n", "p-web-1", "web", {"10.0.0.9"}, {"new"})));  // same key: replaced
  CHECK(v4(r, "n", "web") == std::vector<std::string>{"10.0.0.9"});
  CHECK_FALSE(r.contains("n", "old"));
  CHECK(r.contains("n", "new"));
  CHECK_FALSE(r.reverse("n", ip::make_address("10.0.0.2")));

  REQUIRE(r.add(endpoint("n", "p-web-2", "web", {"10.0.0.3"})));
  REQUIRE(r.add(endpoint("m", "p-web-1", "web", {"10.9.0.2"})));
  CHECK(r.remove("n", "p-web-1"));
  CHECK_FALSE(r.remove("n", "p-web-1"));
  CHECK(v4(r, "n", "web") == std::vector<std::string>{"10.0.0.3"});
  CHECK_FALSE(r.contains("n", "p-web-1"));
  CHECK(r.contains("m", "p-web-1"));

  CHECK(r.remove_container("p-web-2") == 1);
  CHECK_FALSE(r.contains("n", "web"));
  r.remove_network("m");
  CHECK(r.endpoints("m").empty());
}

TEST_CASE("dns records keep a known name with only other-family addresses", "[dns][records]") {
  DnsRecords r;
  REQUIRE(r.add(endpoint("n", "p-v4only-1", "v4only", {"10.0.0.2"})));
  auto six = r.lookup("n", "v4only", DnsFamily::kV6);
  CHECK(six.name_exists);  // NODATA, not NXDOMAIN
  CHECK(six.addresses.empty());
}

TEST_CASE("dns records reject invalid names but keep the endpoint", "[dns][records]") {
  DnsRecords r;
  auto bad = r.add(endpoint("n", "p-web-1", "web", {"10.0.0.2"}, {"bad alias", "ok-alias"}));
  REQUIRE_FALSE(bad);
  CHECK(bad.error().message == "not valid DNS names, not resolvable: bad alias");
  CHECK(r.contains("n", "ok-alias"));
  CHECK(r.contains("n", "web"));
  CHECK_FALSE(r.add(endpoint("", "c", "s", {"10.0.0.3"})));
}

TEST_CASE("dns records can be updated from another thread while read", "[dns][records]") {
  DnsRecords r;
  REQUIRE(r.add(endpoint("n", "p-web-1", "web", {"10.0.0.2"})));
  std::thread writer([&] {
    for (int i = 0; i < 2000; ++i) {
      (void)r.add(endpoint("n", "p-web-2", "web", {"10.0.0.3"}));
      r.remove("n", "p-web-2");
    }
  });
  for (int i = 0; i < 2000; ++i) {
    auto all = v4(r, "n", "web");
    REQUIRE((all.size() == 1 || all.size() == 2));
  }
  writer.join();
  CHECK(v4(r, "n", "web") == std::vector<std::string>{"10.0.0.2"});
}

TEST_CASE("dns round robin advances per family, so A after AAAA still rotates", "[dns][records]") {
  DnsRecords r;
  REQUIRE(r.add(endpoint("n", "p-api-1", "api", {"10.0.0.11", "fd00::11"})));
  REQUIRE(r.add(endpoint("n", "p-api-2", "api", {"10.0.0.12", "fd00::12"})));
  std::vector<std::string> firsts;
  for (int i = 0; i < 4; ++i) {
    firsts.push_back(v4(r, "n", "api").front());
    CHECK(r.lookup("n", "api", DnsFamily::kV6).addresses.size() == 2);  // as getaddrinfo does
  }
  CHECK(firsts == std::vector<std::string>{"10.0.0.11", "10.0.0.12", "10.0.0.11", "10.0.0.12"});
}
