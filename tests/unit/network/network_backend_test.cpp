#include "racker/network/network_backend.h"

#include <catch2/catch.hpp>
#include <cstdlib>

#include "racker/compose/model.h"
#include "racker/network/netlink_backend.h"
#include "racker/network/networks.h"

using namespace racker;
using namespace racker::network;

namespace {
// Sets an environment variable for a scope.
struct ScopedEnv {
  std::string name;
  std::optional<std::string> old;
  ScopedEnv(std::string n, const char* value) : name(std::move(n)) {
    if (const char* o = std::getenv(name.c_str())) old = o;
    ::setenv(name.c_str(), value, 1);
  }
  ~ScopedEnv() {
    if (old)
      ::setenv(name.c_str(), old->c_str(), 1);
    else
      ::unsetenv(name.c_str());
  }
};
}  // namespace

TEST_CASE("RACKER_NETWORK_BACKEND forces a backend", "[network][backend]") {
  {
    ScopedEnv env("RACKER_NETWORK_BACKEND", "netlink");
    REQUIRE(choose_backend().ok());
    CHECK(*choose_backend() == BackendKind::kNetlink);
  }
  {
    ScopedEnv env("RACKER_NETWORK_BACKEND", "networkd");
    CHECK(*choose_backend() == BackendKind::kNetworkd);
  }
  ScopedEnv env("RACKER_NETWORK_BACKEND", "docker");
  auto bad = choose_backend();
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.error().code == Errc::kInvalidArgument);
  CHECK(bad.error().message == "RACKER_NETWORK_BACKEND must be networkd or netlink, not \"docker\"");
  CHECK(std::string(backend_name(BackendKind::kNetworkd)) == "networkd");
}

TEST_CASE("link aliases name the owner and the network", "[network][backend]") {
  std::string alias = link_alias("/var/lib/racker/network", "demo_default");
  CHECK(alias == "racker:/var/lib/racker/network:demo_default");
  std::string owner, network;
  REQUIRE(parse_link_alias(alias, &owner, &network));
  CHECK(owner == "/var/lib/racker/network");
  CHECK(network == "demo_default");
  CHECK_FALSE(parse_link_alias("", &owner, &network));
  CHECK_FALSE(parse_link_alias("podman bridge", &owner, &network));
  CHECK_FALSE(parse_link_alias("racker:", &owner, &network));
}

TEST_CASE("compose networks become requests, service networks connect options", "[network][backend]") {
  compose::model::Network n;
  n.key = "default";
  n.name = "ipam_default";
  n.internal = true;
  n.enable_ipv6 = true;
  n.driver_opts = {{"com.docker.network.driver.mtu", "1400"}};
  compose::model::IpamPool pool;
  pool.subnet = "10.1.0.0/16";
  pool.gateway = "10.1.0.254";
  n.ipam.push_back(pool);
  NetworkRequest r = network_request(n, "ipam");
  CHECK(r.project == "ipam");
  CHECK(r.key == "default");
  CHECK(r.name == "ipam_default");
  CHECK(r.internal);
  CHECK(r.enable_ipv6);
  REQUIRE(r.ipam.size() == 1);
  CHECK(r.ipam[0].subnet == "10.1.0.0/16");
  CHECK(r.ipam[0].gateway == "10.1.0.254");
  CHECK(default_network_name("ipam") == "ipam_default");

  compose::model::ServiceNetwork sn;
  sn.ipv4_address = "10.1.0.100";
  sn.mac_address = "00:e0:84:35:d0:e8";
  sn.interface_name = "foobar";
  ConnectOptions first = connect_options("ipam-foo-1", &sn, 0);
  CHECK(first.container == "ipam-foo-1");
  CHECK(first.ipv4_address == "10.1.0.100");
  CHECK(first.interface_name == "foobar");
  CHECK(first.default_route);
  ConnectOptions second = connect_options("ipam-foo-1", nullptr, 1);
  CHECK_FALSE(second.default_route);
  CHECK_FALSE(second.ipv4_address.has_value());
}
