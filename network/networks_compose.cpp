// From the compose model to the network facade's requests.
#include "racker/compose/model.h"
#include "racker/network/networks.h"

namespace racker::network {

NetworkRequest network_request(const compose::model::Network& n, const std::string& project) {
  NetworkRequest r;
  r.project = project;
  r.key = n.key;
  r.name = n.name;
  r.internal = n.internal;
  r.external = n.external;
  r.enable_ipv6 = n.enable_ipv6.value_or(false);
  r.driver = n.driver;
  r.driver_opts = n.driver_opts;
  r.ipam_driver = n.ipam_driver;
  r.labels = n.labels;
  for (const auto& pool : n.ipam) {
    IpamConfig c;
    c.subnet = pool.subnet;
    c.ip_range = pool.ip_range;
    c.gateway = pool.gateway;
    c.aux_addresses = pool.aux_addresses;
    r.ipam.push_back(std::move(c));
  }
  return r;
}

ConnectOptions connect_options(const std::string& container, const compose::model::ServiceNetwork* options,
                               int interface_index) {
  ConnectOptions c;
  c.container = container;
  c.interface_index = interface_index;
  c.default_route = interface_index == 0;
  if (options) {
    c.ipv4_address = options->ipv4_address;
    c.ipv6_address = options->ipv6_address;
    c.mac_address = options->mac_address;
    c.interface_name = options->interface_name;
    c.aliases = options->aliases;
  }
  return c;
}

}  // namespace racker::network
