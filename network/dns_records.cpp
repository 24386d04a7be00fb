#include "racker/network/dns_records.h"

#include <algorithm>

namespace racker::network {

std::string dns_normalize_name(std::string_view name) {
  if (!name.empty() && name.back() == '.') name.remove_suffix(1);
  std::string out(name);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

bool dns_valid_name(std::string_view name) {
  if (!name.empty() && name.back() == '.') name.remove_suffix(1);
  if (name.empty() || name.size() > 253) return false;
  size_t label = 0;
  for (char c : name) {
    if (c == '.') {
      if (label == 0) return false;
      label = 0;
      continue;
    }
    // Printable ASCII without space or backslash: names racker registers come
    // from compose (container, service, alias, hostname), never escaped text.
    if (c <= ' ' || c >= 0x7f || c == '\\') return false;
    if (++label > 63) return false;
  }
  return label > 0;
}

Status DnsRecords::add(DnsEndpoint endpoint) {
  if (endpoint.network.empty() || endpoint.container.empty()) {
    return Error(Errc::kInvalidArgument, "dns endpoint needs a network and a container name");
  }
  std::vector<std::string> rejected;
  auto keep = [&](std::string& name) {
    if (name.empty()) return;
    if (!dns_valid_name(name)) {
      rejected.push_back(name);
      name.clear();
    }
  };
  keep(endpoint.container);  // an invalid container name still keys the endpoint
  keep(endpoint.service);
  keep(endpoint.hostname);
  for (auto& alias : endpoint.aliases) keep(alias);

  std::string network = endpoint.network;
  std::string key = endpoint.container.empty() ? rejected.front() : endpoint.container;
  {
    std::lock_guard lock(mu_);
    View& view = views_[network];
    view.endpoints.insert_or_assign(key, std::move(endpoint));
    reindex(view);
  }
  if (rejected.empty()) return ok_status();
  std::string list;
  for (const auto& name : rejected) list += (list.empty() ? "" : ", ") + name;
  return Error(Errc::kInvalidArgument, "not valid DNS names, not resolvable: " + list);
}

bool DnsRecords::remove(std::string_view network, std::string_view container) {
  std::lock_guard lock(mu_);
  auto v = views_.find(network);
  if (v == views_.end()) return false;
  auto e = v->second.endpoints.find(container);
  if (e == v->second.endpoints.end()) return false;
  v->second.endpoints.erase(e);
  if (v->second.endpoints.empty()) {
    views_.erase(v);
  } else {
    reindex(v->second);
  }
  return true;
}

size_t DnsRecords::remove_container(std::string_view container) {
  std::lock_guard lock(mu_);
  size_t removed = 0;
  for (auto v = views_.begin(); v != views_.end();) {
    auto e = v->second.endpoints.find(container);
    if (e != v->second.endpoints.end()) {
      v->second.endpoints.erase(e);
      ++removed;
      reindex(v->second);
    }
    v = v->second.endpoints.empty() ? views_.erase(v) : std::next(v);
  }
  return removed;
}

void DnsRecords::remove_network(std::string_view network) {
  std::lock_guard lock(mu_);
  auto v = views_.find(network);
  if (v != views_.end()) views_.erase(v);
}

DnsLookup DnsRecords::lookup(std::string_view network, std::string_view name, DnsFamily family) {
  std::string key = dns_normalize_name(name);
  std::lock_guard lock(mu_);
  DnsLookup out;
  auto v = views_.find(network);
  if (v == views_.end()) return out;
  auto n = v->second.names.find(key);
  if (n == v->second.names.end()) return out;
  out.name_exists = true;
  NameEntry& entry = n->second;
  bool v4 = family == DnsFamily::kV4;
  const auto& all = v4 ? entry.v4 : entry.v6;
  if (all.empty()) return out;
  // Rotate by one per lookup so clients that take the first address spread
  // over the replicas. One position per family: a resolver asks A and AAAA
  // together, and a shared one would advance by two.
  size_t start = (v4 ? entry.turn_v4++ : entry.turn_v6++) % all.size();
  out.addresses.reserve(all.size());
  out.addresses.insert(out.addresses.end(), all.begin() + start, all.end());
  out.addresses.insert(out.addresses.end(), all.begin(), all.begin() + start);
  return out;
}

bool DnsRecords::contains(std::string_view network, std::string_view name) const {
  std::string key = dns_normalize_name(name);
  std::lock_guard lock(mu_);
  auto v = views_.find(network);
  return v != views_.end() && v->second.names.count(key) != 0;
}

std::optional<std::string> DnsRecords::reverse(std::string_view network,
                                               const boost::asio::ip::address& address) const {
  std::lock_guard lock(mu_);
  auto v = views_.find(network);
  if (v == views_.end()) return std::nullopt;
  auto r = v->second.reverse.find(address);
  if (r == v->second.reverse.end()) return std::nullopt;
  return r->second;
}

std::vector<std::string> DnsRecords::views_of(std::string_view network,
                                              const boost::asio::ip::address& source) const {
  std::lock_guard lock(mu_);
  std::vector<std::string> out{std::string(network)};
  auto v = views_.find(network);
  if (v == views_.end()) return out;
  std::string container;
  for (const auto& [key, e] : v->second.endpoints)
    if (std::find(e.addresses.begin(), e.addresses.end(), source) != e.addresses.end()) container = key;
  if (container.empty()) return out;
  for (const auto& [name, view] : views_)
    if (name != network && view.endpoints.count(container)) out.push_back(name);
  return out;
}

std::vector<DnsEndpoint> DnsRecords::endpoints(std::string_view network) const {
  std::lock_guard lock(mu_);
  std::vector<DnsEndpoint> out;
  auto v = views_.find(network);
  if (v == views_.end()) return out;
  for (const auto& [key, endpoint] : v->second.endpoints) out.push_back(endpoint);
  return out;
}

// Rebuilds a network's name index from its endpoints. Endpoints are visited
// in container-name order, so replicas keep a stable base order; round-robin
// positions of names that survive are kept.
void DnsRecords::reindex(View& view) {
  std::unordered_map<std::string, NameEntry> names;
  std::map<boost::asio::ip::address, std::string> reverse;
  for (const auto& [key, e] : view.endpoints) {
    std::vector<std::string> own;
    auto add_name = [&](const std::string& name) {
      if (name.empty()) return;
      std::string n = dns_normalize_name(name);
      if (std::find(own.begin(), own.end(), n) == own.end()) own.push_back(std::move(n));
    };
    add_name(e.container);
    add_name(e.service);
    add_name(e.hostname);
    for (const auto& alias : e.aliases) add_name(alias);
    std::string ptr;
    if (!e.container.empty()) {
      ptr = e.container + "." + e.network;
      if (dns_valid_name(ptr)) {
        add_name(ptr);
      } else {
        ptr = e.container;
      }
    }
    for (const auto& name : own) {
      NameEntry& entry = names[name];
      for (const auto& addr : e.addresses) {
        auto& list = addr.is_v4() ? entry.v4 : entry.v6;
        if (std::find(list.begin(), list.end(), addr) == list.end()) list.push_back(addr);
      }
    }
    if (!ptr.empty()) {
      for (const auto& addr : e.addresses) reverse.emplace(addr, dns_normalize_name(ptr));
    }
  }
  for (auto& [name, entry] : names) {
    auto old = view.names.find(name);
    if (old != view.names.end()) {
      entry.turn_v4 = old->second.turn_v4;
      entry.turn_v6 = old->second.turn_v6;
    }
  }
  view.names = std::move(names);
  view.reverse = std::move(reverse);
}

}  // namespace racker::network
