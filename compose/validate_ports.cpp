// Published ports: a host port (per protocol and address) has one owner in
// the project. Docker would only find out when the second container starts;
// racker says so before anything runs.
#include <arpa/inet.h>

#include "validate_internal.h"

namespace racker::compose::validate_detail {
namespace {

struct Binding {
  std::string owner;  // key path of the port entry
  std::string host_ip;
  std::string protocol;
  int first = 0, last = 0;
};

bool is_ip(const std::string& s) {
  unsigned char buf[16];
  return inet_pton(AF_INET, s.c_str(), buf) == 1 || inet_pton(AF_INET6, s.c_str(), buf) == 1;
}

// Two host addresses that can clash: "" is every address of both families;
// 0.0.0.0 and :: are every address of their own family only (docker binds
// [::] v6-only, so "0.0.0.0:80:80" and "[::]:80:80" live side by side).
bool addresses_overlap(const std::string& a, const std::string& b) {
  if (a.empty() || b.empty() || a == b) return true;
  bool a6 = a.find(':') != std::string::npos, b6 = b.find(':') != std::string::npos;
  if (a6 != b6) return false;
  const char* any = a6 ? "::" : "0.0.0.0";
  return a == any || b == any;
}

// "8080" -> [8080, 8080], "8000-8010" -> [8000, 8010]; bind checked the syntax.
std::pair<int, int> port_range(const std::string& published) {
  size_t dash = published.find('-');
  if (dash == std::string::npos) return {std::stoi(published), std::stoi(published)};
  return {std::stoi(published.substr(0, dash)), std::stoi(published.substr(dash + 1))};
}

bool overlaps(const Binding& a, const Binding& b) {
  if (a.protocol != b.protocol) return false;
  if (!addresses_overlap(a.host_ip, b.host_ip)) return false;
  return a.first <= b.last && b.first <= a.last;
}

std::string describe(const Binding& b) {
  std::string ports = std::to_string(b.first);
  if (b.last != b.first) ports += "-" + std::to_string(b.last);
  return (b.host_ip.empty() ? "" : b.host_ip + ":") + ports + "/" + b.protocol;
}

}  // namespace

void check_ports(const model::Project& project, Problems& out) {
  std::vector<Binding> seen;
  for (const auto& [name, s] : project.services) {
    for (size_t i = 0; i < s.ports.size(); ++i) {
      const model::PortConfig& p = s.ports[i];
      std::string path = "services." + name + ".ports[" + std::to_string(i) + "]";
      if (!p.host_ip.empty() && !is_ip(p.host_ip)) {
        out.add(path + ".host_ip", "invalid ip address \"" + p.host_ip + "\"");
        continue;
      }
      if (p.published.empty() || p.published.find_first_not_of("0123456789-") != std::string::npos) continue;
      auto [first, last] = port_range(p.published);
      if (first == 0) continue;  // 0: the kernel picks a free port
      Binding b{path, p.host_ip, p.protocol, first, last};
      int replicas = s.replicas();
      if (replicas > 1 && first == last) {
        out.add(path, "published port " + describe(b) + " cannot be shared by " + std::to_string(replicas) +
                          " replicas: publish a range or let the host port be chosen");
      }
      bool clash = false;
      for (const Binding& other : seen) {
        if (!overlaps(b, other)) continue;
        out.add(path, "published port " + describe(b) + " is already used by " + other.owner + " (" +
                          describe(other) + ")");
        clash = true;
        break;
      }
      if (!clash) seen.push_back(std::move(b));
    }
  }
}

}  // namespace racker::compose::validate_detail
