#pragma once
// Address management, as pure functions over values: which subnet a new
// network gets, and which address an endpoint gets inside it. Everything the
// decision depends on (pools, subnets other networks hold, host routes,
// addresses in use) comes in as arguments; network_state.h persists the
// results and networks.cpp calls these under the state lock, so two racker
// processes never hand out the same subnet or address.

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "racker/network/host_routes.h"
#include "racker/network/subnet.h"
#include "racker/util/error.h"

namespace racker::network {

// `base` split into consecutive /size subnets, tried in order.
struct AddressPool {
  Subnet base;
  int size = 24;
};

// Docker's defaults for IPv4: 172.17.0.0/16 .. 172.31.0.0/16 as whole /16s,
// then 192.168.0.0/16 in /20s. For IPv6 (enable_ipv6 without a subnet), a
// racker ULA prefix fd72:6b72:6b00::/48 in /64s.
std::vector<AddressPool> default_pools(Family family);

// A subnet that something else holds: another racker network, or a host route.
struct Reservation {
  Subnet subnet;
  std::string owner;  // for messages: "network demo_default", "route on eth0"
};

// The first subnet of `pools` that overlaps none of `taken`.
// kConflict "all predefined address pools have been fully subnetted" otherwise.
Result<Subnet> allocate_subnet(const std::vector<AddressPool>& pools, const std::vector<Reservation>& taken);

// One entry of compose `ipam.config` (strings as written).
struct IpamConfig {
  std::optional<std::string> subnet, ip_range, gateway;
  std::map<std::string, std::string> aux_addresses;  // host name -> address, kept out of allocation
};

// The addressing of one family of one network, as recorded in state.
struct AddressPlan {
  Subnet subnet;
  IpAddress gateway;               // the bridge's address
  std::optional<Subnet> ip_range;  // dynamic addresses come from here; nullopt: the whole subnet
  std::vector<IpAddress> reserved; // aux_addresses
};

// Plans one family. With `user` (ipam.config), validates it: gateway and
// ip_range inside the subnet, no overlap with `racker_taken` (another racker
// network: kConflict) or with a subnet configured on a host interface
// (kConflict); overlap with a routed (via gateway) host subnet only adds a
// warning. Without `user`, allocates from `pools`, skipping every subnet in
// `racker_taken` and `host_routes`. The gateway defaults to the subnet's
// first address.
Result<AddressPlan> plan_addresses(const std::optional<IpamConfig>& user, Family family,
                                   const std::vector<AddressPool>& pools,
                                   const std::vector<Reservation>& racker_taken,
                                   const std::vector<HostRoute>& host_routes, std::vector<std::string>* warnings);

// The address of a new endpoint. `wanted` (a static ipv4_address /
// ipv6_address) must lie in the subnet and be neither the network, broadcast,
// gateway, a reserved nor a `used` address. Otherwise the lowest free address
// of ip_range (or the subnet), with the same exclusions. kConflict when the
// wanted address is taken or none is free.
Result<IpAddress> allocate_address(const AddressPlan& plan, const std::set<IpAddress>& used,
                                   const std::optional<IpAddress>& wanted);

}  // namespace racker::network
