// How long ensure_network + connect take on each backend. Hidden ([.]):
// run it explicitly, `racker_integration_tests "[network-timing]"`. It
// prints figures and asserts only that the operations succeed.
#include <catch2/catch.hpp>
#include <chrono>
#include <cstdio>

#include "racker/network/networks.h"
#include "support/netns_fixture.h"

using namespace racker;
using namespace racker::network;
using namespace racker::test;

TEST_CASE("ensure_network and connect timings per backend", "[.][network-timing]") {
  for (std::string backend : {"netlink", "networkd"}) {
    if (!is_root()) return;
    if (backend == "networkd" && !ensure_networkd().empty()) {
      WARN("networkd unavailable; no figures for it");
      continue;
    }
    NetworkTestEnv env(backend);
    auto nets = Networks::open();
    REQUIRE(nets.ok());
    const int kRounds = 10;
    using clock = std::chrono::steady_clock;
    double ensure_ms = 0, connect_ms = 0, disconnect_ms = 0, remove_ms = 0, ensure_again_ms = 0;
    for (int i = 0; i < kRounds; ++i) {
      TestNetns ns(env.netns_dir(), "t" + std::to_string(i));
      REQUIRE(ns.ok());
      NetworkRequest r;
      r.project = "timing";
      r.key = "n" + std::to_string(i);
      r.name = "timing_" + r.key;
      auto t0 = clock::now();
      REQUIRE((*nets)->ensure_network(r).ok());
      auto t1 = clock::now();
      REQUIRE((*nets)->ensure_network(r).ok());
      auto t2 = clock::now();
      ConnectOptions o;
      o.container = "c" + std::to_string(i);
      REQUIRE((*nets)->connect(ns.path(), r.name, o).ok());
      auto t3 = clock::now();
      REQUIRE((*nets)->disconnect(r.name, o.container).ok());
      auto t4 = clock::now();
      REQUIRE((*nets)->remove_network(r.name).ok());
      auto t5 = clock::now();
      auto ms = [](auto a, auto b) { return std::chrono::duration<double, std::milli>(b - a).count(); };
      ensure_ms += ms(t0, t1);
      ensure_again_ms += ms(t1, t2);
      connect_ms += ms(t2, t3);
      disconnect_ms += ms(t3, t4);
      remove_ms += ms(t4, t5);
    }
    std::printf("%-8s mean of %d: ensure_network %.1f ms (again %.1f ms), connect %.1f ms, disconnect %.1f ms, "
                "remove_network %.1f ms\n",
                backend.c_str(), kRounds, ensure_ms / kRounds, ensure_again_ms / kRounds, connect_ms / kRounds,
                disconnect_ms / kRounds, remove_ms / kRounds);
  }
}
