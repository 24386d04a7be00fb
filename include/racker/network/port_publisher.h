#pragma once
// Publishes containers' ports on the host with kernel NAT (nftables DNAT in
// racker's own table, see port_rules.h), so published traffic runs at the
// speed of a direct connection. Never touches any other table.
//
// Every operation reads the table back from the kernel, changes one
// container's share and writes the whole table in one atomic batch, under an
// flock so that racker processes do not interleave. The table disappears
// when no container publishes anything.
//
// Not thread-safe: one PortPublisher per thread.

#include <functional>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "racker/network/nftables.h"
#include "racker/network/port_host.h"
#include "racker/network/port_resolve.h"
#include "racker/network/port_spec.h"
#include "racker/util/error.h"

namespace racker::network {

struct PortPublisherOptions {
  std::string table = "racker_ports";  // tests use their own
  std::string lock_path;  // "" = $RACKER_RUN/<table>.lock ($RACKER_RUN defaults to /run/racker)
  std::shared_ptr<HostPorts> host;  // null = SystemHostPorts
};

class PortPublisher {
 public:
  static Result<PortPublisher> open(PortPublisherOptions options = {});

  // Everything racker publishes now, by container id, read from the kernel.
  Result<PublishedPorts> published();
  // One container's mappings (empty when it publishes nothing): `racker port`.
  Result<std::vector<PortMapping>> ports_of(const std::string& container_id);

  // Specs -> mappings for a container at `container_ip`, choosing range and
  // ephemeral host ports that are free now (see resolve_ports).
  Result<std::vector<PortMapping>> resolve(const std::vector<PortSpec>& specs, const std::string& container_ip);

  // Fails with a docker-like "Bind for 0.0.0.0:8080 failed: port is already
  // allocated (...)" when a host port is taken by a host socket or by another
  // container's publication; `container_id`'s own current ports do not count.
  Status check_available(const std::vector<PortMapping>& mappings, const std::string& container_id = "");

  // Makes `container_id` publish exactly `mappings` (replacing what it had).
  // Runs check_available first and creates nothing when it fails. Turns on
  // route_localnet for the bridges of IPv4 containers reachable through
  // 127.0.0.1. An empty list is unpublish().
  Status publish(const std::string& container_id, const std::vector<PortMapping>& mappings);

  // Removes exactly this container's rules; idempotent.
  Status unpublish(const std::string& container_id);

  // Crash safety: removes the rules of every container not in `live_ids`.
  Status cleanup_stale(const std::set<std::string>& live_ids);

 private:
  PortPublisher(Nftables nft, PortPublisherOptions options);
  // Reads the table; sets table_exists_.
  Result<PublishedPorts> read_table();
  // Writes `next` (the whole table; deletes it when `next` is empty) and
  // fixes route_localnet, given `before`.
  Status write_table(const PublishedPorts& before, const PublishedPorts& next);
  // Drops every container for which `doomed(id)` holds.
  Status remove_owners(const std::function<bool(const std::string&)>& doomed);

  Nftables nft_;
  PortPublisherOptions options_;
  bool table_exists_ = false;  // as of the last read_table()
};

}  // namespace racker::network
