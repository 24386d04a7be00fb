// Bridges, veths and addresses on the real kernel, for both backends:
// namespaces made by the test stand in for containers. Root only; the
// networkd cases start networkd through scripts/host-services if needed and
// are skipped, with the reason, only when it cannot be started.
#include <catch2/catch.hpp>

#include "racker/network/netns.h"
#include "racker/network/networks.h"
#include "support/netns_fixture.h"
#include "support/network_test_helpers.h"

using namespace racker;
using namespace racker::network;
using namespace racker::test;

namespace {

std::string inside(const std::string& netns, const std::vector<std::string>& argv) {
  std::string out;
  run_in(netns, argv, std::chrono::seconds(10), &out);
  return out;
}

}  // namespace

TEST_CASE("two namespaces on one network reach each other, teardown restores the host", "[network][integration]") {
  std::string backend = GENERATE(std::string("netlink"), std::string("networkd"));
  INFO("backend " << backend);
  if (auto why = unusable(backend); !why.empty()) {
    WARN("skipping " << backend << ": " << why);
    return;
  }
  HostSnapshot before = HostSnapshot::take();
  {
    NetworkTestEnv env(backend);
    auto nets = Networks::open();
    REQUIRE_OK(nets);
    CHECK(std::string((*nets)->backend()) == backend);
    RemoveAllNetworks guard{nets->get()};
    TestNetns a(env.netns_dir(), "demo-web-1"), b(env.netns_dir(), "demo-db-1");
    REQUIRE_OK(a);
    REQUIRE_OK(b);

    auto net = (*nets)->ensure_network(network_request("demo", "default"));
    REQUIRE_OK(net);
    CHECK(net->created);
    CHECK(net->backend == backend);
    CHECK(net->ifname.rfind("rk-", 0) == 0);
    CHECK(net->ifname.size() == 15);
    // Idempotent: the same network again.
    auto again = (*nets)->ensure_network(network_request("demo", "default"));
    REQUIRE_OK(again);
    CHECK_FALSE(again->created);
    CHECK(again->subnet == net->subnet);
    CHECK(again->ifname == net->ifname);

    auto ea = (*nets)->connect(a.path(), "demo_default", endpoint("demo-web-1"));
    REQUIRE_OK(ea);
    auto eb = (*nets)->connect(b.path(), "demo_default", endpoint("demo-db-1"));
    REQUIRE_OK(eb);
    CHECK(ea->ifname == "eth0");
    CHECK(ea->ipv4 != eb->ipv4);
    CHECK(Subnet::parse(net->subnet)->contains(IpAddress::parse(ea->ipv4).value()));
    CHECK(ea->gateway == net->gateway);
    // Connecting again is a no-op with the same address.
    auto ea2 = (*nets)->connect(a.path(), "demo_default", endpoint("demo-web-1"));
    REQUIRE_OK(ea2);
    CHECK(ea2->ipv4 == ea->ipv4);

    CHECK(ping(a.path(), eb->ipv4));
    CHECK(ping(b.path(), ea->ipv4));
    CHECK(ping(a.path(), net->gateway));
    CHECK(inside(a.path(), {"/sbin/ip", "-4", "route"}).find("default via " + net->gateway + " dev eth0") !=
          std::string::npos);
    CHECK(inside(a.path(), {"/sbin/ip", "-4", "-o", "addr", "show", "eth0"}).find(ea->ipv4 + "/") !=
          std::string::npos);

    // Disconnect releases the address: a newcomer gets it.
    REQUIRE_OK((*nets)->disconnect("demo_default", "demo-db-1"));
    CHECK_FALSE(ping_once(a.path(), eb->ipv4));
    TestNetns c(env.netns_dir(), "demo-cache-1");
    REQUIRE_OK(c);
    auto ec = (*nets)->connect(c.path(), "demo_default", endpoint("demo-cache-1"));
    REQUIRE_OK(ec);
    CHECK(ec->ipv4 == eb->ipv4);

    // remove_network refuses while endpoints are attached, unless forced.
    auto refused = (*nets)->remove_network("demo_default");
    REQUIRE_FALSE(refused.ok());
    CHECK(refused.error().code == Errc::kConflict);
    CHECK(refused.error().message ==
          "error while removing network: network demo_default has active endpoints (demo-cache-1, demo-web-1)");
    REQUIRE_OK((*nets)->disconnect_all("demo-web-1"));
    REQUIRE_OK((*nets)->remove_network("demo_default", true));
    CHECK((*nets)->list()->empty());
    auto missing = (*nets)->remove_network("demo_default");
    CHECK(missing.error().code == Errc::kNotFound);
  }
  HostSnapshot after = HostSnapshot::take();
  CHECK(HostSnapshot::racker_diff(before, after) == "");
  if (auto d = HostSnapshot::diff(before, after); !d.empty()) WARN("host changed outside racker's names:\n" << d);
}

TEST_CASE("static IP, custom subnet, MAC and interface names are honoured (TestIPAMConfig)", "[network][integration]") {
  std::string backend = GENERATE(std::string("netlink"), std::string("networkd"));
  INFO("backend " << backend);
  if (auto why = unusable(backend); !why.empty()) {
    WARN("skipping " << backend << ": " << why);
    return;
  }
  HostSnapshot before = HostSnapshot::take();
  {
    NetworkTestEnv env(backend);
    auto nets = Networks::open();
    REQUIRE_OK(nets);
    RemoveAllNetworks guard{nets->get()};
    TestNetns foo(env.netns_dir(), "ipam-foo-1"), bar(env.netns_dir(), "ipam-bar-1");
    REQUIRE_OK(foo);
    REQUIRE_OK(bar);

    NetworkRequest def = network_request("ipam", "default");
    IpamConfig config;
    config.subnet = "10.1.0.0/16";
    def.ipam.push_back(config);
    auto net = (*nets)->ensure_network(def);
    REQUIRE_OK(net);
    CHECK(net->subnet == "10.1.0.0/16");
    CHECK(net->gateway == "10.1.0.1");

    ConnectOptions o = endpoint("ipam-foo-1");
    o.ipv4_address = "10.1.0.100";
    o.mac_address = "00:e0:84:35:d0:e8";  // TestMacAddress
    auto e = (*nets)->connect(foo.path(), "ipam_default", o);
    REQUIRE_OK(e);
    CHECK(e->ipv4 == "10.1.0.100");
    CHECK(e->prefix == 16);
    std::string addr = inside(foo.path(), {"/sbin/ip", "-o", "addr", "show", "eth0"});
    CHECK(addr.find("inet 10.1.0.100/16") != std::string::npos);
    CHECK(inside(foo.path(), {"/sbin/ip", "link", "show", "eth0"}).find("link/ether 00:e0:84:35:d0:e8") !=
          std::string::npos);
    CHECK(inside(foo.path(), {"/sbin/ip", "route"}).find("default via 10.1.0.1 dev eth0") != std::string::npos);

    // The same static address for another container: docker's error.
    ConnectOptions clash = endpoint("ipam-bar-1");
    clash.ipv4_address = "10.1.0.100";
    auto refused = (*nets)->connect(bar.path(), "ipam_default", clash);
    REQUIRE_FALSE(refused.ok());
    CHECK(refused.error().message == "Address already in use: 10.1.0.100");
    // A second network: eth1, no second default route; interface_name honoured (TestInterfaceName).
    auto back = (*nets)->ensure_network(network_request("ipam", "back"));
    REQUIRE_OK(back);
    auto e2 = (*nets)->connect(foo.path(), "ipam_back", endpoint("ipam-foo-1", 1));
    REQUIRE_OK(e2);
    CHECK(e2->ifname == "eth1");
    ConnectOptions named = endpoint("ipam-bar-1");
    named.interface_name = "foobar";
    auto e3 = (*nets)->connect(bar.path(), "ipam_back", named);
    REQUIRE_OK(e3);
    CHECK(inside(bar.path(), {"/sbin/ip", "link", "show", "foobar"}).find("foobar") != std::string::npos);
    CHECK(ping(bar.path(), e2->ipv4));
    std::string routes = inside(foo.path(), {"/sbin/ip", "route"});
    CHECK(routes.find("default via 10.1.0.1 dev eth0") != std::string::npos);
    CHECK(routes.find("default via " + back->gateway) == std::string::npos);

    // Another network asking for an overlapping subnet is refused.
    NetworkRequest overlap = network_request("other", "default");
    IpamConfig inside_first;
    inside_first.subnet = "10.1.128.0/17";
    overlap.ipam.push_back(inside_first);
    auto no = (*nets)->ensure_network(overlap);
    REQUIRE_FALSE(no.ok());
    CHECK(no.error().code == Errc::kConflict);
  }
  HostSnapshot after = HostSnapshot::take();
  CHECK(HostSnapshot::racker_diff(before, after) == "");
}

TEST_CASE("IPv6-enabled networks address both families", "[network][integration]") {
  std::string backend = GENERATE(std::string("netlink"), std::string("networkd"));
  INFO("backend " << backend);
  if (auto why = unusable(backend); !why.empty()) {
    WARN("skipping " << backend << ": " << why);
    return;
  }
  NetworkTestEnv env(backend);
  auto nets = Networks::open();
  REQUIRE_OK(nets);
  RemoveAllNetworks guard{nets->get()};
  TestNetns a(env.netns_dir(), "v6-a-1"), b(env.netns_dir(), "v6-b-1");
  REQUIRE_OK(a);
  REQUIRE_OK(b);
  NetworkRequest req = network_request("v6", "default");
  req.enable_ipv6 = true;
  auto net = (*nets)->ensure_network(req);
  REQUIRE_OK(net);
  CHECK(net->subnet6.rfind("fd72:6b72:6b00:", 0) == 0);
  auto ea = (*nets)->connect(a.path(), "v6_default", endpoint("v6-a-1"));
  REQUIRE_OK(ea);
  auto eb = (*nets)->connect(b.path(), "v6_default", endpoint("v6-b-1"));
  REQUIRE_OK(eb);
  CHECK_FALSE(ea->ipv6.empty());
  CHECK(run_in(a.path(), {"/bin/busybox", "ping6", "-c1", "-W2", eb->ipv6}) == 0);
  CHECK(ping(a.path(), eb->ipv4));
}

TEST_CASE("external networks: found when they exist, a clear error when not", "[network][integration]") {
  std::string backend = GENERATE(std::string("netlink"), std::string("networkd"));
  INFO("backend " << backend);
  if (auto why = unusable(backend); !why.empty()) {
    WARN("skipping " << backend << ": " << why);
    return;
  }
  NetworkTestEnv env(backend);
  auto nets = Networks::open();
  REQUIRE_OK(nets);
  RemoveAllNetworks guard{nets->get()};

  NetworkRequest missing = network_request("ext", "outside");
  missing.name = "no-such-net";
  missing.external = true;
  auto none = (*nets)->ensure_network(missing);
  REQUIRE_FALSE(none.ok());
  CHECK(none.error().code == Errc::kNotFound);
  CHECK(none.error().message == "network no-such-net declared as external, but could not be found");

  // A racker network made by another project.
  REQUIRE_OK((*nets)->ensure_network(network_request("shared", "default")));
  NetworkRequest shared = network_request("ext", "shared");
  shared.name = "shared_default";
  shared.external = true;
  auto found = (*nets)->ensure_network(shared);
  REQUIRE_OK(found);
  CHECK(found->external);

  // A bridge the host already has (not racker's): used, never deleted.
  struct HostBridge {
    HostBridge() { shell_output("ip link add rktest-hbr type bridge && ip addr add 10.254.77.1/24 dev rktest-hbr && ip link set rktest-hbr up"); }
    ~HostBridge() { shell_output("ip link del rktest-hbr"); }
  } host_bridge;
  NetworkRequest host = network_request("ext", "host");
  host.name = "rktest-hbr";
  host.external = true;
  auto adopted = (*nets)->ensure_network(host);
  REQUIRE_OK(adopted);
  CHECK(adopted->subnet == "10.254.77.0/24");
  CHECK(adopted->gateway == "10.254.77.1");
  TestNetns a(env.netns_dir(), "ext-a-1");
  REQUIRE_OK(a);
  auto e = (*nets)->connect(a.path(), "rktest-hbr", endpoint("ext-a-1"));
  REQUIRE_OK(e);
  CHECK(e->ipv4 == "10.254.77.2");
  CHECK(ping(a.path(), "10.254.77.1"));
  REQUIRE_OK((*nets)->remove_network("rktest-hbr", true));
  CHECK(shell_output("ip -br link show rktest-hbr").find("rktest-hbr") != std::string::npos);
}
