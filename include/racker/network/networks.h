#pragma once
// The network facade the orchestrator calls: compose networks become Linux
// bridges, containers' network namespaces get a veth on each network they
// join, and everything is recorded (network_state.h) so it can be found,
// removed and, after a crash, cleaned up.
//
//   ensure_network   idempotent: allocate a subnet (ipam.h), create the
//                    bridge (network_backend.h), add firewall elements
//                    (firewall.h); external networks are looked up, never made
//   connect          a veth into a namespace (netns.h), named eth<N> there,
//                    addressed, default route via the first network's gateway
//   disconnect       the veth goes, the address is released
//   remove_network   refuses while live endpoints remain unless forced
//   cleanup_stale    removes what killed processes and dead namespaces left
//
// Every call that changes something holds the state lock for its whole
// duration, so racker processes sharing a state dir take turns. Calls block
// (netlink, sd-bus, waiting for networkd): run them off the event loop.
// Not thread-safe: one Networks per thread, or external serialisation.

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "racker/network/ipam.h"
#include "racker/network/network_backend.h"
#include "racker/network/network_state.h"
#include "racker/util/error.h"

namespace racker::compose::model {
struct Network;
struct ServiceNetwork;
}  // namespace racker::compose::model

namespace racker::network {

struct NetworkRequest {
  std::string project;  // "" outside a project
  std::string key;      // compose key ("default")
  std::string name;     // full name: <project>_<key>, compose `name:`, or the external name
  bool internal = false;
  bool external = false;  // look the network up; never create it
  bool enable_ipv6 = false;
  std::string driver;     // "" or "bridge"; anything else: a warning, a bridge anyway
  std::map<std::string, std::string> driver_opts;  // com.docker.network.driver.mtu honoured; others: warning
  std::optional<std::string> ipam_driver;          // non-default: warning
  std::vector<IpamConfig> ipam;                    // at most one per family
  std::map<std::string, std::string> labels;
};

struct NetworkState {
  std::string name, ifname, backend;
  std::string subnet, gateway;    // IPv4, CIDR and address
  std::string subnet6, gateway6;  // "" without IPv6
  bool internal = false;
  bool external = false;  // found, not made, by this call
  bool created = false;   // this call created the bridge
  std::vector<std::string> warnings;
};

struct ConnectOptions {
  std::string container;  // endpoint key: one endpoint per container per network
  std::optional<std::string> ipv4_address, ipv6_address, mac_address;
  int interface_index = 0;                     // eth<index> inside the namespace
  std::optional<std::string> interface_name;   // compose interface_name: overrides eth<index>
  bool default_route = true;                   // ignored on internal networks
  // DNS names on this network, kept in the endpoint record (dns_daemon.h).
  std::string service, hostname;
  std::vector<std::string> aliases;
};

struct Attachment {
  std::string network;
  std::string ifname;       // inside the namespace
  std::string host_ifname;  // rkv...
  std::string ipv4, gateway;    // address without prefix
  int prefix = 0;
  std::string ipv6, gateway6;
  int prefix6 = 0;
  std::string mac;
};

struct NetworksOptions {
  std::string state_dir;                  // "" = NetworkStore::default_dir()
  std::optional<BackendKind> backend;     // nullopt = choose_backend()
  BackendOptions backend_options;
};

class Networks {
 public:
  // Picks the backend: options.backend, else RACKER_NETWORK_BACKEND, else
  // networkd when it is on the bus (falling back to netlink, with a warning,
  // when it cannot be used unless it was asked for explicitly).
  static Result<std::unique_ptr<Networks>> open(const NetworksOptions& options = {});

  const char* backend() const { return backend_->name(); }
  const NetworkStore& store() const { return store_; }

  Result<NetworkState> ensure_network(const NetworkRequest& request);
  Result<Attachment> connect(const std::string& netns, const std::string& network, const ConnectOptions& options);
  // Absent endpoint or network: fine.
  Status disconnect(const std::string& network, const std::string& container);
  // Every endpoint of `container`, on every network.
  Status disconnect_all(const std::string& container);
  // kNotFound when no such network; kConflict while live endpoints remain
  // and !force. External (adopted) host bridges are only forgotten.
  Status remove_network(const std::string& name, bool force = false);
  Status cleanup_stale();

  Result<std::optional<NetworkRecord>> inspect(const std::string& name) const { return store_.load(name); }
  Result<std::vector<NetworkRecord>> list() const { return store_.list(); }

 private:
  Networks(NetworkStore store, std::unique_ptr<NetworkBackend> backend, BackendOptions options);
  NetworkState state_of(const NetworkRecord& r) const;
  BridgeSpec bridge_spec(const NetworkRecord& r) const;
  NetworkBackend& backend_for(const NetworkRecord& r);
  Result<NetworkState> adopt_external(const NetworkRequest& request);
  Result<NetworkRecord> plan_network(const NetworkRequest& request, std::vector<std::string>* warnings);
  Status provision(NetworkRecord& record);
  Status teardown(const NetworkRecord& record);
  Status drop_endpoint(NetworkRecord& record, const std::string& container);

  NetworkStore store_;
  std::string owner_;  // absolute state dir: tags links, units, aliases
  std::unique_ptr<NetworkBackend> backend_;
  std::unique_ptr<NetworkBackend> netlink_;  // adopted host bridges are always attached directly
  BackendOptions backend_options_;
};

// `<project>_default`, docker compose's name for a project's default network.
std::string default_network_name(const std::string& project);

// From the compose model (after normalize: `name` is the real name).
NetworkRequest network_request(const compose::model::Network& network, const std::string& project);
ConnectOptions connect_options(const std::string& container, const compose::model::ServiceNetwork* options,
                               int interface_index);

}  // namespace racker::network
