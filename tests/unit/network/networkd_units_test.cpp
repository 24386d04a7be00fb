#include "racker/network/networkd_units.h"

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>

#include "racker/network/ifname.h"
#include "support/image_tar_builder.h"

using namespace racker;
using namespace racker::network;

namespace {
BridgeSpec spec() {
  BridgeSpec s;
  s.network = "demo_default";
  s.ifname = "rk-0123456789ab";
  s.addresses = {{IpAddress::parse("172.18.0.1").value(), 16}};
  s.owner = "/var/lib/racker/network";
  return s;
}
}  // namespace

TEST_CASE("bridge .netdev", "[network][networkd]") {
  CHECK(render_bridge_netdev(spec()) ==
        "# Bridge of racker network demo_default. Written and removed by racker.\n"
        "# racker-owner: /var/lib/racker/network\n"
        "[NetDev]\n"
        "Name=rk-0123456789ab\n"
        "Kind=bridge\n");
  BridgeSpec mtu = spec();
  mtu.mtu = 1400;
  CHECK(render_bridge_netdev(mtu).find("Kind=bridge\nMTUBytes=1400\n") != std::string::npos);
}

TEST_CASE("bridge .network: gateway address, no carrier needed, nothing automatic", "[network][networkd]") {
  CHECK(render_bridge_network(spec()) ==
        "# Addresses of the bridge of racker network demo_default. Written and removed by racker.\n"
        "# racker-owner: /var/lib/racker/network\n"
        "[Match]\n"
        "Name=rk-0123456789ab\n"
        "\n"
        "[Link]\n"
        "RequiredForOnline=no\n"
        "\n"
        "[Network]\n"
        "Address=172.18.0.1/16\n"
        "ConfigureWithoutCarrier=yes\n"
        "IgnoreCarrierLoss=yes\n"
        "LinkLocalAddressing=no\n"
        "IPv6AcceptRA=no\n");
  BridgeSpec v6 = spec();
  v6.addresses.push_back({IpAddress::parse("fd72:6b72:6b00::1").value(), 64});
  std::string text = render_bridge_network(v6);
  CHECK(text.find("Address=172.18.0.1/16\n") != std::string::npos);
  // v6 in an [Address] section of its own, without DAD (no carrier yet).
  const std::string tail = "IPv6AcceptRA=no\n\n[Address]\nAddress=fd72:6b72:6b00::1/64\nDuplicateAddressDetection=none\n";
  REQUIRE(text.size() > tail.size());
  CHECK(text.substr(text.size() - tail.size()) == tail);
}

TEST_CASE("ports .network attaches every veth of the network", "[network][networkd]") {
  CHECK(render_ports_network(spec()) ==
        "# Container veths (host side) of racker network demo_default. Written and removed by racker.\n"
        "# racker-owner: /var/lib/racker/network\n"
        "[Match]\n"
        "Name=rkv012345*\n"
        "\n"
        "[Link]\n"
        "RequiredForOnline=no\n"
        "\n"
        "[Network]\n"
        "Bridge=rk-0123456789ab\n"
        "ConfigureWithoutCarrier=yes\n"
        "LinkLocalAddressing=no\n"
        "IPv6AcceptRA=no\n");
  CHECK(veth_ifname("rk-0123456789ab", "demo-web-1").rfind("rkv012345", 0) == 0);
}

TEST_CASE("unit files are written once, found by owner and removed", "[network][networkd]") {
  racker::test::TempDir dir;
  bool changed = false;
  REQUIRE(write_units(dir.path(), spec(), &changed).ok());
  CHECK(changed);
  for (const auto& name : unit_file_names("rk-0123456789ab")) CHECK(std::filesystem::exists(dir / name));
  CHECK(unit_file_names("rk-0123456789ab") ==
        std::vector<std::string>{"10-racker-rk-0123456789ab.netdev", "10-racker-rk-0123456789ab.network",
                                 "10-racker-rkv012345.network"});
  REQUIRE(write_units(dir.path(), spec(), &changed).ok());
  CHECK_FALSE(changed);  // same content: networkd need not reload
  CHECK(bridges_with_units(dir.path(), "/var/lib/racker/network") == std::vector<std::string>{"rk-0123456789ab"});
  CHECK(bridges_with_units(dir.path(), "/tmp/other").empty());
  // A lone ports unit still names its bridge.
  std::filesystem::remove(dir / "10-racker-rk-0123456789ab.netdev");
  std::filesystem::remove(dir / "10-racker-rk-0123456789ab.network");
  CHECK(bridges_with_units(dir.path(), "/var/lib/racker/network") == std::vector<std::string>{"rk-0123456789ab"});
  bool removed = false;
  REQUIRE(remove_units(dir.path(), "rk-0123456789ab", &removed).ok());
  CHECK(removed);
  CHECK(std::filesystem::is_empty(dir.path()));
  REQUIRE(remove_units(dir.path(), "rk-0123456789ab", &removed).ok());
  CHECK_FALSE(removed);
}
