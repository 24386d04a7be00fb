#pragma once
// The systemd-networkd unit files racker writes for one network, as text
// (pure, golden-tested) and on disk. Three files in /run/systemd/network/,
// all named 10-racker-<ifname>.* so they are recognisably racker's and sort
// before Debian's 80-container-* units:
//   10-racker-rk-<h>.netdev      Kind=bridge
//   10-racker-rk-<h>.network     the bridge's gateway addresses; no carrier
//                                needed, no link-local, no RA
//   10-racker-rkv<h6>.network    Name=rkv<h6>* -> Bridge=rk-<h>: every host
//                                veth of the network, present and future
// Each starts with a "# racker-owner: <state dir>" line: crash cleanup only
// touches files of its own state dir.

#include <string>
#include <vector>

#include "racker/network/network_backend.h"
#include "racker/util/error.h"

namespace racker::network {

std::string render_bridge_netdev(const BridgeSpec& spec);
std::string render_bridge_network(const BridgeSpec& spec);
std::string render_ports_network(const BridgeSpec& spec);

// File names (no directory) of the three units of a bridge.
std::vector<std::string> unit_file_names(const std::string& bridge_ifname);

// Writes the three files into `dir` (created if missing), each only when its
// content differs; *changed tells whether any did.
Status write_units(const std::string& dir, const BridgeSpec& spec, bool* changed);
// Removes the three files; *removed tells whether any existed.
Status remove_units(const std::string& dir, const std::string& bridge_ifname, bool* removed);

// Bridges that have racker units in `dir` written for `owner`.
std::vector<std::string> bridges_with_units(const std::string& dir, const std::string& owner);

}  // namespace racker::network
