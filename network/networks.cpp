// Networks: open, ensure_network, remove_network. Endpoints are in
// networks_connect.cpp, crash cleanup in networks_cleanup.cpp.
#include "racker/network/networks.h"

#include <filesystem>
#include <set>

#include <spdlog/spdlog.h>

#include "best_effort.h"
#include "netlink_ops.h"
#include "racker/network/firewall.h"
#include "racker/network/host_routes.h"
#include "racker/network/ifname.h"
#include "racker/network/netlink_backend.h"
#include "racker/network/netns.h"

namespace racker::network {

namespace {

constexpr const char* kMtuOption = "com.docker.network.driver.mtu";

std::string absolute(const std::string& dir) {
  std::error_code ec;
  auto p = std::filesystem::absolute(dir, ec);
  return ec ? dir : p.lexically_normal().string();
}

// Which ipam.config entry is for which family: by its subnet's address.
Result<std::optional<IpamConfig>> ipam_for(const NetworkRequest& r, Family family) {
  std::optional<IpamConfig> found;
  for (const auto& c : r.ipam) {
    Family f = Family::kV4;
    if (c.subnet && c.subnet->find(':') != std::string::npos) f = Family::kV6;
    if (f != family) continue;
    if (found)
      return Error(Errc::kUnsupported, "network " + r.name + ": more than one " +
                                           (family == Family::kV4 ? "IPv4" : "IPv6") +
                                           " ipam.config entry; racker gives a network one subnet per family");
    found = c;
  }
  return found;
}

void warn_unsupported(const NetworkRequest& r, std::vector<std::string>* warnings) {
  if (!r.driver.empty() && r.driver != "bridge")
    warnings->push_back("network " + r.name + ": driver \"" + r.driver + "\" is not supported, using a bridge");
  for (const auto& [k, v] : r.driver_opts)
    if (k != kMtuOption) warnings->push_back("network " + r.name + ": driver_opts " + k + " ignored");
  if (r.ipam_driver && *r.ipam_driver != "default")
    warnings->push_back("network " + r.name + ": ipam driver \"" + *r.ipam_driver + "\" ignored, using racker's");
}

Result<std::optional<int>> mtu_of(const NetworkRequest& r) {
  auto it = r.driver_opts.find(kMtuOption);
  if (it == r.driver_opts.end()) return std::optional<int>();
  try {
    int mtu = std::stoi(it->second);
    if (mtu >= 68 && mtu <= 65535) return std::optional<int>(mtu);
  } catch (...) {
  }
  return Error(Errc::kInvalidArgument, "network " + r.name + ": invalid " + kMtuOption + " \"" + it->second + "\"");
}

std::string prefix_text(const std::string& cidr) {
  auto slash = cidr.find('/');
  return slash == std::string::npos ? "" : cidr.substr(slash + 1);
}

}  // namespace

std::string default_network_name(const std::string& project) { return project + "_default"; }

Networks::Networks(NetworkStore store, std::unique_ptr<NetworkBackend> backend, BackendOptions options)
    : store_(std::move(store)),
      owner_(absolute(store_.dir())),
      backend_(std::move(backend)),
      netlink_(make_netlink_backend(options)),
      backend_options_(std::move(options)) {}

Result<std::unique_ptr<Networks>> Networks::open(const NetworksOptions& options) {
  NetworkStore store(options.state_dir.empty() ? NetworkStore::default_dir() : options.state_dir);
  bool explicit_choice = options.backend.has_value() || std::getenv("RACKER_NETWORK_BACKEND");
  BackendKind kind;
  if (options.backend) {
    kind = *options.backend;
  } else {
    auto chosen = choose_backend();
    if (!chosen) return chosen.error();
    kind = *chosen;
  }
  auto backend = make_backend(kind, options.backend_options);
  if (!backend && kind == BackendKind::kNetworkd && !explicit_choice) {
    spdlog::warn("{}; using the netlink backend", backend.error().message);
    backend = make_backend(BackendKind::kNetlink, options.backend_options);
  }
  if (!backend) return backend.error();
  return std::unique_ptr<Networks>(new Networks(std::move(store), std::move(*backend), options.backend_options));
}

NetworkState Networks::state_of(const NetworkRecord& r) const {
  NetworkState s;
  s.name = r.name;
  s.ifname = r.ifname;
  s.backend = r.backend;
  s.subnet = r.subnet;
  s.gateway = r.gateway;
  s.subnet6 = r.subnet6;
  s.gateway6 = r.gateway6;
  s.internal = r.internal;
  return s;
}

BridgeSpec Networks::bridge_spec(const NetworkRecord& r) const {
  BridgeSpec spec;
  spec.network = r.name;
  spec.ifname = r.ifname;
  spec.mtu = r.mtu;
  spec.owner = owner_;
  if (!r.gateway.empty()) spec.addresses.push_back({IpAddress::parse(r.gateway).value(), std::stoi(prefix_text(r.subnet))});
  if (!r.gateway6.empty())
    spec.addresses.push_back({IpAddress::parse(r.gateway6).value(), std::stoi(prefix_text(r.subnet6))});
  return spec;
}

NetworkBackend& Networks::backend_for(const NetworkRecord& r) { return r.adopted ? *netlink_ : *backend_; }

// `external: true`: a racker network of that name, else a host bridge.
Result<NetworkState> Networks::adopt_external(const NetworkRequest& request) {
  auto existing = store_.load(request.name);
  if (!existing) return existing.error();
  if (*existing) {
    NetworkState s = state_of(**existing);
    s.external = true;
    return s;
  }
  auto sock = nl::Socket::open();
  if (!sock) return sock.error();
  auto link = nl::find_link(*sock, request.name);
  if (!link) return link.error();
  if (!*link || (*link)->kind != "bridge")
    return Error(Errc::kNotFound, "network " + request.name + " declared as external, but could not be found");
  auto addrs = nl::addresses(*sock, request.name);
  if (!addrs) return addrs.error();
  NetworkRecord r;
  r.name = request.name;
  r.ifname = request.name;
  r.backend = "host";
  r.adopted = true;
  r.status = NetworkStatus::kReady;
  r.internal = request.internal;
  for (const auto& a : *addrs) {
    Subnet subnet(a.address, a.prefix);
    if (a.address.is_v4() && r.subnet.empty()) {
      r.subnet = subnet.to_string();
      r.gateway = a.address.to_string();
    } else if (!a.address.is_v4() && r.subnet6.empty() && !Subnet::parse("fe80::/10")->contains(a.address)) {
      r.subnet6 = subnet.to_string();
      r.gateway6 = a.address.to_string();
      r.enable_ipv6 = true;
    }
  }
  if (r.subnet.empty())
    return Error(Errc::kUnsupported, "external network " + request.name + " is a bridge without an IPv4 address; "
                                     "racker needs one to address containers");
  if (auto s = store_.save(r); !s) return s.error();
  NetworkState s = state_of(r);
  s.external = true;
  return s;
}

// A new record: subnets from IPAM, a free interface name. Not yet saved.
Result<NetworkRecord> Networks::plan_network(const NetworkRequest& request, std::vector<std::string>* warnings) {
  auto records = store_.list();
  if (!records) return records.error();
  auto routes = read_host_routes();
  if (!routes) return routes.error();
  std::vector<Reservation> taken;
  std::set<std::string> names, prefixes;
  for (const auto& r : *records) {
    for (const auto* text : {&r.subnet, &r.subnet6})
      if (auto s = Subnet::parse(*text); s) taken.push_back({*s, "network " + r.name});
    names.insert(r.ifname);
    if (is_bridge_ifname(r.ifname)) prefixes.insert(veth_prefix(r.ifname));
  }
  // Routes on racker's own bridges are covered by the records above; those
  // of other state dirs (whose records we cannot see) stay in.
  std::vector<HostRoute> host_routes;
  for (const auto& route : *routes)
    if (!names.count(route.device)) host_routes.push_back(route);

  NetworkRecord r;
  r.name = request.name;
  r.project = request.project;
  r.key = request.key;
  r.internal = request.internal;
  r.labels = request.labels;
  auto mtu = mtu_of(request);
  if (!mtu) return mtu.error();
  r.mtu = *mtu;

  auto v4_config = ipam_for(request, Family::kV4);
  if (!v4_config) return v4_config.error();
  auto v6_config = ipam_for(request, Family::kV6);
  if (!v6_config) return v6_config.error();
  if (*v6_config && !request.enable_ipv6)
    return Error(Errc::kInvalidArgument, "network " + request.name + " has an IPv6 ipam.config subnet but enable_ipv6 is not set");

  auto v4 = plan_addresses(*v4_config, Family::kV4, default_pools(Family::kV4), taken, host_routes, warnings);
  if (!v4) return v4.error().with_context("while allocating a subnet for network " + request.name);
  r.subnet = v4->subnet.to_string();
  r.gateway = v4->gateway.to_string();
  if (v4->ip_range) r.ip_range = v4->ip_range->to_string();
  for (const auto& a : v4->reserved) r.reserved.push_back(a.to_string());
  if (request.enable_ipv6) {
    auto v6 = plan_addresses(*v6_config, Family::kV6, default_pools(Family::kV6), taken, host_routes, warnings);
    if (!v6) return v6.error().with_context("while allocating an IPv6 subnet for network " + request.name);
    r.enable_ipv6 = true;
    r.subnet6 = v6->subnet.to_string();
    r.gateway6 = v6->gateway.to_string();
    if (v6->ip_range) r.ip_range6 = v6->ip_range->to_string();
    for (const auto& a : v6->reserved) r.reserved.push_back(a.to_string());
  }

  // An interface name no other network uses, whose veth prefix is unique too
  // (one ports unit per network matches rkv<prefix>*), and that no foreign
  // link on the host already has.
  auto sock = nl::Socket::open();
  if (!sock) return sock.error();
  for (int attempt = 0; attempt < 64; ++attempt) {
    std::string candidate = bridge_ifname(request.name, attempt);
    if (names.count(candidate) || prefixes.count(veth_prefix(candidate))) continue;
    auto link = nl::find_link(*sock, candidate);
    if (!link) return link.error();
    if (*link) {
      std::string owner, network;
      bool ours = parse_link_alias((*link)->alias, &owner, &network) && owner == owner_ && network == request.name;
      if (!ours) continue;
    }
    r.ifname = candidate;
    return r;
  }
  return Error(Errc::kConflict, "no free interface name for network " + request.name);
}

// Makes the host match a record: forwarding, bridge, firewall elements.
Status Networks::provision(NetworkRecord& r) {
  auto changed = enable_ip_forward();
  if (!changed) return changed.error();
  if (*changed) {
    spdlog::info("racker set net.ipv4.ip_forward=1");
    if (auto s = store_.set_ip_forward_changed(true); !s) return s;
  }
  if (!r.adopted)
    if (auto s = backend_->ensure_bridge(bridge_spec(r)); !s) return s;
  if (r.adopted) return ok_status();  // a host bridge: its firewall is its owner's business
  auto fw = Firewall::open();
  if (!fw) return fw.error();
  FirewallEntry entry;
  entry.bridge = r.ifname;
  entry.internal = r.internal;
  if (!r.internal) {
    entry.masquerade.push_back(r.subnet);
    if (!r.subnet6.empty()) entry.masquerade.push_back(r.subnet6);
  }
  return fw->add(entry);
}

// Removes what provision() made. Endpoints must be gone already.
Status Networks::teardown(const NetworkRecord& r) {
  if (r.adopted) return ok_status();
  Status result;
  if (auto fw = Firewall::open(); fw) {
    if (auto s = fw->remove(r.ifname); !s) result = s;
  } else {
    result = fw.error();
  }
  if (auto s = backend_->remove_bridge(bridge_spec(r)); !s) result = s;
  return result;
}

Result<NetworkState> Networks::ensure_network(const NetworkRequest& request) {
  auto lock = store_.lock();
  if (!lock) return lock.error();
  if (request.external) return adopt_external(request);

  std::vector<std::string> warnings;
  warn_unsupported(request, &warnings);
  auto existing = store_.load(request.name);
  if (!existing) return existing.error();
  NetworkRecord record;
  bool created = false;
  if (*existing && (*existing)->status == NetworkStatus::kReady) {
    record = **existing;
    // A changed subnet is docker compose's "network config changed": recreate
    // when nothing is attached, refuse otherwise.
    auto wanted = ipam_for(request, Family::kV4);
    if (wanted && *wanted && (*wanted)->subnet && *(*wanted)->subnet != record.subnet) {
      if (!record.endpoints.empty())
        return Error(Errc::kConflict, "network " + request.name + " exists with subnet " + record.subnet +
                                          " and has endpoints; remove it to use subnet " + *(*wanted)->subnet);
      if (auto s = teardown(record); !s) return s.error();
      if (auto s = store_.remove(record.name); !s) return s.error();
      existing = std::optional<NetworkRecord>();
    }
  } else if (*existing) {
    // Left half-made (or half-removed) by a process that died: start afresh.
    NetworkRecord stale = **existing;
    for (auto& [name, e] : stale.endpoints) best_effort(backend_->detach(e.host_ifname));
    best_effort(teardown(stale));
    if (auto s = store_.remove(stale.name); !s) return s.error();
    existing = std::optional<NetworkRecord>();
  }
  if (!*existing) {
    auto planned = plan_network(request, &warnings);
    if (!planned) return planned.error();
    record = std::move(*planned);
    record.backend = backend_->name();
    record.status = NetworkStatus::kCreating;
    if (auto s = store_.save(record); !s) return s.error();  // first: a crash from here on is cleanable
    created = true;
  }

  if (auto s = provision(record); !s) {
    if (created) {
      best_effort(teardown(record));
      best_effort(store_.remove(record.name));
    }
    return s.error().with_context("while creating network " + request.name);
  }
  if (record.status != NetworkStatus::kReady) {
    record.status = NetworkStatus::kReady;
    if (auto s = store_.save(record); !s) return s.error();
  }
  for (const auto& w : warnings) spdlog::warn("{}", w);
  NetworkState state = state_of(record);
  state.created = created;
  state.warnings = std::move(warnings);
  return state;
}

Status Networks::remove_network(const std::string& name, bool force) {
  auto lock = store_.lock();
  if (!lock) return lock.error();
  auto existing = store_.load(name);
  if (!existing) return existing.error();
  if (!*existing) return Error(Errc::kNotFound, "network " + name + " not found");
  NetworkRecord record = **existing;
  // Endpoints whose namespace is gone are not "active".
  std::vector<std::string> live;
  for (auto it = record.endpoints.begin(); it != record.endpoints.end();) {
    if (netns_exists(it->second.netns)) {
      live.push_back(it->first);
      ++it;
    } else {
      best_effort(backend_for(record).detach(it->second.host_ifname));
      it = record.endpoints.erase(it);
    }
  }
  if (!live.empty() && !force) {
    std::string list;
    for (const auto& c : live) list += (list.empty() ? "" : ", ") + c;
    best_effort(store_.save(record));
    return Error(Errc::kConflict, "error while removing network: network " + name + " has active endpoints (" + list + ")");
  }
  for (const auto& [container, e] : record.endpoints)
    if (auto s = backend_for(record).detach(e.host_ifname); !s) return s;
  record.endpoints.clear();
  if (record.adopted) return store_.remove(name);
  record.status = NetworkStatus::kRemoving;
  if (auto s = store_.save(record); !s) return s;
  if (auto s = teardown(record); !s) return s.error().with_context("while removing network " + name);
  return store_.remove(name);
}

}  // namespace racker::network
