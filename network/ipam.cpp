#include "racker/network/ipam.h"

#include <algorithm>

namespace racker::network {

namespace {

Subnet must_parse(const char* text) { return Subnet::parse(text).value(); }

const Reservation* first_overlap(const Subnet& s, const std::vector<Reservation>& taken) {
  for (const auto& r : taken)
    if (r.subnet.family() == s.family() && r.subnet.overlaps(s)) return &r;
  return nullptr;
}

const char* family_name(Family f) { return f == Family::kV4 ? "IPv4" : "IPv6"; }

// Addresses no endpoint may take: the network address, v4's broadcast, the
// gateway and aux addresses.
bool unusable(const AddressPlan& plan, const IpAddress& a) {
  if (a == plan.subnet.network() || a == plan.gateway) return true;
  if (a.is_v4() && plan.subnet.prefix() < 31 && a == plan.subnet.last()) return true;
  for (const auto& r : plan.reserved)
    if (r == a) return true;
  return false;
}

Result<IpAddress> parse_in(const std::string& what, const std::string& text, const Subnet& subnet) {
  auto a = IpAddress::parse(text);
  if (!a) return Error(Errc::kInvalidArgument, "invalid " + what + " \"" + text + "\"");
  if (!subnet.contains(*a))
    return Error(Errc::kInvalidArgument, what + " " + text + " is not in subnet " + subnet.to_string());
  return *a;
}

Result<AddressPlan> plan_user(const IpamConfig& user, Family family, const std::vector<Reservation>& racker_taken,
                              const std::vector<HostRoute>& host_routes, std::vector<std::string>* warnings) {
  auto subnet = Subnet::parse(*user.subnet);
  if (!subnet) return subnet.error();
  if (subnet->family() != family)
    return Error(Errc::kInvalidArgument, "subnet " + *user.subnet + " is not an " + family_name(family) + " subnet");
  int host_bits = subnet->network().bits() - subnet->prefix();
  if (host_bits < 2)
    return Error(Errc::kInvalidArgument, "subnet " + subnet->to_string() + " is too small for a network");
  if (const Reservation* r = first_overlap(*subnet, racker_taken))
    return Error(Errc::kConflict, "Pool overlaps with other one on this address space: subnet " +
                                      subnet->to_string() + " overlaps " + r->subnet.to_string() + " of " + r->owner);
  for (const auto& route : host_routes) {
    if (route.destination.family() != family || !route.destination.overlaps(*subnet)) continue;
    std::string what = "subnet " + subnet->to_string() + " overlaps " + route.destination.to_string() +
                       (route.via_gateway ? " routed via " : " on host interface ") + route.device;
    if (!route.via_gateway) return Error(Errc::kConflict, what);
    if (warnings) warnings->push_back(what + "; that route is shadowed for this network's subnet");
  }
  AddressPlan plan;
  plan.subnet = *subnet;
  if (user.ip_range) {
    auto range = Subnet::parse(*user.ip_range);
    if (!range) return range.error();
    if (!subnet->contains(*range))
      return Error(Errc::kInvalidArgument,
                   "ip_range " + range->to_string() + " is not within subnet " + subnet->to_string());
    plan.ip_range = *range;
  }
  if (user.gateway) {
    auto gw = parse_in("gateway", *user.gateway, *subnet);
    if (!gw) return gw.error();
    plan.gateway = *gw;
  } else {
    plan.gateway = *subnet->host(1);
  }
  if (plan.gateway == subnet->network() || (family == Family::kV4 && plan.gateway == subnet->last()))
    return Error(Errc::kInvalidArgument, "gateway " + plan.gateway.to_string() + " is not a host address of subnet " +
                                             subnet->to_string());
  for (const auto& [host, text] : user.aux_addresses) {
    auto a = parse_in("aux_addresses." + host, text, *subnet);
    if (!a) return a.error();
    plan.reserved.push_back(*a);
  }
  return plan;
}

}  // namespace

std::vector<AddressPool> default_pools(Family family) {
  if (family == Family::kV6) return {{must_parse("fd72:6b72:6b00::/48"), 64}};
  std::vector<AddressPool> pools;
  for (int second = 17; second <= 31; ++second)
    pools.push_back({must_parse(("172." + std::to_string(second) + ".0.0/16").c_str()), 16});
  pools.push_back({must_parse("192.168.0.0/16"), 20});
  return pools;
}

Result<Subnet> allocate_subnet(const std::vector<AddressPool>& pools, const std::vector<Reservation>& taken) {
  for (const auto& pool : pools) {
    int bits = pool.base.network().bits();
    if (pool.size < pool.base.prefix() || pool.size > bits) continue;
    int count_bits = pool.size - pool.base.prefix();
    // Real pools are small (docker's has 31 subnets); cap the walk anyway.
    std::uint64_t count = std::uint64_t(1) << std::min(count_bits, 20);
    for (std::uint64_t i = 0; i < count; ++i) {
      Subnet candidate(pool.base.network().plus(i, bits - pool.size), pool.size);
      if (!first_overlap(candidate, taken)) return candidate;
    }
  }
  return Error(Errc::kConflict, "all predefined address pools have been fully subnetted");
}

Result<AddressPlan> plan_addresses(const std::optional<IpamConfig>& user, Family family,
                                   const std::vector<AddressPool>& pools,
                                   const std::vector<Reservation>& racker_taken,
                                   const std::vector<HostRoute>& host_routes, std::vector<std::string>* warnings) {
  if (user && user->subnet) return plan_user(*user, family, racker_taken, host_routes, warnings);
  if (user && (user->gateway || user->ip_range))
    return Error(Errc::kInvalidArgument, "ipam.config: gateway and ip_range need a subnet");
  std::vector<Reservation> taken = racker_taken;
  for (const auto& route : host_routes) taken.push_back({route.destination, "route on " + route.device});
  std::vector<AddressPool> family_pools;
  for (const auto& p : pools)
    if (p.base.family() == family) family_pools.push_back(p);
  auto subnet = allocate_subnet(family_pools, taken);
  if (!subnet) return subnet.error();
  AddressPlan plan;
  plan.subnet = *subnet;
  plan.gateway = *subnet->host(1);
  return plan;
}

Result<IpAddress> allocate_address(const AddressPlan& plan, const std::set<IpAddress>& used,
                                   const std::optional<IpAddress>& wanted) {
  if (wanted) {
    if (!plan.subnet.contains(*wanted))
      return Error(Errc::kInvalidArgument, "no configured subnet or ip-range contain the IP address " +
                                               wanted->to_string() + " (subnet " + plan.subnet.to_string() + ")");
    if (*wanted == plan.gateway)
      return Error(Errc::kConflict, "Address already in use: " + wanted->to_string() + " is the gateway");
    if (unusable(plan, *wanted) || used.count(*wanted))
      return Error(Errc::kConflict, "Address already in use: " + wanted->to_string());
    return *wanted;
  }
  const Subnet& range = plan.ip_range ? *plan.ip_range : plan.subnet;
  // Walk at most used + reserved + 6 addresses (the fixed exclusions): past
  // that one must be free.
  std::uint64_t limit = std::min<std::uint64_t>(range.size(), used.size() + plan.reserved.size() + 6);
  for (std::uint64_t n = 0; n < limit; ++n) {
    IpAddress a = *range.host(n);
    // A range's own first and (v4) last address are skipped too: legal
    // inside a larger subnet, but ".0"/".255" hosts surprise people.
    bool range_edge = a == range.network() || (a.is_v4() && range.prefix() < 31 && a == range.last());
    if (!range_edge && !unusable(plan, a) && !used.count(a)) return a;
  }
  return Error(Errc::kConflict, "no available " + std::string(family_name(plan.subnet.family())) +
                                    " addresses in " + range.to_string());
}

}  // namespace racker::network
