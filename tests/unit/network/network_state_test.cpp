#include "racker/network/network_state.h"

#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <set>

#include "racker/network/ipam.h"
#include "support/image_tar_builder.h"

using namespace racker;
using namespace racker::network;

namespace {
NetworkRecord sample() {
  NetworkRecord r;
  r.name = "demo_default";
  r.project = "demo";
  r.key = "default";
  r.ifname = "rk-0123456789ab";
  r.backend = "networkd";
  r.status = NetworkStatus::kReady;
  r.internal = true;
  r.enable_ipv6 = true;
  r.subnet = "10.1.0.0/16";
  r.gateway = "10.1.0.1";
  r.ip_range = "10.1.5.0/24";
  r.subnet6 = "fd72:6b72:6b00::/64";
  r.gateway6 = "fd72:6b72:6b00::1";
  r.reserved = {"10.1.0.9"};
  r.mtu = 1400;
  r.labels = {{"a", "b"}};
  EndpointRecord e;
  e.container = "demo-web-1";
  e.netns = "/run/racker/netns/demo-web-1";
  e.host_ifname = "rkv012345abcdef";
  e.ifname = "eth0";
  e.ipv4 = "10.1.0.100";
  e.static_ipv4 = true;
  e.ipv6 = "fd72:6b72:6b00::2";
  e.mac = "02:42:0a:01:00:64";
  r.endpoints[e.container] = e;
  return r;
}
}  // namespace

TEST_CASE("network records round-trip through JSON", "[network][state]") {
  NetworkRecord r = sample();
  auto back = record_from_json(record_to_json(r));
  REQUIRE(back.ok());
  CHECK(record_to_json(*back) == record_to_json(r));
  CHECK(back->endpoints.at("demo-web-1").ipv4 == "10.1.0.100");
  CHECK(back->endpoints.at("demo-web-1").static_ipv4);
  CHECK(back->mtu == 1400);
  CHECK(back->status == NetworkStatus::kReady);
  CHECK_FALSE(record_from_json("{").ok());
  CHECK_FALSE(record_from_json("{\"name\": \"x\"}").ok());  // no ifname
}

TEST_CASE("the store saves, lists, loads and removes records", "[network][state]") {
  racker::test::TempDir dir;
  NetworkStore store(dir.path());
  CHECK(store.list()->empty());
  CHECK_FALSE(store.load("demo_default")->has_value());
  NetworkRecord r = sample();
  REQUIRE(store.save(r).ok());
  NetworkRecord odd = sample();
  odd.name = "../../etc/evil name";  // must stay inside the directory
  REQUIRE(store.save(odd).ok());
  CHECK(std::filesystem::exists(dir.path() + "/networks/demo_default.json"));
  CHECK(std::filesystem::exists(dir.path() + "/networks/%2E.%2F..%2Fetc%2Fevil%20name.json"));
  auto all = store.list();
  REQUIRE(all->size() == 2);
  CHECK((*all)[0].name == "../../etc/evil name");
  CHECK((*all)[1].name == "demo_default");
  CHECK(store.load("demo_default")->value().ifname == "rk-0123456789ab");
  REQUIRE(store.remove("demo_default").ok());
  REQUIRE(store.remove("demo_default").ok());  // absent is fine
  CHECK(store.list()->size() == 1);
  CHECK_FALSE(store.ip_forward_changed());
  REQUIRE(store.set_ip_forward_changed(true).ok());
  CHECK(store.ip_forward_changed());
}

// Several processes allocating subnets at once, each under the store lock,
// as racker processes for different projects would: no subnet twice.
TEST_CASE("concurrent allocators under the store lock never share a subnet", "[network][state][ipam]") {
  racker::test::TempDir dir;
  const int kProcesses = 4, kEach = 6;
  std::vector<pid_t> children;
  for (int p = 0; p < kProcesses; ++p) {
    pid_t pid = fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
      NetworkStore store(dir.path());
      for (int i = 0; i < kEach; ++i) {
        auto lock = store.lock();
        if (!lock) _exit(2);
        auto records = store.list();
        std::vector<Reservation> taken;
        for (const auto& r : *records) taken.push_back({Subnet::parse(r.subnet).value(), r.name});
        auto subnet = allocate_subnet(default_pools(Family::kV4), taken);
        if (!subnet) _exit(3);
        NetworkRecord r;
        r.name = "p" + std::to_string(p) + "_n" + std::to_string(i);
        r.ifname = "rk-000000000000";
        r.subnet = subnet->to_string();
        usleep(500);  // widen the window a missing lock would leave open
        if (!store.save(r)) _exit(4);
      }
      _exit(0);
    }
    children.push_back(pid);
  }
  for (pid_t pid : children) {
    int status = 0;
    waitpid(pid, &status, 0);
    CHECK(WIFEXITED(status));
    CHECK(WEXITSTATUS(status) == 0);
  }
  NetworkStore store(dir.path());
  auto records = store.list();
  REQUIRE(records->size() == kProcesses * kEach);
  std::set<std::string> subnets;
  for (const auto& r : *records) subnets.insert(r.subnet);
  CHECK(subnets.size() == records->size());
}
