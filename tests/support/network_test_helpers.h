#pragma once
// Shared by the network integration tests: REQUIRE_OK with the error's text,
// a check that a backend can run here, and a guard that removes every network
// of a store even when a REQUIRE failed halfway through a test.

#include <catch2/catch.hpp>

#include <string>

#include "racker/network/networks.h"
#include "racker/util/error.h"
#include "support/netns_fixture.h"

namespace racker::test {

// The error text of a failed Result, for REQUIRE messages.
template <class T>
std::string why(const T&) {
  return "";
}
template <class T>
std::string why(const Result<T>& r) {
  return r.ok() ? "" : r.error().to_string();
}

// "" when `backend` can run here, else why not.
inline std::string unusable(const std::string& backend) {
  if (!is_root()) return "network integration tests need root";
  if (backend == "networkd") return ensure_networkd();
  return "";
}

// Network `key` of compose project `project`, named as compose names it.
inline network::NetworkRequest network_request(const std::string& project, const std::string& key,
                                               bool internal = false) {
  network::NetworkRequest r;
  r.project = project;
  r.key = key;
  r.name = project + "_" + key;
  r.internal = internal;
  return r;
}

// `container`'s endpoint as eth<index>; eth0 takes the default route.
inline network::ConnectOptions endpoint(const std::string& container, int index = 0) {
  network::ConnectOptions o;
  o.container = container;
  o.interface_index = index;
  o.default_route = index == 0;
  return o;
}

struct RemoveAllNetworks {
  network::Networks* nets;
  ~RemoveAllNetworks() {
    if (!nets) return;
    auto all = nets->list();
    if (all)
      for (const auto& r : *all) (void)nets->remove_network(r.name, true).ok();
  }
};

}  // namespace racker::test

#define REQUIRE_OK(expr)                      \
  do {                                        \
    auto&& result_ = (expr);                  \
    INFO(::racker::test::why(result_));       \
    REQUIRE(result_.ok());                    \
  } while (0)
