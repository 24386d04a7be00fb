#include "project_networks.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <thread>
#include <utility>
#include <vector>

#include "racker/network/dns_daemon.h"
#include "racker/network/netns.h"
#include "racker/network/port_publisher.h"
#include "racker/network/port_spec.h"
#include "racker/network/resolver_files.h"
#include "racker/runtime/container_process.h"
#include "racker/runtime/removal_hook.h"
#include "racker/runtime/service_container.h"

namespace racker::cli {

using compose::model::Service;
using compose::model::ServiceNetwork;

namespace {

std::string read_text(const std::string& path) {
  std::ifstream in(path);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

struct JoinedNetwork {
  std::string key;
  const ServiceNetwork* options;  // null: joined without options
};

// docker compose's order: higher priority first, then by key; the first
// network is eth0 and carries the default route.
std::vector<JoinedNetwork> joined_networks(const Service& s) {
  std::vector<JoinedNetwork> out;
  for (const auto& [key, options] : s.networks) out.push_back({key, options ? &*options : nullptr});
  std::stable_sort(out.begin(), out.end(), [](const JoinedNetwork& a, const JoinedNetwork& b) {
    int pa = a.options && a.options->priority ? *a.options->priority : 0;
    int pb = b.options && b.options->priority ? *b.options->priority : 0;
    return pa > pb;
  });
  return out;
}

// The services' networks: compose creates only the ones some service joins.
std::set<std::string> used_network_keys(const compose::model::Project& project) {
  std::set<std::string> keys;
  for (const auto& [name, s] : project.services)
    for (const auto& [key, options] : s.networks) keys.insert(key);
  return keys;
}

// `links: [db, db:database]`: the linked service's address under both names,
// in this container's /etc/hosts (docker scopes link aliases to the linker).
void add_link_hosts(const Service& s, const std::vector<network::NetworkRecord>& records,
                    const std::set<std::string>& joined, network::HostsRequest& hosts) {
  for (const auto& link : s.links) {
    auto colon = link.find(':');
    std::string target = link.substr(0, colon);
    std::string alias = colon == std::string::npos ? target : link.substr(colon + 1);
    for (const auto& r : records) {
      if (!joined.count(r.name)) continue;
      for (const auto& [container, e] : r.endpoints) {
        if (e.service != target || e.ipv4.empty()) continue;
        hosts.extra_hosts.emplace_back(alias, e.ipv4);
        goto next_link;  // one address per link, as docker's /etc/hosts entry
      }
    }
    spdlog::warn("service \"{}\": links: {} has no running container on a shared network", s.name, target);
  next_link:;
  }
}

// /etc/hosts and /etc/resolv.conf for a container whose first network's
// gateway is `gateway` (the embedded DNS server), into spec.network.
// `hosts` arrives with the container's own names and addresses.
Status render_network_files(const Service& s, network::HostsRequest hosts, const std::string& gateway,
                            runtime::ContainerSpec& spec) {
  for (const auto& [name, addresses] : s.extra_hosts)
    for (const auto& address : addresses) hosts.extra_hosts.emplace_back(name, address);
  hosts.host_gateway = gateway;
  auto hosts_text = network::render_hosts(hosts, read_text("/etc/hosts"));
  if (!hosts_text) return hosts_text.error().with_context("service \"" + s.name + "\"");
  network::ResolvConfRequest resolv;
  resolv.embedded_dns = gateway;
  resolv.dns = s.dns;
  resolv.dns_search = s.dns_search;
  resolv.dns_opt = s.dns_opt;
  auto resolv_text = network::render_resolv_conf(resolv, read_text("/etc/resolv.conf"));
  if (!resolv_text) return resolv_text.error().with_context("service \"" + s.name + "\"");
  spec.network.hosts = std::move(*hosts_text);
  spec.network.resolv_conf = std::move(*resolv_text);
  return ok_status();
}

Result<std::vector<network::PortSpec>> port_specs(const Service& s) {
  std::vector<network::PortSpec> specs;
  for (size_t i = 0; i < s.ports.size(); ++i) {
    auto spec = network::port_spec_from_compose(s.ports[i]);
    if (!spec)
      return spec.error().with_context("service \"" + s.name + "\": ports[" + std::to_string(i) + "]");
    specs.push_back(*spec);
  }
  return specs;
}

}  // namespace

std::string container_netns_path(const std::string& container_id) {
  return network::default_netns_dir() + "/" + container_id;
}

Result<network::Networks*> ProjectNetworks::open_networks() {
  if (!networks_) {
    auto opened = network::Networks::open();
    if (!opened) return opened.error();
    networks_ = std::move(*opened);
    spdlog::debug("networks: {} backend", networks_->backend());
  }
  return networks_.get();
}

Status ProjectNetworks::ensure_networks() {
  std::lock_guard<std::mutex> lock(mu_);
  auto nets = open_networks();
  if (!nets) return nets.error();
  for (const auto& key : used_network_keys(project_)) {
    auto it = project_.networks.find(key);
    if (it == project_.networks.end())
      return Error(Errc::kNotFound, "service network \"" + key + "\" is not declared in the project");
    auto state = (*nets)->ensure_network(network::network_request(it->second, project_.name));
    if (!state) {
      if (it->second.external && state.error().code == Errc::kNotFound)
        return Error(Errc::kNotFound, "network " + it->second.name +
                                          " declared as external, but could not be found");
      return state.error().with_context("network " + it->second.name);
    }
    for (const auto& w : state->warnings) spdlog::warn("network {}: {}", it->second.name, w);
    if (state->created && progress_) progress_(it->second.name, "Created");
  }
  return ok_status();
}

Status ProjectNetworks::attach(const Service& service, runtime::ContainerSpec& spec) {
  if (spec.network_mode != "bridge") return ok_status();
  if (service.network_mode && service.network_mode->rfind("service:", 0) == 0) {
    // Containers are created concurrently: wait (lock released) until the
    // target's first replica is attached.
    const std::string target = service.network_mode->substr(8);
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    for (;;) {
      {
        std::lock_guard<std::mutex> lock(mu_);
        Status st = share_namespace(service, target, spec);
        if (st || st.error().code != Errc::kNotFound || std::chrono::steady_clock::now() > deadline) return st;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  }
  if (service.networks.empty()) {  // network_mode bridge with no network: loopback only
    spec.network_mode = "none";
    return ok_status();
  }
  // `links` name other services' addresses in /etc/hosts: wait (briefly,
  // lock released) until those are attached, as containers are created
  // concurrently.
  for (const auto& link : service.links) {
    const std::string target = link.substr(0, link.find(':'));
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (!service_attached(target) && std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  // The namespace is named after the container, so the id is fixed here
  // (the driver keeps an id it is given).
  if (spec.id.empty()) spec.id = runtime::generate_container_id();
  std::lock_guard<std::mutex> lock(mu_);
  std::string netns = container_netns_path(spec.id);
  if (!network::netns_exists(netns))
    if (auto st = network::create_netns(netns); !st) return st.error().with_context("container " + spec.name);
  Status st = attach_locked(service, spec, netns);
  if (!st) {
    // Nothing half-made survives a failed attach.
    if (auto undo = detach_locked(spec.id, spec.name); !undo)
      spdlog::warn("container {}: cleanup after a failed attach: {}", spec.name, undo.error().to_string());
  }
  return st;
}

Status ProjectNetworks::attach_locked(const Service& service, runtime::ContainerSpec& spec, const std::string& netns) {
  auto nets = open_networks();
  if (!nets) return nets.error();
  const std::string hostname = spec.hostname.empty() ? spec.id.substr(0, 12) : spec.hostname;

  auto label = spec.labels.find(runtime::kLabelOneoff);
  const bool oneoff = label != spec.labels.end() && label->second == "True";
  std::vector<network::Attachment> attachments;
  std::set<std::string> joined;
  struct DnsServed {
    std::string gateway, address;  // the container's address on that network
  };
  std::vector<DnsServed> served;
  int index = 0;
  for (const auto& j : joined_networks(service)) {
    auto it = project_.networks.find(j.key);
    if (it == project_.networks.end())
      return Error(Errc::kNotFound, "service \"" + service.name + "\" refers to undefined network " + j.key);
    network::ConnectOptions options = network::connect_options(spec.name, j.options, index);
    if (index == 0 && !options.mac_address && service.mac_address) options.mac_address = service.mac_address;
    // One-off (`compose run`) containers answer to their own name only,
    // as without docker compose's --use-aliases.
    if (!oneoff) options.service = service.name;
    else options.aliases.clear();
    options.hostname = hostname;
    auto a = (*nets)->connect(netns, it->second.name, options);
    if (!a) return a.error().with_context("container " + spec.name + ", network " + it->second.name);
    joined.insert(it->second.name);
    if (!a->gateway.empty()) served.push_back({a->gateway, a->ipv4.empty() ? a->ipv6 : a->ipv4});
    attachments.push_back(std::move(*a));
    ++index;
  }
  if (attachments.empty()) return ok_status();
  const network::Attachment& first = attachments.front();

  // Published ports go to the first network's address, as docker's do.
  if (!service.ports.empty()) {
    auto specs = port_specs(service);
    if (!specs) return specs.error();
    auto publisher = network::PortPublisher::open();
    if (!publisher) return publisher.error();
    auto mappings = publisher->resolve(*specs, first.ipv4);
    if (!mappings) return mappings.error().with_context("service \"" + service.name + "\"");
    if (auto st = publisher->publish(spec.id, *mappings); !st) return st.error().with_context("container " + spec.name);
  }

  network::HostsRequest hosts;
  hosts.hostname = hostname;
  hosts.domainname = spec.domainname;
  for (const auto& a : attachments)
    if (!a.ipv4.empty()) hosts.addresses.push_back(a.ipv4);
  if (!service.links.empty()) {
    auto records = (*nets)->list();
    if (!records) return records.error();
    add_link_hosts(service, *records, joined, hosts);
  }
  if (auto st = render_network_files(service, std::move(hosts), first.gateway, spec); !st) return st;

  // Names resolve from the container's first lookup on: the daemon serves
  // every network, with this container in it, before the payload starts.
  if (auto st = network::ensure_dns_daemon(runtime::self_executable()); !st)
    return st.error().with_context("the DNS daemon");
  for (const auto& s : served) {
    Status st = s.address.empty() ? network::wait_dns_ready(s.gateway, std::chrono::seconds(5))
                                  : network::wait_dns_answers(s.gateway, spec.name, s.address, std::chrono::seconds(5));
    if (!st) spdlog::warn("container {}: {}", spec.name, st.error().to_string());
  }

  spec.network.netns_path = netns;
  return ok_status();
}

// `network_mode: service:NAME`: the container joins the namespace of NAME's
// first running replica (the graph started it first), sees its addresses and
// names, and owns no endpoint of its own.
Status ProjectNetworks::share_namespace(const Service& service, const std::string& target,
                                        runtime::ContainerSpec& spec) {
  auto nets = open_networks();
  if (!nets) return nets.error();
  auto records = (*nets)->list();
  if (!records) return records.error();
  const network::NetworkRecord* network = nullptr;
  const network::EndpointRecord* endpoint = nullptr;
  for (const auto& r : *records) {
    if (r.project != project_.name) continue;
    for (const auto& [name, e] : r.endpoints)
      if (e.service == target && network::netns_exists(e.netns) && (!endpoint || name < endpoint->container)) {
        network = &r;
        endpoint = &e;
      }
  }
  if (!endpoint)
    return Error(Errc::kNotFound, "service \"" + service.name + "\": network_mode service:" + target +
                                      ": no running container of service \"" + target + "\" on a racker network");
  network::HostsRequest hosts;
  hosts.hostname = spec.hostname.empty() ? spec.id.substr(0, 12) : spec.hostname;
  hosts.addresses.push_back(endpoint->ipv4);
  if (auto st = render_network_files(service, std::move(hosts), network->gateway, spec); !st) return st;
  spec.network.netns_path = endpoint->netns;
  return ok_status();
}

bool ProjectNetworks::service_attached(const std::string& service) {
  std::lock_guard<std::mutex> lock(mu_);
  auto nets = open_networks();
  if (!nets) return false;
  auto records = (*nets)->list();
  if (!records) return false;
  for (const auto& r : *records)
    if (r.project == project_.name)
      for (const auto& [name, e] : r.endpoints)
        if (e.service == service) return true;
  return false;
}

Status ProjectNetworks::detach(const std::string& container_id) {
  std::lock_guard<std::mutex> lock(mu_);
  return detach_locked(container_id, "");
}

Status ProjectNetworks::detach_locked(const std::string& container_id, const std::string& container_name) {
  auto nets = open_networks();
  if (!nets) return nets.error();
  return release_container_network(**nets, container_id, container_name);
}

// Everything attach made for the container: endpoints found by their
// namespace (the container's name may be unknown here), ports, the namespace.
Status release_container_network(network::Networks& nets, const std::string& container_id,
                                 const std::string& container_name) {
  const std::string netns = container_netns_path(container_id);
  Status result = ok_status();
  auto keep_first = [&](Status st) {
    if (!st && result) result = std::move(st);
  };
  // The ports and the namespace go even when the records cannot be read.
  auto records = nets.list();
  if (!records) keep_first(records.error());
  else
    for (const auto& r : *records)
      for (const auto& [name, e] : r.endpoints)
        if (e.netns == netns || (!container_name.empty() && name == container_name))
          keep_first(nets.disconnect(r.name, name));
  auto publisher = network::PortPublisher::open();
  if (!publisher) keep_first(publisher.error());
  else keep_first(publisher->unpublish(container_id));
  keep_first(network::delete_netns(netns));
  return result;
}

void install_network_removal_hook() {
  runtime::set_removal_hook([](const runtime::ContainerSpec& spec) {
    // Only containers on racker networks that own their namespace.
    if (spec.network_mode != "bridge" || spec.network.netns_path != container_netns_path(spec.id)) return;
    auto nets = network::Networks::open();
    Status st = nets ? release_container_network(**nets, spec.id, spec.name) : Status(nets.error());
    if (!st) spdlog::warn("container {}: releasing its network: {}", spec.name, st.error().to_string());
  });
}

Status ProjectNetworks::prune(const std::set<std::string>& live_ids) {
  std::lock_guard<std::mutex> lock(mu_);
  auto nets = open_networks();
  if (!nets) return nets.error();
  auto records = (*nets)->list();
  if (!records) return records.error();
  // Only namespaces this state dir's endpoints use: another RACKER_ROOT may
  // share $RACKER_RUN, and its containers are not in `live_ids`.
  std::set<std::string> ours;
  for (const auto& r : *records)
    for (const auto& [name, e] : r.endpoints) ours.insert(e.netns);
  std::error_code ec;
  Status result = ok_status();
  for (const auto& entry : std::filesystem::directory_iterator(network::default_netns_dir(), ec)) {
    std::string id = entry.path().filename().string();
    if (live_ids.count(id) || !ours.count(entry.path().string())) continue;
    // A namespace is made just before its container is stored: leave young
    // ones to the racker process that is creating them.
    auto age = std::filesystem::file_time_type::clock::now() - entry.last_write_time(ec);
    if (ec || age < std::chrono::seconds(60)) continue;
    spdlog::debug("networks: pruning the namespace of removed container {}", id);
    if (auto st = detach_locked(id, ""); !st && result) result = st;
  }
  return result;
}

Status ProjectNetworks::remove_networks() {
  std::lock_guard<std::mutex> lock(mu_);
  auto nets = open_networks();
  if (!nets) return nets.error();
  for (const auto& [key, n] : project_.networks) {
    if (n.external) continue;
    auto existing = (*nets)->inspect(n.name);
    if (!existing || !*existing) continue;
    if (progress_) progress_(n.name, "Removing");
    if (auto st = (*nets)->remove_network(n.name); !st && st.error().code != Errc::kNotFound)
      return st.error().with_context("error while removing network " + n.name);
    if (progress_) progress_(n.name, "Removed");
  }
  return ok_status();
}

}  // namespace racker::cli
