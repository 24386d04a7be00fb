#pragma once
// racker's network firewall, in the nftables table `inet racker_net` (never
// anyone else's tables). It holds no per-network rules, only sets keyed by
// bridge name, so adding or removing a network is adding or deleting set
// elements, and networks of other racker state dirs on the same host
// (tests) keep theirs:
//
//   forward (filter, priority filter - 5)
//     iifname . oifname @same accept        within one bridge: allowed
//     iifname "rk-*" oifname "rk-*" drop    between racker bridges: isolation
//     iifname @internal drop                internal networks: no way out,
//     oifname @internal drop                and no way in
//   postrouting (nat, priority srcnat - 5)
//     ip saddr @masq4 oifname != "rk-*" masquerade     egress of non-internal
//     ip6 saddr @masq6 oifname != "rk-*" masquerade    networks
//
// A drop here is final whatever other tables accept (iptables-nft's FORWARD
// policy accept included). The table is deleted with its last element, so
// `nft list ruleset` is back to what it was when no racker network exists.
// Changes are serialised host-wide by flock on /run/lock/racker-firewall.lock.

#include <map>
#include <string>
#include <vector>

#include "racker/network/nftables.h"
#include "racker/util/error.h"

namespace racker::network {

inline constexpr const char* kFirewallTable = "racker_net";

struct FirewallEntry {
  std::string bridge;
  bool internal = false;
  std::vector<std::string> masquerade;  // subnets (either family) masqueraded on egress; empty for internal
};

// The idempotent batch that creates the table, sets and chains, and
// (re)writes the chains' rules. Safe to run while elements exist.
std::string render_firewall_skeleton();
// Adds the elements for one network.
std::string render_firewall_add(const FirewallEntry& entry);

// Set name -> elements as nft prints them ("\"rk-x\"", "172.18.0.0/16 comment \"rk-x\"").
using FirewallSets = std::map<std::string, std::vector<std::string>>;
// Parses the text of `list table inet racker_net`.
FirewallSets parse_firewall_listing(const std::string& listing);
// Deletes the elements of `bridge` present in `sets`, and the whole table
// when nothing else would remain. "" when there is nothing to do.
std::string render_firewall_remove(const std::string& bridge, const FirewallSets& sets);
// Bridges that own at least one element.
std::vector<std::string> firewall_bridges(const FirewallSets& sets);

class Firewall {
 public:
  static Result<Firewall> open();
  Status add(const FirewallEntry& entry);
  Status remove(const std::string& bridge);
  Result<std::vector<std::string>> bridges();

 private:
  explicit Firewall(Nftables nft) : nft_(std::move(nft)) {}
  Result<FirewallSets> sets();
  Nftables nft_;
};

// Makes sure net.ipv4.ip_forward is 1; true when it had to be switched on.
Result<bool> enable_ip_forward();

}  // namespace racker::network
