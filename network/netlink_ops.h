#pragma once
// rtnetlink operations racker needs, over libnl-route-3. Internal to
// network/: both backends and the namespace configuration use them.
// Everything acts in the network namespace of the thread that opened the
// Socket (netns.h runs code in another namespace on a thread of its own).

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "racker/network/subnet.h"
#include "racker/util/error.h"

struct nl_sock;

namespace racker::network::nl {

class Socket {
 public:
  static Result<Socket> open();
  nl_sock* get() const { return sock_.get(); }

 private:
  struct Free { void operator()(nl_sock* s) const; };
  std::unique_ptr<nl_sock, Free> sock_;
};

struct LinkInfo {
  int index = 0;
  std::string name;
  std::string kind;   // "bridge", "veth", "" for plain devices
  std::string alias;  // IFLA_IFALIAS
  int master = 0;     // ifindex of the bridge it is enslaved to, 0 if none
  bool up = false;
};

Result<std::optional<LinkInfo>> find_link(Socket& s, const std::string& name);
Result<std::vector<LinkInfo>> list_links(Socket& s);

// Creates a bridge (down, no addresses). kConflict if the name exists.
Status create_bridge(Socket& s, const std::string& name, std::optional<int> mtu);

struct VethRequest {
  std::string host_name;           // stays in this namespace
  std::string peer_name;           // created directly in `peer_netns_fd`
  int peer_netns_fd = -1;
  std::optional<std::string> peer_mac;
  std::optional<int> mtu;
  int master = 0;                  // enslave the host side at creation (0: no)
  bool host_up = false;            // bring the host side up at creation
};
Status create_veth(Socket& s, const VethRequest& request);

Status set_up(Socket& s, const std::string& name);
Status set_alias(Socket& s, const std::string& name, const std::string& alias);
// Adds `address` to the link; an address already present is fine.
Status add_address(Socket& s, const std::string& name, const Interface& address);
Result<std::vector<Interface>> addresses(Socket& s, const std::string& name);
// Default route of the address's family via `gateway` on `name`.
Status add_default_route(Socket& s, const std::string& name, const IpAddress& gateway);
// Deletes a link; absent is fine.
Status delete_link(Socket& s, const std::string& name);

}  // namespace racker::network::nl
