// Networks: connect, disconnect. A container's endpoint on a network is
// recorded before anything is made, so a crash midway leaves a record that
// cleanup_stale() finds; any failure undoes what this call made.
#include <set>

#include <spdlog/spdlog.h>

#include "best_effort.h"
#include "netlink_ops.h"
#include "racker/network/ifname.h"
#include "racker/network/netns.h"
#include "racker/network/networks.h"

namespace racker::network {

namespace {

int prefix_of(const std::string& cidr) {
  auto slash = cidr.find('/');
  return slash == std::string::npos ? 0 : std::stoi(cidr.substr(slash + 1));
}

Result<AddressPlan> plan_of(const NetworkRecord& r, Family family) {
  const std::string& subnet = family == Family::kV4 ? r.subnet : r.subnet6;
  const std::string& gateway = family == Family::kV4 ? r.gateway : r.gateway6;
  const std::string& range = family == Family::kV4 ? r.ip_range : r.ip_range6;
  AddressPlan plan;
  auto s = Subnet::parse(subnet);
  if (!s) return s.error();
  plan.subnet = *s;
  auto gw = IpAddress::parse(gateway);
  if (!gw) return gw.error();
  plan.gateway = *gw;
  if (!range.empty()) {
    auto rs = Subnet::parse(range);
    if (!rs) return rs.error();
    plan.ip_range = *rs;
  }
  for (const auto& text : r.reserved)
    if (auto a = IpAddress::parse(text); a && a->family() == family) plan.reserved.push_back(*a);
  return plan;
}

std::set<IpAddress> used_addresses(const NetworkRecord& r) {
  std::set<IpAddress> used;
  for (const auto& [name, e] : r.endpoints)
    for (const auto* text : {&e.ipv4, &e.ipv6})
      if (auto a = IpAddress::parse(*text); a) used.insert(*a);
  return used;
}

Result<std::optional<IpAddress>> wanted(const std::optional<std::string>& text, const char* what) {
  if (!text || text->empty()) return std::optional<IpAddress>();
  auto a = IpAddress::parse(*text);
  if (!a) return Error(Errc::kInvalidArgument, std::string("invalid ") + what + " \"" + *text + "\"");
  return std::optional<IpAddress>(*a);
}

Attachment attachment_of(const NetworkRecord& r, const EndpointRecord& e) {
  Attachment a;
  a.network = r.name;
  a.ifname = e.ifname;
  a.host_ifname = e.host_ifname;
  a.ipv4 = e.ipv4;
  a.gateway = r.gateway;
  a.prefix = prefix_of(r.subnet);
  a.ipv6 = e.ipv6;
  a.gateway6 = r.gateway6;
  a.prefix6 = prefix_of(r.subnet6);
  a.mac = e.mac;
  return a;
}

// Inside the namespace: addresses, link up, default routes.
Status configure_inside(const Attachment& a, bool default_route) {
  auto sock = nl::Socket::open();
  if (!sock) return sock.error();
  if (auto s = nl::set_up(*sock, "lo"); !s) return s;
  if (!a.ipv4.empty())
    if (auto s = nl::add_address(*sock, a.ifname, {IpAddress::parse(a.ipv4).value(), a.prefix}); !s) return s;
  if (!a.ipv6.empty())
    if (auto s = nl::add_address(*sock, a.ifname, {IpAddress::parse(a.ipv6).value(), a.prefix6}); !s) return s;
  if (auto s = nl::set_up(*sock, a.ifname); !s) return s;
  if (default_route && !a.gateway.empty())
    if (auto s = nl::add_default_route(*sock, a.ifname, IpAddress::parse(a.gateway).value()); !s) return s;
  if (default_route && !a.ipv6.empty() && !a.gateway6.empty())
    if (auto s = nl::add_default_route(*sock, a.ifname, IpAddress::parse(a.gateway6).value()); !s) return s;
  return ok_status();
}

bool host_link_exists(const std::string& name) {
  auto sock = nl::Socket::open();
  if (!sock) return false;
  auto link = nl::find_link(*sock, name);
  return link && *link;
}

}  // namespace

Status Networks::drop_endpoint(NetworkRecord& record, const std::string& container) {
  auto it = record.endpoints.find(container);
  if (it == record.endpoints.end()) return ok_status();
  if (auto s = backend_for(record).detach(it->second.host_ifname); !s) return s;
  record.endpoints.erase(it);
  return store_.save(record);
}

Result<Attachment> Networks::connect(const std::string& netns, const std::string& network,
                                     const ConnectOptions& options) {
  auto lock = store_.lock();
  if (!lock) return lock.error();
  auto loaded = store_.load(network);
  if (!loaded) return loaded.error();
  if (!*loaded || (*loaded)->status != NetworkStatus::kReady)
    return Error(Errc::kNotFound, "network " + network + " not found");
  NetworkRecord record = **loaded;
  if (options.container.empty()) return Error(Errc::kInvalidArgument, "connect: no container name");
  if (!netns_exists(netns)) return Error(Errc::kNotFound, "network namespace " + netns + " does not exist");

  if (auto it = record.endpoints.find(options.container); it != record.endpoints.end()) {
    // Already attached through this namespace: nothing to do. Else the old
    // endpoint is stale (a namespace that went away): replace it.
    if (it->second.netns == netns && host_link_exists(it->second.host_ifname))
      return attachment_of(record, it->second);
    if (auto s = drop_endpoint(record, options.container); !s) return s.error();
  }

  std::set<IpAddress> used = used_addresses(record);
  EndpointRecord e;
  e.container = options.container;
  e.netns = netns;
  e.ifname = options.interface_name ? *options.interface_name : container_ifname(options.interface_index);
  if (!is_valid_ifname(e.ifname)) return Error(Errc::kInvalidArgument, "invalid interface name \"" + e.ifname + "\"");
  auto v4_wanted = wanted(options.ipv4_address, "ipv4_address");
  if (!v4_wanted) return v4_wanted.error();
  auto v4_plan = plan_of(record, Family::kV4);
  if (!v4_plan) return v4_plan.error();
  auto v4 = allocate_address(*v4_plan, used, *v4_wanted);
  if (!v4) return v4.error().with_context("while connecting " + options.container + " to network " + network);
  e.ipv4 = v4->to_string();
  e.static_ipv4 = v4_wanted->has_value();
  if (record.enable_ipv6) {
    auto v6_wanted = wanted(options.ipv6_address, "ipv6_address");
    if (!v6_wanted) return v6_wanted.error();
    auto v6_plan = plan_of(record, Family::kV6);
    if (!v6_plan) return v6_plan.error();
    auto v6 = allocate_address(*v6_plan, used, *v6_wanted);
    if (!v6) return v6.error().with_context("while connecting " + options.container + " to network " + network);
    e.ipv6 = v6->to_string();
    e.static_ipv6 = v6_wanted->has_value();
  }
  if (options.mac_address) e.mac = *options.mac_address;
  e.service = options.service;
  e.hostname = options.hostname;
  e.aliases = options.aliases;

  std::set<std::string> host_names;
  for (const auto& [name, other] : record.endpoints) host_names.insert(other.host_ifname);
  for (int attempt = 0; e.host_ifname.empty() && attempt < 64; ++attempt) {
    std::string candidate = is_bridge_ifname(record.ifname) ? veth_ifname(record.ifname, options.container, attempt)
                                                            : veth_ifname(bridge_ifname(record.name), options.container, attempt);
    if (!host_names.count(candidate) && !host_link_exists(candidate)) e.host_ifname = candidate;
  }
  if (e.host_ifname.empty()) return Error(Errc::kConflict, "no free interface name for " + options.container);

  record.endpoints[e.container] = e;
  if (auto s = store_.save(record); !s) return s.error();

  Attachment a = attachment_of(record, e);
  auto undo = [&](Error err) -> Result<Attachment> {
    best_effort(backend_for(record).detach(e.host_ifname));
    record.endpoints.erase(e.container);
    best_effort(store_.save(record));
    return err.with_context("while connecting " + options.container + " to network " + network);
  };
  // The bridge may have gone since ensure_network (a reboot, a hand-deleted
  // link); making sure is cheap when it is there.
  if (!record.adopted)
    if (auto s = backend_->ensure_bridge(bridge_spec(record)); !s) return undo(s.error());
  VethSpec veth;
  veth.network = record.name;
  veth.bridge = record.ifname;
  veth.host_ifname = e.host_ifname;
  veth.peer_ifname = e.ifname;
  veth.netns = netns;
  if (!e.mac.empty()) veth.mac = e.mac;
  veth.mtu = record.mtu;
  veth.owner = owner_;
  if (auto s = backend_for(record).attach(veth); !s) return undo(s.error());
  bool route = options.default_route && !record.internal;
  if (auto s = run_in_netns(netns, [&] { return configure_inside(a, route); }); !s) return undo(s.error());
  return a;
}

Status Networks::disconnect(const std::string& network, const std::string& container) {
  auto lock = store_.lock();
  if (!lock) return lock.error();
  auto loaded = store_.load(network);
  if (!loaded) return loaded.error();
  if (!*loaded) return ok_status();
  NetworkRecord record = **loaded;
  return drop_endpoint(record, container);
}

Status Networks::disconnect_all(const std::string& container) {
  auto lock = store_.lock();
  if (!lock) return lock.error();
  auto records = store_.list();
  if (!records) return records.error();
  Status result;
  for (auto& record : *records)
    if (record.endpoints.count(container))
      if (auto s = drop_endpoint(record, container); !s) result = s;
  return result;
}

}  // namespace racker::network
