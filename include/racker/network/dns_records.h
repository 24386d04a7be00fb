#pragma once
// The names racker's embedded DNS server answers, per network.
//
// Every container attached to a network is one endpoint there: its container
// name, compose service name, network aliases and hostname all resolve to its
// addresses, and its addresses resolve back (PTR) to `<container>.<network>`,
// docker's reverse name, which resolves forward too. Names are scoped: a lookup
// on network X never sees an endpoint that is only on network Y. Names are
// case-insensitive and a trailing dot is ignored. A name shared by several
// endpoints (replicas of a service, a shared alias) yields all their
// addresses, rotated by one position at every lookup (round robin).
//
// Thread safety: all members may be called from any thread; the registry is
// updated (containers come and go) while servers read it.

#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include <boost/asio/ip/address.hpp>

#include "racker/util/error.h"

namespace racker::network {

struct DnsEndpoint {
  std::string network;    // full network name, e.g. "proj_default"
  std::string container;  // container name; the endpoint's key within `network`
  std::string service;    // compose service name; empty for plain containers
  std::vector<std::string> aliases;  // network aliases
  std::string hostname;   // as the container sees it; may be empty or dotted
  std::vector<boost::asio::ip::address> addresses;  // IPv4 and IPv6
};

enum class DnsFamily { kV4, kV6 };

struct DnsLookup {
  bool name_exists = false;  // false -> NXDOMAIN; true with no addresses -> NODATA
  std::vector<boost::asio::ip::address> addresses;
};

// Lower-cases `name` and strips one trailing dot: the registry's key form.
std::string dns_normalize_name(std::string_view name);

// True when `name` (normalized or not) is a usable DNS name: 1..63-byte labels
// of printable, non-space ASCII, at most 253 bytes in all.
bool dns_valid_name(std::string_view name);

class DnsRecords {
 public:
  // Adds the endpoint or replaces the one with the same network and container.
  // Names that are not valid DNS names are skipped; the error lists them (the
  // endpoint is still added with its valid names). Empty network or container
  // is kInvalidArgument and adds nothing.
  Status add(DnsEndpoint endpoint);

  // Removes one endpoint; false when it was not there.
  bool remove(std::string_view network, std::string_view container);

  // Removes a container from every network; returns how many endpoints went.
  size_t remove_container(std::string_view container);

  // Drops a whole network's view.
  void remove_network(std::string_view network);

  // Addresses of `name` on `network` in one family, rotated for round robin.
  DnsLookup lookup(std::string_view network, std::string_view name, DnsFamily family);

  // True when `name` is known on `network` (in any family).
  bool contains(std::string_view network, std::string_view name) const;

  // The reverse name of `address` on `network` ("<container>.<network>").
  std::optional<std::string> reverse(std::string_view network,
                                     const boost::asio::ip::address& address) const;

  // The querying container's view, as docker's resolver has it: `network`
  // first, then the other networks of the container whose endpoint on
  // `network` has address `source` (sorted). Just `network` for a stranger.
  std::vector<std::string> views_of(std::string_view network, const boost::asio::ip::address& source) const;

  // A copy of a network's endpoints, sorted by container name.
  std::vector<DnsEndpoint> endpoints(std::string_view network) const;

 private:
  struct NameEntry {
    std::vector<boost::asio::ip::address> v4, v6;
    uint32_t turn_v4 = 0, turn_v6 = 0;  // round-robin positions, advanced per lookup
  };
  struct View {
    std::map<std::string, DnsEndpoint, std::less<>> endpoints;  // by container
    std::unordered_map<std::string, NameEntry> names;         // normalized name ->
    std::map<boost::asio::ip::address, std::string> reverse;  // address -> PTR target
  };

  static void reindex(View& view);

  mutable std::mutex mu_;
  std::map<std::string, View, std::less<>> views_;  // by network
};

}  // namespace racker::network
