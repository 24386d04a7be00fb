// Networks::cleanup_stale: after a crash, make the host and the state agree.
// Only what belongs to this state dir is touched: links by their alias,
// units by their owner line, firewall elements by bridge name.
#include <set>

#include <spdlog/spdlog.h>

#include "netlink_ops.h"
#include "racker/network/firewall.h"
#include "racker/network/ifname.h"
#include "racker/network/netlink_backend.h"
#include "racker/network/netns.h"
#include "racker/network/networkd_units.h"
#include "racker/network/networks.h"

namespace racker::network {

Status Networks::cleanup_stale() {
  auto lock = store_.lock();
  if (!lock) return lock.error();
  auto records = store_.list();
  if (!records) return records.error();
  auto sock = nl::Socket::open();
  if (!sock) return sock.error();
  Status result;
  auto note = [&](Status s) {
    if (!s) {
      spdlog::warn("network cleanup: {}", s.error().message);
      result = s;
    }
  };

  std::set<std::string> known_links;  // bridges and veths records still account for
  std::set<std::string> live_bridges;
  for (auto& record : *records) {
    // Networks a killed process was creating or removing: remove entirely.
    if (record.status != NetworkStatus::kReady) {
      spdlog::info("network cleanup: removing network {} left {}", record.name, status_name(record.status));
      for (const auto& [container, e] : record.endpoints) note(backend_for(record).detach(e.host_ifname));
      note(teardown(record));
      note(store_.remove(record.name));
      continue;
    }
    // Endpoints whose namespace is gone, or whose veth is (they die together).
    bool changed = false;
    for (auto it = record.endpoints.begin(); it != record.endpoints.end();) {
      auto link = nl::find_link(*sock, it->second.host_ifname);
      bool link_there = link && *link;
      if (netns_exists(it->second.netns) && link_there) {
        known_links.insert(it->second.host_ifname);
        ++it;
        continue;
      }
      spdlog::info("network cleanup: dropping endpoint {} of network {}", it->first, record.name);
      if (link_there) note(backend_for(record).detach(it->second.host_ifname));
      it = record.endpoints.erase(it);
      changed = true;
    }
    if (changed) note(store_.save(record));
    known_links.insert(record.ifname);
    live_bridges.insert(record.ifname);
  }

  // Links of this state dir that no record accounts for (a record deleted
  // by hand, or a crash between making a link and recording it).
  auto links = nl::list_links(*sock);
  if (!links) return links.error();
  for (const auto& link : *links) {
    std::string owner, network;
    if (!is_racker_ifname(link.name) || known_links.count(link.name)) continue;
    if (!parse_link_alias(link.alias, &owner, &network) || owner != owner_) continue;
    spdlog::info("network cleanup: deleting orphan link {} (network {})", link.name, network);
    if (is_bridge_ifname(link.name)) {
      BridgeSpec spec;
      spec.ifname = link.name;
      spec.network = network;
      spec.owner = owner_;
      note(backend_->remove_bridge(spec));
    } else {
      note(nl::delete_link(*sock, link.name));
    }
  }
  // Units of this state dir for bridges no record has.
  for (const auto& bridge : bridges_with_units(backend_options_.unit_dir, owner_)) {
    if (live_bridges.count(bridge)) continue;
    spdlog::info("network cleanup: removing orphan units of {}", bridge);
    BridgeSpec spec;
    spec.ifname = bridge;
    spec.owner = owner_;
    note(backend_->remove_bridge(spec));
  }
  // Firewall elements of bridges that exist nowhere: no racker process can
  // still want them (a live network of any state dir has its bridge).
  auto fw = Firewall::open();
  if (!fw) return fw.error();
  auto fw_bridges = fw->bridges();
  if (!fw_bridges) return fw_bridges.error();
  for (const auto& bridge : *fw_bridges) {
    if (live_bridges.count(bridge)) continue;
    auto link = nl::find_link(*sock, bridge);
    if (link && *link) continue;
    spdlog::info("network cleanup: removing firewall elements of {}", bridge);
    note(fw->remove(bridge));
  }
  return result;
}

}  // namespace racker::network
