#include "racker/network/ipam.h"

#include <catch2/catch.hpp>

using namespace racker;
using namespace racker::network;

namespace {
Subnet S(const char* text) { return Subnet::parse(text).value(); }
IpAddress A(const char* text) { return IpAddress::parse(text).value(); }
HostRoute on_link(const char* subnet, const char* dev) { return {S(subnet), dev, false}; }
HostRoute routed(const char* subnet, const char* dev) { return {S(subnet), dev, true}; }

AddressPlan plan(const char* subnet) {
  AddressPlan p;
  p.subnet = S(subnet);
  p.gateway = *p.subnet.host(1);
  return p;
}
}  // namespace

TEST_CASE("default pools are docker's", "[network][ipam]") {
  auto pools = default_pools(Family::kV4);
  REQUIRE(pools.size() == 16);
  CHECK(pools.front().base.to_string() == "172.17.0.0/16");
  CHECK(pools.front().size == 16);
  CHECK(pools[14].base.to_string() == "172.31.0.0/16");
  CHECK(pools.back().base.to_string() == "192.168.0.0/16");
  CHECK(pools.back().size == 20);
  CHECK(default_pools(Family::kV6).front().base.to_string() == "fd72:6b72:6b00::/48");
}

TEST_CASE("the pool hands out subnets in order, skipping taken ones", "[network][ipam]") {
  auto pools = default_pools(Family::kV4);
  CHECK(allocate_subnet(pools, {})->to_string() == "172.17.0.0/16");
  std::vector<Reservation> taken = {{S("172.17.0.0/16"), "docker0"}, {S("172.18.5.0/24"), "network other_x"}};
  CHECK(allocate_subnet(pools, taken)->to_string() == "172.19.0.0/16");
  // Every /16 of 172.16/12 gone: 192.168.0.0/20, then /20 steps.
  taken = {{S("172.16.0.0/12"), "vpn"}, {S("192.168.0.0/20"), "lan"}};
  CHECK(allocate_subnet(pools, taken)->to_string() == "192.168.16.0/20");
}

TEST_CASE("subnet allocation skips host routes given as input", "[network][ipam]") {
  std::vector<HostRoute> host = {on_link("172.17.0.0/16", "docker0"), on_link("172.18.0.0/24", "eth0"),
                                 routed("172.19.0.0/16", "tun0")};
  std::vector<std::string> warnings;
  auto p = plan_addresses(std::nullopt, Family::kV4, default_pools(Family::kV4), {}, host, &warnings);
  REQUIRE(p.ok());
  CHECK(p->subnet.to_string() == "172.20.0.0/16");
  CHECK(p->gateway.to_string() == "172.20.0.1");
  CHECK_FALSE(p->ip_range.has_value());
  CHECK(warnings.empty());
}

TEST_CASE("an exhausted pool is a clear error", "[network][ipam]") {
  std::vector<AddressPool> pools = {{S("10.99.0.0/23"), 24}};
  std::vector<Reservation> taken = {{S("10.99.0.0/24"), "network a_default"}, {S("10.99.1.0/24"), "network b_default"}};
  auto r = allocate_subnet(pools, taken);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().code == Errc::kConflict);
  CHECK(r.error().message == "all predefined address pools have been fully subnetted");
}

TEST_CASE("two projects never share a subnet", "[network][ipam]") {
  auto pools = default_pools(Family::kV4);
  std::vector<Reservation> taken;
  auto a = plan_addresses(std::nullopt, Family::kV4, pools, taken, {}, nullptr);
  REQUIRE(a.ok());
  taken.push_back({a->subnet, "network alpha_default"});
  auto b = plan_addresses(std::nullopt, Family::kV4, pools, taken, {}, nullptr);
  REQUIRE(b.ok());
  CHECK_FALSE(a->subnet.overlaps(b->subnet));
  // And a user subnet inside another project's network is refused.
  IpamConfig user;
  user.subnet = a->subnet.to_string();
  auto c = plan_addresses(user, Family::kV4, pools, taken, {}, nullptr);
  REQUIRE_FALSE(c.ok());
  CHECK(c.error().code == Errc::kConflict);
  CHECK(c.error().message == "Pool overlaps with other one on this address space: subnet 172.17.0.0/16 overlaps "
                             "172.17.0.0/16 of network alpha_default");
}

TEST_CASE("user ipam config is honoured (TestIPAMConfig)", "[network][ipam]") {
  IpamConfig user;
  user.subnet = "10.1.0.0/16";
  auto p = plan_addresses(user, Family::kV4, default_pools(Family::kV4), {}, {}, nullptr);
  REQUIRE(p.ok());
  CHECK(p->subnet.to_string() == "10.1.0.0/16");
  CHECK(p->gateway.to_string() == "10.1.0.1");
  auto a = allocate_address(*p, {}, A("10.1.0.100"));
  REQUIRE(a.ok());
  CHECK(a->to_string() == "10.1.0.100");
}

TEST_CASE("user gateway, ip_range and aux addresses", "[network][ipam]") {
  IpamConfig user;
  user.subnet = "172.28.0.0/16";
  user.ip_range = "172.28.5.0/24";
  user.gateway = "172.28.5.254";
  user.aux_addresses = {{"host1", "172.28.5.1"}};
  auto p = plan_addresses(user, Family::kV4, default_pools(Family::kV4), {}, {}, nullptr);
  REQUIRE(p.ok());
  CHECK(p->gateway.to_string() == "172.28.5.254");
  CHECK(p->ip_range->to_string() == "172.28.5.0/24");
  // Dynamic addresses come from the range, skipping its network address and the aux address.
  CHECK(allocate_address(*p, {}, std::nullopt)->to_string() == "172.28.5.2");
  // A static address outside the range but inside the subnet is fine.
  CHECK(allocate_address(*p, {}, A("172.28.9.9"))->to_string() == "172.28.9.9");
}

TEST_CASE("bad user ipam config is rejected with a reason", "[network][ipam]") {
  auto pools = default_pools(Family::kV4);
  auto attempt = [&](IpamConfig c) { return plan_addresses(c, Family::kV4, pools, {}, {}, nullptr); };
  IpamConfig c;
  c.subnet = "10.1.0.0/16";
  c.gateway = "10.2.0.1";
  CHECK(attempt(c).error().message == "gateway 10.2.0.1 is not in subnet 10.1.0.0/16");
  c.gateway.reset();
  c.ip_range = "10.9.0.0/24";
  CHECK(attempt(c).error().message == "ip_range 10.9.0.0/24 is not within subnet 10.1.0.0/16");
  c.ip_range.reset();
  c.subnet = "10.1.0.1/16";
  CHECK(attempt(c).error().message == "invalid subnet 10.1.0.1/16: it should be 10.1.0.0/16");
  c.subnet = "10.1.0.0/31";
  CHECK(attempt(c).error().message == "subnet 10.1.0.0/31 is too small for a network");
  IpamConfig no_subnet;
  no_subnet.gateway = "10.1.0.1";
  CHECK(attempt(no_subnet).error().message == "ipam.config: gateway and ip_range need a subnet");
}

TEST_CASE("a user subnet on a host interface is refused, a routed one warns", "[network][ipam]") {
  IpamConfig c;
  c.subnet = "192.0.2.0/25";
  std::vector<std::string> warnings;
  auto r = plan_addresses(c, Family::kV4, {}, {}, {on_link("192.0.2.0/24", "eth0")}, &warnings);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().code == Errc::kConflict);
  CHECK(r.error().message == "subnet 192.0.2.0/25 overlaps 192.0.2.0/24 on host interface eth0");
  c.subnet = "10.1.0.0/16";
  auto w = plan_addresses(c, Family::kV4, {}, {}, {routed("10.0.0.0/8", "tun0")}, &warnings);
  REQUIRE(w.ok());
  REQUIRE(warnings.size() == 1);
  CHECK(warnings[0].find("overlaps 10.0.0.0/8 routed via tun0") != std::string::npos);
}

TEST_CASE("dynamic addresses: lowest free, skipping network, gateway, broadcast", "[network][ipam]") {
  AddressPlan p = plan("10.5.0.0/29");  // .0 network, .1 gateway, .7 broadcast
  std::set<IpAddress> used;
  for (const char* want : {"10.5.0.2", "10.5.0.3", "10.5.0.4", "10.5.0.5", "10.5.0.6"}) {
    auto a = allocate_address(p, used, std::nullopt);
    REQUIRE(a.ok());
    CHECK(a->to_string() == want);
    used.insert(*a);
  }
  auto none = allocate_address(p, used, std::nullopt);
  REQUIRE_FALSE(none.ok());
  CHECK(none.error().code == Errc::kConflict);
  CHECK(none.error().message == "no available IPv4 addresses in 10.5.0.0/29");
  // Release one: it is handed out again.
  used.erase(A("10.5.0.4"));
  CHECK(allocate_address(p, used, std::nullopt)->to_string() == "10.5.0.4");
}

TEST_CASE("static addresses must be free and inside the subnet", "[network][ipam]") {
  AddressPlan p = plan("10.1.0.0/16");
  std::set<IpAddress> used = {A("10.1.0.100")};
  auto taken = allocate_address(p, used, A("10.1.0.100"));
  REQUIRE_FALSE(taken.ok());
  CHECK(taken.error().message == "Address already in use: 10.1.0.100");
  auto gw = allocate_address(p, used, A("10.1.0.1"));
  CHECK(gw.error().message == "Address already in use: 10.1.0.1 is the gateway");
  auto outside = allocate_address(p, used, A("10.2.0.100"));
  CHECK(outside.error().code == Errc::kInvalidArgument);
  CHECK(outside.error().message ==
        "no configured subnet or ip-range contain the IP address 10.2.0.100 (subnet 10.1.0.0/16)");
  CHECK_FALSE(allocate_address(p, used, A("10.1.0.0")).ok());
  CHECK_FALSE(allocate_address(p, used, A("10.1.255.255")).ok());
}

TEST_CASE("IPv6 networks get a /64 of racker's ULA prefix", "[network][ipam]") {
  std::vector<Reservation> taken = {{S("fd72:6b72:6b00::/64"), "network a"}};
  auto p = plan_addresses(std::nullopt, Family::kV6, default_pools(Family::kV6), taken, {}, nullptr);
  REQUIRE(p.ok());
  CHECK(p->subnet.to_string() == "fd72:6b72:6b00:1::/64");
  CHECK(p->gateway.to_string() == "fd72:6b72:6b00:1::1");
  CHECK(allocate_address(*p, {}, std::nullopt)->to_string() == "fd72:6b72:6b00:1::2");
}
