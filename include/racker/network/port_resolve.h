#pragma once
// From PortSpecs to concrete PortMappings: choosing host ports (fixed, one
// free port of a range, or an ephemeral one) and checking that every host
// port can really be had before anything is published.
//
// A port published through kernel NAT holds no socket, so "in use" has two
// sources: a socket on the host (found by trying to bind it) and ports racker
// already published (read back from racker's nftables table and passed in).

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "racker/network/port_host.h"
#include "racker/network/port_spec.h"
#include "racker/util/error.h"

namespace racker::network {

// Ports racker has already published, by container id.
using PublishedPorts = std::map<std::string, std::vector<PortMapping>>;

// True when `a` and `b` would catch the same packets: same protocol, host
// port and address family, and the same host address or either one "all".
bool mappings_overlap(const PortMapping& a, const PortMapping& b);

// Turns specs into mappings for a container at `container_ip`. Host
// addresses are normalized ("0.0.0.0" / "::" -> ""), and rejected when kernel
// NAT cannot serve them: an IPv6 host address for an IPv4 container (or the
// reverse), or ::1 (IPv6 loopback is never routed to another interface).
// Ranges take their first port that is free on the host and not in
// `published`; ephemeral ports come from the kernel. Fixed ports are not
// checked here: check_ports does that for all of them.
Result<std::vector<PortMapping>> resolve_ports(const std::vector<PortSpec>& specs, const std::string& container_ip,
                                               HostPorts& host, const PublishedPorts& published);

// A mapping kernel NAT can serve: IP literals of one family for both ends
// (host_ip may be ""), not ::1, ports 1-65535. Errors as resolve_ports gives.
Status check_mapping(const PortMapping& m);

// Fails, before anything is created, when a mapping is not servable
// (check_mapping) or its host port is taken:
// twice in `mappings`, by another container in `published` (entries of
// `self`, the container being (re)published, are ignored), or by a socket on
// the host. The message starts as docker's does:
//   Bind for 0.0.0.0:8080 failed: port is already allocated (in use on the host: Address already in use)
//   Bind for 127.0.0.1:3000 failed: port is already allocated (published by racker container web-1)
//   Bind for 10.9.9.9:80 failed: Cannot assign requested address
Status check_ports(const std::vector<PortMapping>& mappings, HostPorts& host, const PublishedPorts& published,
                   const std::string& self = "");

}  // namespace racker::network
