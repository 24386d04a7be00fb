// A container on several networks resolves the names of all its networks
// through the server of any one of them, as docker's resolver does; others
// see only their network's names.
#include <catch2/catch.hpp>

#include <boost/asio/ip/address.hpp>

#include "racker/network/dns_records.h"

using racker::network::DnsEndpoint;
using racker::network::DnsRecords;
namespace ip = boost::asio::ip;

TEST_CASE("dns views: the querying container's other networks follow its own", "[dns][records]") {
  DnsRecords r;
  auto add = [&](std::string network, std::string container, std::string service, std::string address) {
    DnsEndpoint e;
    e.network = network;
    e.container = container;
    e.service = service;
    e.addresses = {ip::make_address(address)};
    REQUIRE(r.add(e));
  };
  add("p_back", "p-both-1", "both", "10.1.0.2");
  add("p_front", "p-both-1", "both", "10.2.0.2");
  add("p_front", "p-front-1", "front", "10.2.0.3");
  add("p_back", "p-back-1", "back", "10.1.0.3");

  auto both = r.views_of("p_back", ip::make_address("10.1.0.2"));
  CHECK(both == std::vector<std::string>{"p_back", "p_front"});
  auto back = r.views_of("p_back", ip::make_address("10.1.0.3"));
  CHECK(back == std::vector<std::string>{"p_back"});
  auto stranger = r.views_of("p_back", ip::make_address("10.9.9.9"));
  CHECK(stranger == std::vector<std::string>{"p_back"});
  auto unknown_net = r.views_of("p_nope", ip::make_address("10.1.0.2"));
  CHECK(unknown_net == std::vector<std::string>{"p_nope"});
}
