#pragma once
// Interface names racker gives the links it creates. Linux allows 15 bytes,
// so names are derived from hashes of the things they stand for and the
// mapping is kept in network state (network_state.h), never recomputed from
// a name alone.
//
//   bridge           rk-<12 hex>              hash of the network's full name
//   veth, host side  rkv<6 hex><6 hex>        the bridge's first 6 hex, then a
//                                             hash of the endpoint (container)
//   container side   eth0, eth1, ...          docker's names, inside the netns
//
// Every host veth of one network shares "rkv<6 hex>", so one networkd
// .network unit per network (Name=rkv<6 hex>*) attaches all of them.
// None of these match Debian's nspawn patterns (ve-*, vb-*, vz-*, host0).
// `attempt` > 0 salts the hash when a name is already taken by someone else.

#include <string>
#include <string_view>

namespace racker::network {

inline constexpr std::size_t kMaxIfnameLength = 15;

// "rk-" + 12 hex digits of sha256(network_name[#attempt]).
std::string bridge_ifname(std::string_view network_name, int attempt = 0);

// "rkv" + the first 6 hex digits of a bridge name's hash part: the prefix all
// of that network's host-side veths share. REQUIRES: is_bridge_ifname(bridge).
std::string veth_prefix(std::string_view bridge);

// veth_prefix(bridge) + 6 hex digits of sha256(endpoint[#attempt]).
std::string veth_ifname(std::string_view bridge, std::string_view endpoint, int attempt = 0);

// The container-side name for the index-th network of a container: eth<index>.
std::string container_ifname(int index);

bool is_bridge_ifname(std::string_view name);  // rk-<12 hex>
bool is_veth_ifname(std::string_view name);    // rkv<12 hex>
inline bool is_racker_ifname(std::string_view name) { return is_bridge_ifname(name) || is_veth_ifname(name); }

// The kernel's rules: 1..15 bytes, not "." or "..", no '/', ':' or whitespace.
bool is_valid_ifname(std::string_view name);

}  // namespace racker::network
