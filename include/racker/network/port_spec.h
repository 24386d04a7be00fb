#pragma once
// Published ports, from what the user wrote to what the kernel is told.
//
//   "127.0.0.1:8000-8001:80-81/tcp" (racker run -p)  ─┐
//   compose::model::PortConfig (after normalize)      ─┴─> PortSpec (one container port each)
//   PortSpec + container address + free host ports ─────> PortMapping (port_resolve.h)
//
// Parsing never touches the host: picking host ports does, in port_resolve.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "racker/util/error.h"

namespace racker::compose::model {
struct PortConfig;
}

namespace racker::network {

enum class Protocol { kTcp, kUdp };

const char* protocol_name(Protocol p);  // "tcp" / "udp"

// One container port and where on the host it should be published, before a
// host port is chosen.
struct PortSpec {
  std::string host_ip;      // "" = every address of the container's family
  uint16_t host_first = 0;  // 0 (with host_last 0) = an ephemeral port;
  uint16_t host_last = 0;   // first == last: exactly that port; first < last:
                            // any one free port of the range
  uint16_t container_port = 0;
  Protocol protocol = Protocol::kTcp;

  bool ephemeral() const { return host_first == 0; }
  bool operator==(const PortSpec&) const = default;
};

// A concrete publication: host_ip:host_port (protocol) -> container_ip:container_port.
struct PortMapping {
  std::string host_ip;  // "" = every address of container_ip's family
  uint16_t host_port = 0;
  std::string container_ip;
  uint16_t container_port = 0;
  Protocol protocol = Protocol::kTcp;

  bool operator==(const PortMapping&) const = default;
};

// docker's short syntax `[ip:][hostPort[-end]:]containerPort[-end][/proto]`,
// parsed as `docker run -p` does: ranges of equal length pair up port by
// port; a host range with a single container port is a pool to pick one
// from; no host port means an ephemeral one. IPv6 addresses may be written
// bare or in brackets. Errors carry docker's wording, e.g.
// "invalid containerPort: 8o", "invalid hostPort: 70000", "invalid proto: icmp",
// "invalid ranges specified for container and host Ports: 80-81 and 8000-8002".
// sctp parses (docker accepts it) but is refused here with kUnsupported.
Result<std::vector<PortSpec>> parse_port_spec(std::string_view spec);

// A normalized compose port (long syntax: one target, `published` a port, a
// range or empty). Errors name the offending value; callers add the key path.
Result<PortSpec> port_spec_from_compose(const compose::model::PortConfig& port);

// "0.0.0.0:8080->10.88.0.2:80/tcp", "[::1]:53->[fd00::2]:53/udp": the text
// racker stores beside each kernel rule and reads back (parse_port_mapping).
// An empty host_ip prints as the container family's any-address.
std::string format_port_mapping(const PortMapping& m);
std::optional<PortMapping> parse_port_mapping(std::string_view text);

// What `racker port` prints for one mapping, as `docker port` does:
// "80/tcp -> 0.0.0.0:8080".
std::string format_port_line(const PortMapping& m);

// True for an IPv6 literal (contains ':'); false for IPv4 or "".
bool is_ipv6_literal(std::string_view ip);

}  // namespace racker::network
