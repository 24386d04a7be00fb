// nftables text for published ports: rendering the whole table, and reading
// the kernel's listing back.
#include "racker/network/port_rules.h"

#include <spdlog/spdlog.h>

#include <set>
#include <tuple>

namespace racker::network {
namespace {

bool is_id_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '.' ||
         c == '-';
}

// nft's words for the family of `ip`: the address selector, the DNAT family
// and how an address is written after "to".
const char* ip_word(const std::string& ip) { return is_ipv6_literal(ip) ? "ip6" : "ip"; }
std::string to_address(const std::string& ip, uint16_t port) {
  return (is_ipv6_literal(ip) ? "[" + ip + "]" : ip) + ":" + std::to_string(port);
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

}  // namespace

bool valid_port_owner(std::string_view id) {
  if (id.empty() || id.size() > 200 || id.front() == '-' || id.front() == '.' || id.front() == '_') return false;
  for (char c : id)
    if (!is_id_char(c)) return false;
  return true;
}

std::string render_dnat_rule(const PortMapping& m) {
  const char* family = ip_word(m.container_ip);
  std::string match = m.host_ip.empty()
                          ? std::string("meta nfproto ") + (is_ipv6_literal(m.container_ip) ? "ipv6" : "ipv4")
                          : std::string(family) + " daddr " + m.host_ip;
  return match + " " + protocol_name(m.protocol) + " dport " + std::to_string(m.host_port) + " dnat " + family +
         " to " + to_address(m.container_ip, m.container_port) + " comment \"" + format_port_mapping(m) + "\"";
}

std::string render_hairpin_rule(const PortMapping& m) {
  const char* family = ip_word(m.container_ip);
  return std::string(family) + " saddr " + m.container_ip + " " + family + " daddr " + m.container_ip + " " +
         protocol_name(m.protocol) + " dport " + std::to_string(m.container_port) + " masquerade";
}

std::string render_ports_table(std::string_view table_name, const PublishedPorts& ports,
                               const std::vector<std::string>& guarded_bridges) {
  const std::string table = "inet " + std::string(table_name);
  if (ports.empty()) return "delete table " + table + "\n";

  // "add + delete + define" replaces whatever the table held, atomically.
  std::string out = "add table " + table + "\ndelete table " + table + "\ntable " + table + " {\n";
  auto chain = [&](const std::string& name, const std::vector<std::string>& lines) {
    out += "\tchain " + name + " {\n";
    for (const std::string& line : lines) out += "\t\t" + line + "\n";
    out += "\t}\n";
  };

  // Container chains first: the dispatchers below jump to them.
  std::vector<std::string> jumps, hairpin_jumps;
  for (const auto& [id, mappings] : ports) {
    std::vector<std::string> dnat, hairpin;
    std::set<std::tuple<std::string, uint16_t, Protocol>> seen;  // one hairpin rule per container port
    for (const PortMapping& m : mappings) {
      dnat.push_back(render_dnat_rule(m));
      if (seen.insert({m.container_ip, m.container_port, m.protocol}).second) hairpin.push_back(render_hairpin_rule(m));
    }
    chain("c_" + id, dnat);
    chain("h_" + id, hairpin);
    jumps.push_back("jump c_" + id);
    hairpin_jumps.push_back("jump h_" + id);
  }
  chain("published", jumps);
  chain("hairpin", hairpin_jumps);

  if (!guarded_bridges.empty()) {
    std::string names;
    for (const std::string& b : guarded_bridges) names += (names.empty() ? "\"" : ", \"") + b + "\"";
    // route_localnet=1 would otherwise let a container reach the host's
    // 127.0.0.1 services by sending to 127.0.0.1 through its bridge.
    chain("localnet_guard", {"type filter hook prerouting priority raw; policy accept;",
                             "iifname { " + names + " } ip daddr 127.0.0.0/8 drop"});
  }
  chain("prerouting", {"type nat hook prerouting priority dstnat; policy accept;",
                       "fib daddr type local jump published"});
  chain("output", {"type nat hook output priority -100; policy accept;", "fib daddr type local jump published"});
  chain("postrouting", {"type nat hook postrouting priority srcnat; policy accept;",
                        "ip saddr 127.0.0.0/8 ct status dnat masquerade", "jump hairpin"});
  out += "}\n";
  return out;
}

PublishedPorts parse_ports_table(std::string_view listing) {
  PublishedPorts ports;
  std::string current;  // container id of the chain being read, "" outside one
  size_t start = 0;
  while (start < listing.size()) {
    size_t end = listing.find('\n', start);
    if (end == std::string_view::npos) end = listing.size();
    std::string_view line = trim(listing.substr(start, end - start));
    start = end + 1;

    if (line.rfind("chain ", 0) == 0) {
      std::string_view name = trim(line.substr(6));
      if (size_t brace = name.find('{'); brace != std::string_view::npos) name = trim(name.substr(0, brace));
      current.clear();
      if (name.rfind("c_", 0) == 0 && valid_port_owner(name.substr(2))) {
        current = std::string(name.substr(2));
        ports[current];  // a container with no readable rule still shows up
      }
      continue;
    }
    if (line == "}") {
      current.clear();
      continue;
    }
    if (current.empty() || line.rfind("type ", 0) == 0 || line.empty()) continue;
    size_t comment = line.find("comment \"");
    std::optional<PortMapping> m;
    if (comment != std::string_view::npos) {
      std::string_view text = line.substr(comment + 9);
      if (size_t quote = text.find('"'); quote != std::string_view::npos) m = parse_port_mapping(text.substr(0, quote));
    }
    if (m) {
      ports[current].push_back(*m);
    } else {
      spdlog::warn("ports: ignoring unreadable rule in chain c_{}: {}", current, line);
    }
  }
  return ports;
}

}  // namespace racker::network
