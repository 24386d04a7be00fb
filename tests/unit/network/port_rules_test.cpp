#include "racker/network/port_rules.h"

#include <catch2/catch.hpp>

using namespace racker;
using namespace racker::network;

TEST_CASE("DNAT rule per mapping: all addresses, one address, udp, IPv6", "[port_rules]") {
  CHECK(render_dnat_rule(PortMapping{"", 8080, "10.88.0.2", 80}) ==
        "meta nfproto ipv4 tcp dport 8080 dnat ip to 10.88.0.2:80 comment \"0.0.0.0:8080->10.88.0.2:80/tcp\"");
  CHECK(render_dnat_rule(PortMapping{"127.0.0.1", 3000, "10.88.0.2", 3000}) ==
        "ip daddr 127.0.0.1 tcp dport 3000 dnat ip to 10.88.0.2:3000 comment \"127.0.0.1:3000->10.88.0.2:3000/tcp\"");
  CHECK(render_dnat_rule(PortMapping{"", 8125, "10.88.0.2", 8125, Protocol::kUdp}) ==
        "meta nfproto ipv4 udp dport 8125 dnat ip to 10.88.0.2:8125 comment \"0.0.0.0:8125->10.88.0.2:8125/udp\"");
  CHECK(render_dnat_rule(PortMapping{"fd00::1", 8080, "fd01::2", 80}) ==
        "ip6 daddr fd00::1 tcp dport 8080 dnat ip6 to [fd01::2]:80 comment \"[fd00::1]:8080->[fd01::2]:80/tcp\"");
  CHECK(render_dnat_rule(PortMapping{"", 53, "fd01::2", 53, Protocol::kUdp}) ==
        "meta nfproto ipv6 udp dport 53 dnat ip6 to [fd01::2]:53 comment \"[::]:53->[fd01::2]:53/udp\"");
}

TEST_CASE("hairpin rule masquerades a container reaching itself", "[port_rules]") {
  CHECK(render_hairpin_rule(PortMapping{"", 8080, "10.88.0.2", 80}) ==
        "ip saddr 10.88.0.2 ip daddr 10.88.0.2 tcp dport 80 masquerade");
  CHECK(render_hairpin_rule(PortMapping{"", 53, "fd01::2", 53, Protocol::kUdp}) ==
        "ip6 saddr fd01::2 ip6 daddr fd01::2 udp dport 53 masquerade");
}

TEST_CASE("the whole table, rebuilt in one batch", "[port_rules]") {
  PublishedPorts ports{
      {"app-web-1",
       {PortMapping{"127.0.0.1", 3000, "10.88.0.2", 3000}, PortMapping{"", 8080, "10.88.0.2", 80},
        PortMapping{"", 8081, "10.88.0.2", 80}}},
      {"app-stats-1", {PortMapping{"", 8125, "10.88.0.3", 8125, Protocol::kUdp}}},
  };
  CHECK(render_ports_table("racker_ports", ports, {"rk-app"}) ==
        "add table inet racker_ports\n"
        "delete table inet racker_ports\n"
        "table inet racker_ports {\n"
        "\tchain c_app-stats-1 {\n"
        "\t\tmeta nfproto ipv4 udp dport 8125 dnat ip to 10.88.0.3:8125 comment \"0.0.0.0:8125->10.88.0.3:8125/udp\"\n"
        "\t}\n"
        "\tchain h_app-stats-1 {\n"
        "\t\tip saddr 10.88.0.3 ip daddr 10.88.0.3 udp dport 8125 masquerade\n"
        "\t}\n"
        "\tchain c_app-web-1 {\n"
        "\t\tip daddr 127.0.0.1 tcp dport 3000 dnat ip to 10.88.0.2:3000 comment \"127.0.0.1:3000->10.88.0.2:3000/tcp\"\n"
        "\t\tmeta nfproto ipv4 tcp dport 8080 dnat ip to 10.88.0.2:80 comment \"0.0.0.0:8080->10.88.0.2:80/tcp\"\n"
        "\t\tmeta nfproto ipv4 tcp dport 8081 dnat ip to 10.88.0.2:80 comment \"0.0.0.0:8081->10.88.0.2:80/tcp\"\n"
        "\t}\n"
        "\tchain h_app-web-1 {\n"
        "\t\tip saddr 10.88.0.2 ip daddr 10.88.0.2 tcp dport 3000 masquerade\n"
        "\t\tip saddr 10.88.0.2 ip daddr 10.88.0.2 tcp dport 80 masquerade\n"
        "\t}\n"
        "\tchain published {\n"
        "\t\tjump c_app-stats-1\n"
        "\t\tjump c_app-web-1\n"
        "\t}\n"
        "\tchain hairpin {\n"
        "\t\tjump h_app-stats-1\n"
        "\t\tjump h_app-web-1\n"
        "\t}\n"
        "\tchain localnet_guard {\n"
        "\t\ttype filter hook prerouting priority raw; policy accept;\n"
        "\t\tiifname { \"rk-app\" } ip daddr 127.0.0.0/8 drop\n"
        "\t}\n"
        "\tchain prerouting {\n"
        "\t\ttype nat hook prerouting priority dstnat; policy accept;\n"
        "\t\tfib daddr type local jump published\n"
        "\t}\n"
        "\tchain output {\n"
        "\t\ttype nat hook output priority -100; policy accept;\n"
        "\t\tfib daddr type local jump published\n"
        "\t}\n"
        "\tchain postrouting {\n"
        "\t\ttype nat hook postrouting priority srcnat; policy accept;\n"
        "\t\tip saddr 127.0.0.0/8 ct status dnat masquerade\n"
        "\t\tjump hairpin\n"
        "\t}\n"
        "}\n");
}

TEST_CASE("no bridge to guard leaves the guard chain out, no ports deletes the table", "[port_rules]") {
  PublishedPorts ports{{"v6-1", {PortMapping{"fd00::1", 8080, "fd01::2", 80}}}};
  std::string text = render_ports_table("racker_ports", ports, {});
  CHECK(text.find("localnet_guard") == std::string::npos);
  CHECK(text.find("chain c_v6-1 {\n\t\tip6 daddr fd00::1 tcp dport 8080 dnat ip6 to [fd01::2]:80") != std::string::npos);
  CHECK(render_ports_table("racker_ports", {}, {"rk-app"}) == "delete table inet racker_ports\n");
  CHECK(render_ports_table("racker_ports_test", {}, {}) == "delete table inet racker_ports_test\n");
}

TEST_CASE("the kernel's listing reads back into publications", "[port_rules]") {
  // As `nft list table` prints it (its own order, tabs, handles absent).
  const char* listing =
      "table inet racker_ports {\n"
      "\tchain c_app-web-1 {\n"
      "\t\tip daddr 127.0.0.1 tcp dport 3000 dnat ip to 10.88.0.2:3000 comment \"127.0.0.1:3000->10.88.0.2:3000/tcp\"\n"
      "\t\tmeta nfproto ipv4 tcp dport 8080 dnat ip to 10.88.0.2:80 comment \"0.0.0.0:8080->10.88.0.2:80/tcp\"\n"
      "\t}\n"
      "\n"
      "\tchain h_app-web-1 {\n"
      "\t\tip saddr 10.88.0.2 ip daddr 10.88.0.2 tcp dport 80 masquerade\n"
      "\t}\n"
      "\n"
      "\tchain c_app-dns.1 {\n"
      "\t\tmeta nfproto ipv6 udp dport 53 dnat ip6 to [fd01::2]:53 comment \"[::]:53->[fd01::2]:53/udp\"\n"
      "\t\tmeta nfproto ipv4 tcp dport 9 dnat ip to 10.88.0.9:9\n"
      "\t}\n"
      "\n"
      "\tchain published {\n"
      "\t\tjump c_app-web-1\n"
      "\t}\n"
      "\n"
      "\tchain prerouting {\n"
      "\t\ttype nat hook prerouting priority dstnat; policy accept;\n"
      "\t\tfib daddr type local jump published\n"
      "\t}\n"
      "}\n";
  PublishedPorts ports = parse_ports_table(listing);
  REQUIRE(ports.size() == 2);
  CHECK(ports["app-web-1"] ==
        std::vector<PortMapping>{PortMapping{"127.0.0.1", 3000, "10.88.0.2", 3000}, PortMapping{"", 8080, "10.88.0.2", 80}});
  // The rule without a readable comment is skipped, the rest kept.
  CHECK(ports["app-dns.1"] == std::vector<PortMapping>{PortMapping{"", 53, "fd01::2", 53, Protocol::kUdp}});
}

TEST_CASE("what is rendered parses back to the same publications", "[port_rules]") {
  PublishedPorts ports{
      {"a", {PortMapping{"", 1, "10.0.0.2", 1}, PortMapping{"10.1.0.1", 65535, "10.0.0.2", 2, Protocol::kUdp}}},
      {"b_2.x-y", {PortMapping{"fd00::1", 443, "fd01::3", 8443}}},
  };
  CHECK(parse_ports_table(render_ports_table("racker_ports", ports, {"br0"})) == ports);
}

TEST_CASE("container ids must be usable as chain names", "[port_rules]") {
  CHECK(valid_port_owner("app-web-1"));
  CHECK(valid_port_owner("0123456789abcdef"));
  CHECK(valid_port_owner("a_b.c-d"));
  CHECK_FALSE(valid_port_owner(""));
  CHECK_FALSE(valid_port_owner("-web"));
  CHECK_FALSE(valid_port_owner("web 1"));
  CHECK_FALSE(valid_port_owner("web\"; flush ruleset"));
  CHECK_FALSE(valid_port_owner(std::string(201, 'a')));
}
