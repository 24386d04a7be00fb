#include "racker/network/firewall.h"

#include <catch2/catch.hpp>

using namespace racker::network;

TEST_CASE("the firewall skeleton is racker's own table, rewritten idempotently", "[network][firewall]") {
  CHECK(render_firewall_skeleton() ==
        "add table inet racker_net\n"
        "add set inet racker_net same { type ifname . ifname; }\n"
        "add set inet racker_net internal { type ifname; }\n"
        "add set inet racker_net masq4 { type ipv4_addr; flags interval; }\n"
        "add set inet racker_net masq6 { type ipv6_addr; flags interval; }\n"
        "add chain inet racker_net forward { type filter hook forward priority filter - 5; policy accept; }\n"
        "flush chain inet racker_net forward\n"
        "add rule inet racker_net forward iifname . oifname @same accept\n"
        "add rule inet racker_net forward iifname \"rk-*\" oifname \"rk-*\" drop\n"
        "add rule inet racker_net forward iifname @internal drop\n"
        "add rule inet racker_net forward oifname @internal drop\n"
        "add chain inet racker_net postrouting { type nat hook postrouting priority srcnat - 5; policy accept; }\n"
        "flush chain inet racker_net postrouting\n"
        "add rule inet racker_net postrouting ip saddr @masq4 oifname != \"rk-*\" masquerade\n"
        "add rule inet racker_net postrouting ip6 saddr @masq6 oifname != \"rk-*\" masquerade\n");
}

TEST_CASE("a network's elements: same-bridge, internal, masquerade", "[network][firewall]") {
  FirewallEntry normal{"rk-aaaaaaaaaaaa", false, {"172.18.0.0/16", "fd72:6b72:6b00::/64"}};
  CHECK(render_firewall_add(normal) ==
        "add element inet racker_net same { \"rk-aaaaaaaaaaaa\" . \"rk-aaaaaaaaaaaa\" }\n"
        "add element inet racker_net masq4 { 172.18.0.0/16 comment \"rk-aaaaaaaaaaaa\" }\n"
        "add element inet racker_net masq6 { fd72:6b72:6b00::/64 comment \"rk-aaaaaaaaaaaa\" }\n");
  FirewallEntry internal{"rk-bbbbbbbbbbbb", true, {}};
  CHECK(render_firewall_add(internal) ==
        "add element inet racker_net same { \"rk-bbbbbbbbbbbb\" . \"rk-bbbbbbbbbbbb\" }\n"
        "add element inet racker_net internal { \"rk-bbbbbbbbbbbb\" }\n");
}

namespace {
// As `nft list table inet racker_net` prints it (nftables 1.0.6).
const char* kListing =
    "table inet racker_net {\n"
    "\tset same {\n"
    "\t\ttype ifname . ifname\n"
    "\t\telements = { \"rk-aaaaaaaaaaaa\" . \"rk-aaaaaaaaaaaa\",\n"
    "\t\t\t     \"rk-bbbbbbbbbbbb\" . \"rk-bbbbbbbbbbbb\" }\n"
    "\t}\n"
    "\n"
    "\tset internal {\n"
    "\t\ttype ifname\n"
    "\t\telements = { \"rk-bbbbbbbbbbbb\" }\n"
    "\t}\n"
    "\n"
    "\tset masq4 {\n"
    "\t\ttype ipv4_addr\n"
    "\t\tflags interval\n"
    "\t\telements = { 172.18.0.0/16 comment \"rk-aaaaaaaaaaaa\" }\n"
    "\t}\n"
    "\n"
    "\tset masq6 {\n"
    "\t\ttype ipv6_addr\n"
    "\t\tflags interval\n"
    "\t}\n"
    "\n"
    "\tchain forward {\n"
    "\t\ttype filter hook forward priority filter - 5; policy accept;\n"
    "\t\tiifname . oifname @same accept\n"
    "\t}\n"
    "}\n";
}  // namespace

TEST_CASE("the listing parses into sets and owners", "[network][firewall]") {
  auto sets = parse_firewall_listing(kListing);
  REQUIRE(sets.size() == 4);
  CHECK(sets["same"] == std::vector<std::string>{"\"rk-aaaaaaaaaaaa\" . \"rk-aaaaaaaaaaaa\"",
                                                 "\"rk-bbbbbbbbbbbb\" . \"rk-bbbbbbbbbbbb\""});
  CHECK(sets["internal"] == std::vector<std::string>{"\"rk-bbbbbbbbbbbb\""});
  CHECK(sets["masq4"] == std::vector<std::string>{"172.18.0.0/16 comment \"rk-aaaaaaaaaaaa\""});
  CHECK(sets["masq6"].empty());
  CHECK(firewall_bridges(sets) == std::vector<std::string>{"rk-aaaaaaaaaaaa", "rk-bbbbbbbbbbbb"});
}

TEST_CASE("removing a network deletes exactly its elements, the table with the last", "[network][firewall]") {
  auto sets = parse_firewall_listing(kListing);
  CHECK(render_firewall_remove("rk-aaaaaaaaaaaa", sets) ==
        "delete element inet racker_net masq4 { 172.18.0.0/16 }\n"
        "delete element inet racker_net same { \"rk-aaaaaaaaaaaa\" . \"rk-aaaaaaaaaaaa\" }\n");
  CHECK(render_firewall_remove("rk-cccccccccccc", sets) == "");
  // Only b's elements left: removing b drops the table.
  sets["same"].erase(sets["same"].begin());
  sets["masq4"].clear();
  CHECK(render_firewall_remove("rk-bbbbbbbbbbbb", sets) == "delete table inet racker_net\n");
  CHECK(render_firewall_remove("rk-bbbbbbbbbbbb", {}) == "");
}
