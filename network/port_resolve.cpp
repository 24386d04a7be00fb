// Choosing host ports and refusing taken ones, before any rule is written.
#include "racker/network/port_resolve.h"

#include <arpa/inet.h>

#include <algorithm>

namespace racker::network {
namespace {

bool is_ip(const std::string& ip, bool ipv6) {
  unsigned char buf[16];
  return inet_pton(ipv6 ? AF_INET6 : AF_INET, ip.c_str(), buf) == 1;
}

bool is_any(const std::string& ip) { return ip == "0.0.0.0" || ip == "::"; }

bool is_ipv6_loopback(const std::string& ip) {
  unsigned char buf[16];
  if (inet_pton(AF_INET6, ip.c_str(), buf) != 1) return false;
  static const unsigned char kLoopback[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
  return std::equal(buf, buf + 16, kLoopback);
}

// "0.0.0.0:8080", "[::1]:53", "0.0.0.0:8000-8005" for messages.
std::string where(const std::string& host_ip, bool ipv6, const std::string& port) {
  std::string ip = host_ip.empty() ? (ipv6 ? "::" : "0.0.0.0") : host_ip;
  return (ipv6 ? "[" + ip + "]" : ip) + ":" + port;
}

Error already_allocated(const PortMapping& m, const std::string& why) {
  std::string text = "Bind for " + where(m.host_ip, is_ipv6_literal(m.container_ip), std::to_string(m.host_port)) +
                     " failed: port is already allocated";
  if (!why.empty()) text += " (" + why + ")";
  return Error(Errc::kConflict, text);
}

// The container that already publishes something overlapping `m`, if any.
const std::string* owner_of(const PortMapping& m, const PublishedPorts& published, const std::string& self) {
  for (const auto& [id, mappings] : published) {
    if (id == self) continue;
    for (const PortMapping& other : mappings)
      if (mappings_overlap(m, other)) return &id;
  }
  return nullptr;
}

bool overlaps_any(const PortMapping& m, const std::vector<PortMapping>& list) {
  for (const PortMapping& other : list)
    if (mappings_overlap(m, other)) return true;
  return false;
}

// Checks and normalizes the host address of `spec` against the container's
// family; returns the address to use ("" = all).
Result<std::string> host_address(const PortSpec& spec, const std::string& container_ip, bool ipv6) {
  std::string ip = spec.host_ip;
  if (ip.empty()) return ip;
  bool host_v6 = is_ipv6_literal(ip);
  if (host_v6 != ipv6)
    return Error(Errc::kUnsupported, "cannot publish " + where(ip, host_v6, std::to_string(spec.container_port)) +
                                         " to container address " + container_ip +
                                         ": racker publishes ports with kernel NAT, which does not translate "
                                         "between IPv4 and IPv6");
  if (host_v6 && is_ipv6_loopback(ip))
    return Error(Errc::kUnsupported,
                 "cannot publish on [::1]: IPv6 loopback traffic never leaves the host's lo interface, so "
                 "kernel NAT cannot forward it to a container; use 127.0.0.1");
  if (is_any(ip)) ip.clear();
  return ip;
}

}  // namespace

bool mappings_overlap(const PortMapping& a, const PortMapping& b) {
  if (a.protocol != b.protocol || a.host_port != b.host_port) return false;
  if (is_ipv6_literal(a.container_ip) != is_ipv6_literal(b.container_ip)) return false;
  return a.host_ip.empty() || b.host_ip.empty() || a.host_ip == b.host_ip;
}

Result<std::vector<PortMapping>> resolve_ports(const std::vector<PortSpec>& specs, const std::string& container_ip,
                                               HostPorts& host, const PublishedPorts& published) {
  bool ipv6 = is_ipv6_literal(container_ip);
  if (!is_ip(container_ip, ipv6))
    return Error(Errc::kInvalidArgument, "invalid container address \"" + container_ip + "\"");

  std::vector<PortMapping> out;
  for (const PortSpec& spec : specs) {
    auto ip = host_address(spec, container_ip, ipv6);
    if (!ip) return ip.error();
    PortMapping m{*ip, spec.host_first, container_ip, spec.container_port, spec.protocol};
    auto taken = [&](const PortMapping& candidate) {
      return overlaps_any(candidate, out) || owner_of(candidate, published, "") != nullptr;
    };

    if (spec.ephemeral()) {
      // The kernel's choice is random within ip_local_port_range; retry the
      // rare pick that racker itself already publishes through NAT.
      bool found = false;
      for (int attempt = 0; attempt < 32 && !found; ++attempt) {
        auto port = host.pick_ephemeral(m.host_ip, ipv6, m.protocol);
        if (!port)
          return Error(Errc::kIo, "cannot pick a free host port for " + std::to_string(m.container_port) + "/" +
                                      protocol_name(m.protocol) + ": " + port.error().message);
        m.host_port = *port;
        found = !taken(m);
      }
      if (!found)
        return Error(Errc::kConflict, "cannot pick a free host port for " + std::to_string(m.container_port) +
                                          "/" + protocol_name(m.protocol));
    } else if (spec.host_last != spec.host_first) {
      bool found = false;
      for (int port = spec.host_first; port <= spec.host_last && !found; ++port) {
        m.host_port = static_cast<uint16_t>(port);
        found = !taken(m) && host.try_bind(m.host_ip, ipv6, m.host_port, m.protocol).ok();
      }
      if (!found) {
        std::string range = std::to_string(spec.host_first) + "-" + std::to_string(spec.host_last);
        return Error(Errc::kConflict, "Bind for " + where(m.host_ip, ipv6, range) +
                                          " failed: port is already allocated (no free port in the range)");
      }
    }
    out.push_back(std::move(m));
  }
  return out;
}

Status check_mapping(const PortMapping& m) {
  bool ipv6 = is_ipv6_literal(m.container_ip);
  if (!is_ip(m.container_ip, ipv6))
    return Error(Errc::kInvalidArgument, "invalid container address \"" + m.container_ip + "\"");
  if (!m.host_ip.empty() && !is_ip(m.host_ip, is_ipv6_literal(m.host_ip)))
    return Error(Errc::kInvalidArgument, "invalid IP address: " + m.host_ip);
  if (m.host_port == 0) return Error(Errc::kInvalidArgument, "invalid hostPort: 0");
  if (m.container_port == 0) return Error(Errc::kInvalidArgument, "invalid containerPort: 0");
  PortSpec as_spec{m.host_ip, m.host_port, m.host_port, m.container_port, m.protocol};
  auto ip = host_address(as_spec, m.container_ip, ipv6);
  if (!ip) return ip.error();
  return ok_status();
}

Status check_ports(const std::vector<PortMapping>& mappings, HostPorts& host, const PublishedPorts& published,
                   const std::string& self) {
  for (const PortMapping& m : mappings)
    if (Status st = check_mapping(m); !st) return st;
  for (size_t i = 0; i < mappings.size(); ++i) {
    const PortMapping& m = mappings[i];
    for (size_t j = 0; j < i; ++j)
      if (mappings_overlap(m, mappings[j])) return already_allocated(m, "");
    if (const std::string* owner = owner_of(m, published, self))
      return already_allocated(m, "published by racker container " + *owner);
    Status bound = host.try_bind(m.host_ip, is_ipv6_literal(m.container_ip), m.host_port, m.protocol);
    if (!bound) {
      if (bound.error().code == Errc::kConflict) return already_allocated(m, "in use on the host: " + bound.error().message);
      return Error(bound.error().code, "Bind for " +
                                           where(m.host_ip, is_ipv6_literal(m.container_ip), std::to_string(m.host_port)) +
                                           " failed: " + bound.error().message);
    }
  }
  return ok_status();
}

}  // namespace racker::network
