#include "racker/network/host_routes.h"

#include <catch2/catch.hpp>

using namespace racker::network;

TEST_CASE("IPv4 routes parse from /proc/net/route text", "[network][routes]") {
  const char* text =
      "Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT\n"
      "eth0\t00000000\t010200C0\t0003\t0\t0\t0\t00000000\t0\t0\t0\n"
      "cni-podman0\t0000580A\t00000000\t0001\t0\t0\t0\t0000FFFF\t0\t0\t0\n"
      "eth0\t000200C0\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0\n"
      "tun0\t0000000A\t0100000A\t0003\t0\t0\t0\t000000FF\t0\t0\t0\n";
  auto routes = parse_proc_net_route(text);
  REQUIRE(routes.size() == 4);
  CHECK(routes[0].destination.to_string() == "0.0.0.0/0");
  CHECK(routes[1].destination.to_string() == "10.88.0.0/16");
  CHECK(routes[1].device == "cni-podman0");
  CHECK_FALSE(routes[1].via_gateway);
  CHECK(routes[2].destination.to_string() == "192.0.2.0/24");
  CHECK(routes[3].destination.to_string() == "10.0.0.0/8");
  CHECK(routes[3].via_gateway);
}

TEST_CASE("IPv6 routes parse from /proc/net/ipv6_route text", "[network][routes]") {
  const char* text =
      "fd000000000000000000000000000000 40 00000000000000000000000000000000 00 00000000000000000000000000000000 "
      "00000100 00000001 00000000 00000001     eth0\n"
      "20010db8000000000000000000000000 20 00000000000000000000000000000000 00 fd000000000000000000000000000001 "
      "00000400 00000001 00000000 00000003     eth0\n";
  auto routes = parse_proc_net_ipv6_route(text);
  REQUIRE(routes.size() == 2);
  CHECK(routes[0].destination.to_string() == "fd00::/64");
  CHECK_FALSE(routes[0].via_gateway);
  CHECK(routes[1].destination.to_string() == "2001:db8::/32");
  CHECK(routes[1].via_gateway);
}

TEST_CASE("garbage lines are skipped", "[network][routes]") {
  CHECK(parse_proc_net_route("header\nnot a route\n").empty());
  CHECK(parse_proc_net_ipv6_route("zz 40 x\n").empty());
}
