// Port short syntax, read the way docker's nat.ParsePortSpec does:
// "[ip:][published[-end]:]target[-end][/proto]".
#include <arpa/inet.h>

#include <algorithm>
#include <cctype>

#include "canonical_internal.h"

namespace racker::compose::canonical {
namespace {

struct PortRange {
  int start = 0, end = 0;
};

// One port number, 0-65535, decimal digits only.
Result<int> parse_port_number(std::string_view text, std::string_view spec) {
  auto bad = [&](std::string why) {
    return Error(Errc::kValidation, "invalid port \"" + std::string(spec) + "\": " + std::move(why));
  };
  if (text.empty()) return bad("empty port number");
  if (!std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; }))
    return bad("\"" + std::string(text) + "\" is not a port number");
  if (text.size() > 5 || std::stoi(std::string(text)) > 65535)
    return bad("port " + std::string(text) + " is out of range (0-65535)");
  return std::stoi(std::string(text));
}

// "80" or "8000-8010"; a range must not run backwards.
Result<PortRange> parse_range(std::string_view text, std::string_view spec) {
  size_t dash = text.find('-');
  auto start = parse_port_number(text.substr(0, dash), spec);
  if (!start) return start.error();
  if (dash == std::string_view::npos) return PortRange{*start, *start};
  auto end = parse_port_number(text.substr(dash + 1), spec);
  if (!end) return end.error();
  if (*end < *start)
    return Error(Errc::kValidation,
                 "invalid port \"" + std::string(spec) + "\": range " + std::string(text) + " runs backwards");
  return PortRange{*start, *end};
}

bool is_ip_address(const std::string& ip) {
  unsigned char buf[16];
  return inet_pton(AF_INET, ip.c_str(), buf) == 1 || inet_pton(AF_INET6, ip.c_str(), buf) == 1;
}

std::vector<std::string> split_colons(std::string_view s) {
  std::vector<std::string> parts;
  size_t start = 0;
  while (true) {
    size_t colon = s.find(':', start);
    parts.emplace_back(s.substr(start, colon == std::string_view::npos ? std::string_view::npos : colon - start));
    if (colon == std::string_view::npos) return parts;
    start = colon + 1;
  }
}

}  // namespace

Result<std::vector<Node>> parse_port(const Node& scalar, const std::string& path) {
  const std::string& spec = scalar.scalar;
  auto fail = [&](const Error& e) { return invalid(scalar, path, e.message); };
  auto bad = [&](const std::string& why) { return invalid(scalar, path, "invalid port \"" + spec + "\": " + why); };

  // The last two colon-separated parts are published and target; whatever
  // comes before is the host address (IPv6 ones contain colons).
  std::vector<std::string> parts = split_colons(spec);
  std::string ip, published, target = parts.back();
  if (parts.size() >= 2) published = parts[parts.size() - 2];
  if (parts.size() >= 3) {
    for (size_t i = 0; i + 2 < parts.size(); ++i) ip += (i ? ":" : "") + parts[i];
  }

  std::string protocol = "tcp";
  if (size_t slash = target.find('/'); slash != std::string::npos) {
    protocol = target.substr(slash + 1);
    target.resize(slash);
    std::transform(protocol.begin(), protocol.end(), protocol.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    if (protocol.empty()) protocol = "tcp";
  }
  if (target.empty()) return bad("no container port");
  if (protocol != "tcp" && protocol != "udp" && protocol != "sctp")
    return bad("unknown protocol \"" + protocol + "\"");

  if (ip.size() >= 2 && ip.front() == '[' && ip.back() == ']') ip = ip.substr(1, ip.size() - 2);
  if (!ip.empty() && !is_ip_address(ip)) return bad("\"" + ip + "\" is not an IP address");

  auto target_range = parse_range(target, spec);
  if (!target_range) return fail(target_range.error());
  PortRange host{};
  if (!published.empty()) {
    auto r = parse_range(published, spec);
    if (!r) return fail(r.error());
    host = *r;
    // A host range with a single target port is a pool to pick one from;
    // otherwise the two ranges pair up port by port.
    bool target_is_range = target_range->end != target_range->start;
    if (target_is_range && host.end - host.start != target_range->end - target_range->start)
      return bad("container range " + target + " and host range " + published + " differ in size");
  }

  std::vector<Node> out;
  int count = target_range->end - target_range->start + 1;
  for (int i = 0; i < count; ++i) {
    Node port = Node::map(scalar.mark);
    port.set("mode", Node::str("ingress", scalar.mark), scalar.mark);
    if (!ip.empty()) port.set("host_ip", Node::str(ip, scalar.mark), scalar.mark);
    port.set("target", Node::integer(target_range->start + i, scalar.mark), scalar.mark);
    if (!published.empty()) {
      std::string pub = std::to_string(host.start + i);
      if (count == 1 && host.end != host.start) pub += "-" + std::to_string(host.end);
      port.set("published", Node::str(pub, scalar.mark), scalar.mark);
    }
    port.set("protocol", Node::str(protocol, scalar.mark), scalar.mark);
    out.push_back(std::move(port));
  }
  return out;
}

Status complete_long_port(Node& port, const std::string& path) {
  Node* target = port.find("target");
  if (!target) return invalid(port, path, "port is missing a target");
  if (!target->is_scalar()) return wrong_kind(*target, join_path(path, "target"), "a port number");
  auto number = parse_port_number(target->scalar, target->scalar);
  if (!number) return invalid(*target, join_path(path, "target"), number.error().message);
  *target = Node::integer(*number, target->mark);
  if (Node* published = port.find("published"); published && published->is_scalar())
    published->style = ScalarStyle::kQuoted;  // "8080" or "8000-8010"
  if (!port.find("mode")) port.set("mode", Node::str("ingress", port.mark), port.mark);
  if (!port.find("protocol")) port.set("protocol", Node::str("tcp", port.mark), port.mark);
  return {};
}

}  // namespace racker::compose::canonical
