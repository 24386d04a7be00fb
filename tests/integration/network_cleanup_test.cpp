// Crash safety: what a killed racker process leaves (state, links, units,
// firewall elements, endpoints of namespaces that died) is removed by
// cleanup_stale(), for both backends. Root only.
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>

#include "racker/network/firewall.h"
#include "racker/network/netns.h"
#include "racker/network/networks.h"
#include "support/netns_fixture.h"
#include "support/network_test_helpers.h"

using namespace racker;
using namespace racker::network;
using namespace racker::test;

namespace {

bool has_units(const std::string& bridge) {
  return std::filesystem::exists("/run/systemd/network/10-racker-" + bridge + ".network");
}

bool in_firewall(const std::string& bridge) {
  auto fw = Firewall::open();
  if (!fw) return false;
  auto bridges = fw->bridges();
  return bridges && std::find(bridges->begin(), bridges->end(), bridge) != bridges->end();
}

}  // namespace

TEST_CASE("cleanup_stale removes what a crashed racker left", "[network][integration]") {
  std::string backend = GENERATE(std::string("netlink"), std::string("networkd"));
  INFO("backend " << backend);
  if (auto why = unusable(backend); !why.empty()) {
    WARN("skipping " << backend << ": " << why);
    return;
  }
  HostSnapshot before = HostSnapshot::take();
  {
    NetworkTestEnv env(backend);
    TestNetns a(env.netns_dir(), "crash-a-1"), b(env.netns_dir(), "crash-b-1");
    REQUIRE_OK(a);
    REQUIRE_OK(b);

    // A child process builds three networks and two endpoints, then is killed
    // with no chance to clean up.
    pid_t pid = fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
      auto nets = Networks::open();
      bool ok = nets.ok() && (*nets)->ensure_network(network_request("crash", "kept")).ok() &&
                (*nets)->ensure_network(network_request("crash", "halfmade")).ok() &&
                (*nets)->ensure_network(network_request("crash", "forgotten")).ok() &&
                (*nets)->connect(a.path(), "crash_kept", endpoint("crash-a-1")).ok() &&
                (*nets)->connect(b.path(), "crash_kept", endpoint("crash-b-1")).ok();
      if (!ok) _exit(1);
      kill(getpid(), SIGKILL);
    }
    int status = 0;
    waitpid(pid, &status, 0);
    REQUIRE(WIFSIGNALED(status));

    auto nets = Networks::open();
    REQUIRE_OK(nets);
    RemoveAllNetworks guard{nets->get()};
    NetworkStore store = (*nets)->store();
    auto kept = store.load("crash_kept")->value();
    auto halfmade = store.load("crash_halfmade")->value();
    auto forgotten = store.load("crash_forgotten")->value();
    std::string veth_a = kept.endpoints.at("crash-a-1").host_ifname;
    std::string veth_b = kept.endpoints.at("crash-b-1").host_ifname;
    REQUIRE(link_exists(veth_a));

    // What the crash looked like: one network caught mid-creation, the
    // record of another lost (links, units, firewall elements left), and
    // container a's namespace gone with its container.
    halfmade.status = NetworkStatus::kCreating;
    REQUIRE_OK(store.save(halfmade));
    REQUIRE_OK(store.remove("crash_forgotten"));
    a.release();
    REQUIRE_OK(delete_netns(a.path()));
    CHECK(link_exists(forgotten.ifname));
    CHECK(in_firewall(forgotten.ifname));
    if (backend == "networkd") CHECK(has_units(forgotten.ifname));

    // A network of another state dir (another racker root on this host):
    // cleanup must leave it alone.
    TempDir other_root;
    NetworksOptions other_options;
    other_options.state_dir = other_root.path() + "/network";
    auto other = Networks::open(other_options);
    REQUIRE_OK(other);
    RemoveAllNetworks other_guard{other->get()};
    auto foreign = (*other)->ensure_network(network_request("foreign", "default"));
    REQUIRE_OK(foreign);

    REQUIRE_OK((*nets)->cleanup_stale());

    CHECK(link_exists(foreign->ifname));
    CHECK(in_firewall(foreign->ifname));
    if (backend == "networkd") CHECK(has_units(foreign->ifname));
    auto after_kept = store.load("crash_kept")->value();
    CHECK(after_kept.endpoints.count("crash-a-1") == 0);  // its namespace died
    CHECK(after_kept.endpoints.count("crash-b-1") == 1);  // alive: untouched
    CHECK_FALSE(link_exists(veth_a));
    CHECK(link_exists(veth_b));
    CHECK(link_exists(kept.ifname));
    CHECK_FALSE(store.load("crash_halfmade")->has_value());
    CHECK_FALSE(link_exists(halfmade.ifname));
    CHECK_FALSE(in_firewall(halfmade.ifname));
    CHECK_FALSE(link_exists(forgotten.ifname));
    CHECK_FALSE(in_firewall(forgotten.ifname));
    CHECK_FALSE(has_units(forgotten.ifname));
    CHECK_FALSE(has_units(halfmade.ifname));
    CHECK(ping(b.path(), kept.gateway));

    // The address of the dead endpoint is free again.
    TestNetns c(env.netns_dir(), "crash-c-1");
    REQUIRE_OK(c);
    auto ec = (*nets)->connect(c.path(), "crash_kept", endpoint("crash-c-1"));
    REQUIRE_OK(ec);
    CHECK(ec->ipv4 == kept.endpoints.at("crash-a-1").ipv4);

    // A second cleanup finds nothing to do.
    REQUIRE_OK((*nets)->cleanup_stale());
    CHECK(store.load("crash_kept")->value().endpoints.size() == 2);
  }
  HostSnapshot after = HostSnapshot::take();
  CHECK(HostSnapshot::racker_diff(before, after) == "");
}
