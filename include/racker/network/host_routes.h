#pragma once
// The routes of the host's main table, as IPAM sees them: which subnets are
// already in use on this machine and must not be handed to a new network.
// Parsing is separate from reading so tests feed text.

#include <string>
#include <string_view>
#include <vector>

#include "racker/network/subnet.h"
#include "racker/util/error.h"

namespace racker::network {

struct HostRoute {
  Subnet destination;
  std::string device;
  bool via_gateway = false;  // false: the subnet is on the link (an address of this host)
};

// /proc/net/route text (IPv4, little-endian hex fields).
std::vector<HostRoute> parse_proc_net_route(std::string_view text);
// /proc/net/ipv6_route text.
std::vector<HostRoute> parse_proc_net_ipv6_route(std::string_view text);

// Both tables of the calling thread's network namespace, minus default routes
// (0.0.0.0/0, ::/0), IPv6 link-local and multicast, and loopback.
Result<std::vector<HostRoute>> read_host_routes();

}  // namespace racker::network
