#pragma once
// The nftables text of racker's published ports, and reading it back.
//
// All publications live in one table (`inet racker_ports`), rebuilt whole in
// one atomic batch whenever a container's ports change, and read back from
// the kernel's own listing: the kernel is the only record, so a crashed racker
// leaves nothing that a later run cannot see and remove. Each container owns
// two chains named after its id: `c_<id>` (DNAT, one rule per mapping, the
// mapping's text as the rule's comment) and `h_<id>` (hairpin masquerade).
//
// Paths served (all by kernel NAT; no userland proxy):
//   from outside / other containers -> prerouting DNAT (destination is local)
//   from the host itself, 127.0.0.1 too -> output DNAT; 127.0.0.0/8 sources
//     are masqueraded to the bridge address (needs route_localnet=1 on the
//     bridge, which the `localnet_guard` chain keeps from being abused)
//   a container to its own published port via a host address -> hairpin
//     masquerade, so replies come back through the host.

#include <string>
#include <string_view>
#include <vector>

#include "racker/network/port_resolve.h"
#include "racker/network/port_spec.h"
#include "racker/util/error.h"

namespace racker::network {

inline constexpr char kPortsTable[] = "racker_ports";

// Container ids become chain names: [A-Za-z0-9][A-Za-z0-9_.-]*, at most 200.
bool valid_port_owner(std::string_view id);

// One mapping's DNAT rule (without "add rule ..."), e.g.
//   ip daddr 127.0.0.1 tcp dport 3000 dnat ip to 10.88.0.2:3000 comment "127.0.0.1:3000->10.88.0.2:3000/tcp"
std::string render_dnat_rule(const PortMapping& m);
// The masquerade rule that lets a container reach itself through a host address.
std::string render_hairpin_rule(const PortMapping& m);

// The batch that makes `table` hold exactly `ports` (ids must be valid).
// `guarded_bridges`: interfaces with route_localnet=1, whose packets to
// 127.0.0.0/8 are dropped. Empty `ports` gives "delete table inet <table>",
// to be run only when the table exists.
std::string render_ports_table(std::string_view table, const PublishedPorts& ports,
                               const std::vector<std::string>& guarded_bridges);

// Reads `nft list table inet <table>` output back into the publications it
// holds. Rules that carry no readable mapping are skipped (with a warning).
PublishedPorts parse_ports_table(std::string_view listing);

}  // namespace racker::network
