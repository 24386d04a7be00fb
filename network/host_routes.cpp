#include "racker/network/host_routes.h"

#include <arpa/inet.h>

#include <fstream>
#include <sstream>

namespace racker::network {

namespace {

constexpr unsigned long kRtfGateway = 0x2;  // RTF_GATEWAY

bool hex_value(const std::string& s, unsigned long long* out) {
  if (s.empty() || s.size() > 16) return false;
  unsigned long long v = 0;
  for (char c : s) {
    int d = (c >= '0' && c <= '9') ? c - '0' : (c >= 'a' && c <= 'f') ? c - 'a' + 10 : (c >= 'A' && c <= 'F') ? c - 'A' + 10 : -1;
    if (d < 0) return false;
    v = v * 16 + d;
  }
  *out = v;
  return true;
}

int prefix_of_mask(std::uint32_t mask) {
  int n = 0;
  while (n < 32 && (mask & (0x80000000u >> n))) ++n;
  return n;
}

bool parse_v6_hex(const std::string& s, IpAddress* out) {
  if (s.size() != 32) return false;
  std::string text;
  for (int i = 0; i < 32; i += 4) {
    if (i) text += ':';
    text += s.substr(i, 4);
  }
  auto a = IpAddress::parse(text);
  if (!a) return false;
  *out = *a;
  return true;
}

bool skipped(const Subnet& s, const std::string& dev) {
  if (dev == "lo" || s.prefix() == 0) return true;
  if (!s.network().is_v4()) {
    auto b = s.network().bytes();
    if (b[0] == 0xff) return true;                         // multicast
    if (b[0] == 0xfe && (b[1] & 0xc0) == 0x80) return true;  // link-local
  }
  return false;
}

std::string read_file(const char* path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace

std::vector<HostRoute> parse_proc_net_route(std::string_view text) {
  std::vector<HostRoute> out;
  std::istringstream in{std::string(text)};
  std::string line;
  std::getline(in, line);  // header
  while (std::getline(in, line)) {
    std::istringstream f(line);
    std::string dev, dst, gw, flags, refcnt, use, metric, mask;
    if (!(f >> dev >> dst >> gw >> flags >> refcnt >> use >> metric >> mask)) continue;
    unsigned long long d = 0, m = 0, fl = 0;
    if (!hex_value(dst, &d) || !hex_value(mask, &m) || !hex_value(flags, &fl)) continue;
    // The kernel prints each in-memory (network order) u32 as a host-order number.
    std::uint32_t dst_host = ntohl(static_cast<std::uint32_t>(d));
    std::uint32_t mask_host = ntohl(static_cast<std::uint32_t>(m));
    out.push_back({Subnet(IpAddress::v4(dst_host), prefix_of_mask(mask_host)), dev, (fl & kRtfGateway) != 0});
  }
  return out;
}

std::vector<HostRoute> parse_proc_net_ipv6_route(std::string_view text) {
  std::vector<HostRoute> out;
  std::istringstream in{std::string(text)};
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream f(line);
    std::string dst, plen, src, src_plen, next_hop, metric, refcnt, use, flags, dev;
    if (!(f >> dst >> plen >> src >> src_plen >> next_hop >> metric >> refcnt >> use >> flags >> dev)) continue;
    IpAddress d, gw;
    unsigned long long p = 0;
    if (!parse_v6_hex(dst, &d) || !hex_value(plen, &p) || p > 128 || !parse_v6_hex(next_hop, &gw)) continue;
    out.push_back({Subnet(d, static_cast<int>(p)), dev, gw != IpAddress::parse("::").value()});
  }
  return out;
}

Result<std::vector<HostRoute>> read_host_routes() {
  std::string v4 = read_file("/proc/net/route");
  if (v4.empty()) return Error(Errc::kIo, "cannot read /proc/net/route");
  std::vector<HostRoute> all = parse_proc_net_route(v4);
  for (auto& r : parse_proc_net_ipv6_route(read_file("/proc/net/ipv6_route"))) all.push_back(std::move(r));
  std::vector<HostRoute> out;
  for (auto& r : all)
    if (!skipped(r.destination, r.device)) out.push_back(std::move(r));
  return out;
}

}  // namespace racker::network
