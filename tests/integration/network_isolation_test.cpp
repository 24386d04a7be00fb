// The firewall on the real kernel, for both backends: networks are isolated
// from each other (also across projects), internal networks have no way
// out, and other networks reach an "outside world" namespace the test makes,
// masqueraded behind the host. Root only.
#include <catch2/catch.hpp>

#include "racker/network/networks.h"
#include "support/netns_fixture.h"
#include "support/network_test_helpers.h"

using namespace racker;
using namespace racker::network;
using namespace racker::test;

TEST_CASE("networks are isolated from each other, within and across projects", "[network][integration]") {
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
    TestNetns a(env.netns_dir(), "p1-a-1"), b(env.netns_dir(), "p1-b-1"), c(env.netns_dir(), "p1-c-1"),
        d(env.netns_dir(), "p2-d-1");
    for (auto* ns : {&a, &b, &c, &d}) REQUIRE(ns->ok());

    REQUIRE_OK((*nets)->ensure_network(network_request("p1", "front")));
    REQUIRE_OK((*nets)->ensure_network(network_request("p1", "back")));
    REQUIRE_OK((*nets)->ensure_network(network_request("p2", "default")));
    auto ea = (*nets)->connect(a.path(), "p1_front", endpoint("p1-a-1"));
    auto eb = (*nets)->connect(b.path(), "p1_front", endpoint("p1-b-1"));
    auto ec = (*nets)->connect(c.path(), "p1_back", endpoint("p1-c-1"));
    auto ed = (*nets)->connect(d.path(), "p2_default", endpoint("p2-d-1"));
    for (auto* e : {&ea, &eb, &ec, &ed}) REQUIRE_OK(*e);

    // Same network: reachable (the control that makes the failures below mean something).
    CHECK(ping(a.path(), eb->ipv4));
    {
      TcpListener listener(b.path(), eb->ipv4, 8080);
      REQUIRE_OK(listener);
      CHECK(tcp_connect(a.path(), eb->ipv4, 8080));
    }
    // Each reaches its own gateway; the host routes between the bridges, so
    // only the firewall stops the rest.
    CHECK(ping(c.path(), ec->gateway));
    CHECK(ping(d.path(), ed->gateway));
    // Another network of the same project: not reachable, either way.
    CHECK_FALSE(ping_once(c.path(), ea->ipv4));
    CHECK_FALSE(ping_once(a.path(), ec->ipv4));
    {
      TcpListener listener(a.path(), ea->ipv4, 8080);
      REQUIRE_OK(listener);
      CHECK_FALSE(tcp_connect(c.path(), ea->ipv4, 8080, std::chrono::milliseconds(500)));
      CHECK_FALSE(tcp_connect(d.path(), ea->ipv4, 8080, std::chrono::milliseconds(500)));
      CHECK(listener.wait_for_peers(1, std::chrono::milliseconds(300)).empty());
    }
    // Another project: not reachable, either way.
    CHECK_FALSE(ping_once(d.path(), ea->ipv4));
    CHECK_FALSE(ping_once(a.path(), ed->ipv4));
  }
  HostSnapshot after = HostSnapshot::take();
  CHECK(HostSnapshot::racker_diff(before, after) == "");
}

TEST_CASE("internal networks have no way out, others egress masqueraded", "[network][integration]") {
  std::string backend = GENERATE(std::string("netlink"), std::string("networkd"));
  INFO("backend " << backend);
  if (auto why = unusable(backend); !why.empty()) {
    WARN("skipping " << backend << ": " << why);
    return;
  }
  HostSnapshot before = HostSnapshot::take();
  {
    NetworkTestEnv env(backend);
    OutsideWorld outside(env.netns_dir());
    REQUIRE_OK(outside);
    auto nets = Networks::open();
    REQUIRE_OK(nets);
    RemoveAllNetworks guard{nets->get()};
    TestNetns web(env.netns_dir(), "eg-web-1"), db(env.netns_dir(), "eg-db-1"), peer(env.netns_dir(), "eg-peer-1");
    for (auto* ns : {&web, &db, &peer}) REQUIRE(ns->ok());

    auto pub = (*nets)->ensure_network(network_request("eg", "default"));
    REQUIRE_OK(pub);
    auto priv = (*nets)->ensure_network(network_request("eg", "private", true));
    REQUIRE_OK(priv);
    CHECK(priv->internal);
    auto ew = (*nets)->connect(web.path(), "eg_default", endpoint("eg-web-1"));
    auto ed = (*nets)->connect(db.path(), "eg_private", endpoint("eg-db-1"));
    auto ep = (*nets)->connect(peer.path(), "eg_private", endpoint("eg-peer-1"));
    for (auto* e : {&ew, &ed, &ep}) REQUIRE_OK(*e);

    TcpListener listener(outside.netns(), outside.address(), 8080);
    REQUIRE_OK(listener);
    // A normal network reaches the outside, and the outside sees the host.
    CHECK(ping(web.path(), outside.address()));
    CHECK(tcp_connect(web.path(), outside.address(), 8080));
    auto peers = listener.wait_for_peers(1);
    REQUIRE(peers.size() == 1);
    CHECK(peers[0] == outside.host_address());

    // An internal network: containers talk among themselves and to the gateway...
    CHECK(ping(db.path(), ep->ipv4));
    CHECK(ping(db.path(), ed->gateway));
    // ...get no default route...
    std::string routes;
    run_in(db.path(), {"/sbin/ip", "route"}, std::chrono::seconds(5), &routes);
    CHECK(routes.find("default") == std::string::npos);
    // ...and even with one added by hand, the firewall keeps them in.
    REQUIRE(run_in(db.path(), {"/sbin/ip", "route", "add", "default", "via", ed->gateway}) == 0);
    CHECK_FALSE(ping_once(db.path(), outside.address()));
    CHECK_FALSE(tcp_connect(db.path(), outside.address(), 8080, std::chrono::milliseconds(500)));
    CHECK(listener.wait_for_peers(2, std::chrono::milliseconds(300)).size() == 1);
    // Nor can the outside world, routed by the host, reach into it.
    REQUIRE(run_in(outside.netns(), {"/sbin/ip", "route", "add", priv->subnet, "via", outside.host_address()}) == 0);
    CHECK_FALSE(ping_once(outside.netns(), ed->ipv4));
  }
  HostSnapshot after = HostSnapshot::take();
  CHECK(HostSnapshot::racker_diff(before, after) == "");
}
