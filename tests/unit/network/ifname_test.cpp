#include "racker/network/ifname.h"

#include <catch2/catch.hpp>
#include <set>

using namespace racker::network;

TEST_CASE("bridge names are rk- plus 12 hex digits, stable and within 15 bytes", "[network][ifname]") {
  std::string a = bridge_ifname("demo_default");
  CHECK(a.size() == 15);
  CHECK(a.rfind("rk-", 0) == 0);
  CHECK(is_bridge_ifname(a));
  CHECK(bridge_ifname("demo_default") == a);         // stable
  CHECK(bridge_ifname("demo_back") != a);            // differs per network
  CHECK(bridge_ifname("demo_default", 1) != a);      // salting changes it
}

TEST_CASE("bridge names are pinned to sha256", "[network][ifname]") {
  // The scheme must not drift between releases: state written by one racker
  // names links the next one must find. sha256("") = e3b0c44298fc1c14...
  CHECK(bridge_ifname("") == "rk-e3b0c44298fc");
}

TEST_CASE("veth names share their network's prefix and fit 15 bytes", "[network][ifname]") {
  std::string br = bridge_ifname("demo_default");
  std::string v1 = veth_ifname(br, "demo-web-1");
  std::string v2 = veth_ifname(br, "demo-db-1");
  CHECK(v1.size() == 15);
  CHECK(veth_prefix(br) == "rkv" + br.substr(3, 6));
  CHECK(v1.rfind(veth_prefix(br), 0) == 0);
  CHECK(v2.rfind(veth_prefix(br), 0) == 0);
  CHECK(v1 != v2);
  CHECK(is_veth_ifname(v1));
  CHECK_FALSE(is_bridge_ifname(v1));
  CHECK(veth_ifname(br, "demo-web-1", 1) != v1);
}

TEST_CASE("racker names never match Debian's nspawn network patterns", "[network][ifname]") {
  for (int i = 0; i < 200; ++i) {
    std::string name = "net" + std::to_string(i);
    for (const std::string& n : {bridge_ifname(name), veth_ifname(bridge_ifname(name), name)}) {
      INFO(n);
      CHECK(n.rfind("ve-", 0) != 0);
      CHECK(n.rfind("vb-", 0) != 0);
      CHECK(n.rfind("vz-", 0) != 0);
      CHECK(n != "host0");
      CHECK(is_valid_ifname(n));
    }
  }
}

TEST_CASE("bridge names of many networks do not collide", "[network][ifname]") {
  std::set<std::string> names;
  for (int i = 0; i < 1000; ++i) {
    names.insert(bridge_ifname("project" + std::to_string(i) + "_default"));
  }
  CHECK(names.size() == 1000);
}

TEST_CASE("interface name validity follows the kernel's rules", "[network][ifname]") {
  CHECK(is_valid_ifname("eth0"));
  CHECK(is_valid_ifname("foobar"));
  CHECK(is_valid_ifname("123456789012345"));
  CHECK_FALSE(is_valid_ifname("1234567890123456"));
  CHECK_FALSE(is_valid_ifname(""));
  CHECK_FALSE(is_valid_ifname("."));
  CHECK_FALSE(is_valid_ifname(".."));
  CHECK_FALSE(is_valid_ifname("a/b"));
  CHECK_FALSE(is_valid_ifname("a:b"));
  CHECK_FALSE(is_valid_ifname("a b"));
  CHECK(container_ifname(0) == "eth0");
  CHECK(container_ifname(2) == "eth2");
  CHECK_FALSE(is_racker_ifname("eth0"));
  CHECK_FALSE(is_racker_ifname("rk-short"));
  CHECK_FALSE(is_racker_ifname("rk-0123456789aZ"));
}
