#pragma once
// A container's /etc/resolv.conf and /etc/hosts, rendered as text (the caller
// writes them into the container's rootfs). Pure functions: the host's own
// files come in as text, so tests pin whole outputs.
//
// resolv.conf, by network mode:
// - racker networks: `nameserver <gateway of the first network>` (the embedded
//   DNS server there); the host's search domains and options are kept and
//   `ndots:0` is added unless an ndots option is set, as docker does for its
//   internal resolver;
// - host: the host's file unchanged;
// - none: no nameserver.
// In every mode compose's `dns` replaces the nameservers, `dns_search` the
// search list (a lone "." clears it) and `dns_opt` the options.
//
// hosts: localhost and docker's IPv6 lines, then `extra_hosts` (with
// `host-gateway` mapped to the host's address on the first network), then the
// container's own addresses with its hostname and aliases. With network mode
// host it is the host's file plus `extra_hosts`.

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "racker/util/error.h"

namespace racker::network {

struct ResolvConf {
  std::vector<std::string> nameservers;
  std::vector<std::string> search;   // from the last search/domain line
  std::vector<std::string> options;  // from all options lines, in order
};

// Reads resolv.conf text as glibc does (comments start with # or ;).
ResolvConf parse_resolv_conf(std::string_view text);

enum class ContainerNetworkMode {
  kNetworks,  // one or more racker networks (bridge)
  kHost,      // network_mode: host
  kNone,      // network_mode: none
};

struct ResolvConfRequest {
  ContainerNetworkMode mode = ContainerNetworkMode::kNetworks;
  std::string embedded_dns;             // kNetworks: gateway address of the first network
  std::vector<std::string> dns;         // compose `dns`
  std::vector<std::string> dns_search;  // compose `dns_search`
  std::vector<std::string> dns_opt;     // compose `dns_opt`
};

// kInvalidArgument when a `dns` entry or the embedded DNS address is not an
// IP address, or when kNetworks has no embedded DNS address and no `dns`.
Result<std::string> render_resolv_conf(const ResolvConfRequest& request,
                                       std::string_view host_resolv_conf);

struct HostsRequest {
  ContainerNetworkMode mode = ContainerNetworkMode::kNetworks;
  std::string hostname;                 // the container's hostname
  std::string domainname;               // compose `domainname`; may be empty
  std::vector<std::string> addresses;   // the container's own, first network first
  std::vector<std::string> aliases;     // more names for the container's own addresses
  std::vector<std::pair<std::string, std::string>> extra_hosts;  // name, address or "host-gateway"
  std::string host_gateway;             // the address `host-gateway` stands for
};

// kInvalidArgument for an extra_hosts address that is not an IP address (a
// bracketed IPv6 address is accepted) or `host-gateway` with no host_gateway.
Result<std::string> render_hosts(const HostsRequest& request, std::string_view host_hosts);

}  // namespace racker::network
