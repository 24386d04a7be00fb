// Port specs: docker's short syntax, compose's long syntax, and the mapping
// text racker keeps beside its nftables rules.
#include "racker/network/port_spec.h"

#include <algorithm>
#include <cctype>

#include "racker/compose/model.h"
#include "racker/network/subnet.h"

namespace racker::network {
namespace {

struct Range {
  int first = 0, last = 0;
};

// A decimal port number 0-65535; nothing else (no sign, no spaces).
std::optional<int> parse_number(std::string_view s) {
  if (s.empty() || s.size() > 5) return std::nullopt;
  int value = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + (c - '0');
  }
  if (value > 65535) return std::nullopt;
  return value;
}

// "80" or "8000-8010" (the end may not come before the start; "80-80" is 80).
std::optional<Range> parse_range(std::string_view s) {
  size_t dash = s.find('-');
  auto first = parse_number(s.substr(0, dash));
  if (!first) return std::nullopt;
  if (dash == std::string_view::npos) return Range{*first, *first};
  auto last = parse_number(s.substr(dash + 1));
  if (!last || *last < *first) return std::nullopt;
  return Range{*first, *last};
}

std::optional<Protocol> protocol_from(std::string_view name) {
  if (name == "tcp") return Protocol::kTcp;
  if (name == "udp") return Protocol::kUdp;
  return std::nullopt;
}

Error sctp_unsupported() {
  return Error(Errc::kUnsupported, "sctp ports cannot be published by racker (tcp and udp only)");
}

// "ip:port" with brackets around IPv6 addresses.
std::string host_and_port(const std::string& ip, int port) {
  return (is_ipv6_literal(ip) ? "[" + ip + "]" : ip) + ":" + std::to_string(port);
}

// Reads "ip:port" or "[ip]:port".
bool split_host_port(std::string_view text, std::string& ip, uint16_t& port) {
  size_t colon = text.rfind(':');
  if (colon == std::string_view::npos) return false;
  std::string_view host = text.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  auto number = parse_number(text.substr(colon + 1));
  if (!number) return false;
  ip = std::string(host);
  port = static_cast<uint16_t>(*number);
  return IpAddress::parse(ip).ok();
}

}  // namespace

const char* protocol_name(Protocol p) { return p == Protocol::kUdp ? "udp" : "tcp"; }

bool is_ipv6_literal(std::string_view ip) { return ip.find(':') != std::string_view::npos; }

Result<std::vector<PortSpec>> parse_port_spec(std::string_view raw) {
  const std::string spec(raw);
  // The last two colon-separated fields are host port and container port;
  // everything before them is the address (IPv6 addresses contain colons).
  std::vector<std::string> parts;
  for (size_t start = 0;;) {
    size_t colon = spec.find(':', start);
    parts.push_back(spec.substr(start, colon == std::string::npos ? std::string::npos : colon - start));
    if (colon == std::string::npos) break;
    start = colon + 1;
  }
  std::string ip, host_port, container_port = parts.back();
  if (parts.size() >= 2) host_port = parts[parts.size() - 2];
  for (size_t i = 0; i + 2 < parts.size(); ++i) ip += (i ? ":" : "") + parts[i];

  std::string proto = "tcp";
  if (size_t slash = container_port.find('/'); slash != std::string::npos) {
    std::string given = container_port.substr(slash + 1);
    container_port.resize(slash);
    if (!given.empty()) proto = given;
  }
  if (container_port.empty()) return Error(Errc::kInvalidArgument, "no port specified: " + spec + "<empty>");
  std::transform(proto.begin(), proto.end(), proto.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (proto != "tcp" && proto != "udp" && proto != "sctp")
    return Error(Errc::kInvalidArgument, "invalid proto: " + proto);

  if (!ip.empty() && ip.front() == '[') {
    if (ip.size() < 2 || ip.back() != ']') return Error(Errc::kInvalidArgument, "invalid IP address: " + ip);
    ip = ip.substr(1, ip.size() - 2);
  }
  if (!ip.empty() && !IpAddress::parse(ip).ok()) return Error(Errc::kInvalidArgument, "invalid IP address: " + ip);

  auto container = parse_range(container_port);
  if (!container || container->first == 0)
    return Error(Errc::kInvalidArgument, "invalid containerPort: " + container_port);

  Range host{0, 0};
  if (!host_port.empty()) {
    auto parsed = parse_range(host_port);
    if (!parsed || (parsed->first == 0 && parsed->last != 0))
      return Error(Errc::kInvalidArgument, "invalid hostPort: " + host_port);
    host = *parsed;
    bool container_is_range = container->last != container->first;
    if (container_is_range && host.last - host.first != container->last - container->first)
      return Error(Errc::kInvalidArgument, "invalid ranges specified for container and host Ports: " +
                                               container_port + " and " + host_port);
  }
  if (proto == "sctp") return sctp_unsupported();

  std::vector<PortSpec> out;
  int count = container->last - container->first + 1;
  for (int i = 0; i < count; ++i) {
    PortSpec p;
    p.host_ip = ip;
    p.container_port = static_cast<uint16_t>(container->first + i);
    p.protocol = *protocol_from(proto);
    if (host.first != 0) {
      bool pool = count == 1 && host.last != host.first;
      p.host_first = static_cast<uint16_t>(host.first + i);
      p.host_last = static_cast<uint16_t>(pool ? host.last : host.first + i);
    }
    out.push_back(std::move(p));
  }
  return out;
}

Result<PortSpec> port_spec_from_compose(const compose::model::PortConfig& port) {
  PortSpec p;
  p.host_ip = port.host_ip;
  if (!p.host_ip.empty() && p.host_ip.front() == '[' && p.host_ip.back() == ']')
    p.host_ip = p.host_ip.substr(1, p.host_ip.size() - 2);
  if (!p.host_ip.empty() && !IpAddress::parse(p.host_ip).ok())
    return Error(Errc::kValidation, "invalid IP address: " + port.host_ip);
  if (port.target == 0) return Error(Errc::kValidation, "invalid containerPort: 0");
  p.container_port = port.target;
  if (port.protocol == "sctp") return sctp_unsupported();
  auto proto = protocol_from(port.protocol);
  if (!proto) return Error(Errc::kValidation, "invalid proto: " + port.protocol);
  p.protocol = *proto;
  if (!port.published.empty()) {
    auto range = parse_range(port.published);
    if (!range || (range->first == 0 && range->last != 0))
      return Error(Errc::kValidation, "invalid hostPort: " + port.published);
    p.host_first = static_cast<uint16_t>(range->first);
    p.host_last = static_cast<uint16_t>(range->last);
  }
  return p;
}

std::string format_port_mapping(const PortMapping& m) {
  std::string host = m.host_ip;
  if (host.empty()) host = is_ipv6_literal(m.container_ip) ? "::" : "0.0.0.0";
  return host_and_port(host, m.host_port) + "->" + host_and_port(m.container_ip, m.container_port) + "/" +
         protocol_name(m.protocol);
}

std::optional<PortMapping> parse_port_mapping(std::string_view text) {
  size_t arrow = text.find("->");
  size_t slash = text.rfind('/');
  if (arrow == std::string_view::npos || slash == std::string_view::npos || slash < arrow) return std::nullopt;
  PortMapping m;
  auto proto = protocol_from(text.substr(slash + 1));
  if (!proto) return std::nullopt;
  m.protocol = *proto;
  if (!split_host_port(text.substr(0, arrow), m.host_ip, m.host_port)) return std::nullopt;
  if (!split_host_port(text.substr(arrow + 2, slash - arrow - 2), m.container_ip, m.container_port))
    return std::nullopt;
  if (m.host_ip == "0.0.0.0" || m.host_ip == "::") m.host_ip.clear();
  return m;
}

std::string format_port_line(const PortMapping& m) {
  std::string host = m.host_ip;
  if (host.empty()) host = is_ipv6_literal(m.container_ip) ? "::" : "0.0.0.0";
  return std::to_string(m.container_port) + "/" + protocol_name(m.protocol) + " -> " +
         host_and_port(host, m.host_port);
}

}  // namespace racker::network
