#include "racker/network/netlink_backend.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "netlink_ops.h"
#include "racker/network/networkd_units.h"

namespace racker::network {

std::string link_alias(const std::string& owner, const std::string& network) {
  return "racker:" + owner + ":" + network;
}

bool parse_link_alias(const std::string& alias, std::string* owner, std::string* network) {
  if (alias.rfind("racker:", 0) != 0) return false;
  auto last = alias.rfind(':');
  if (last <= 6) return false;
  *owner = alias.substr(7, last - 7);
  *network = alias.substr(last + 1);
  return !owner->empty() && !network->empty();
}

namespace {

class NetlinkBackend : public NetworkBackend {
 public:
  explicit NetlinkBackend(BackendOptions options) : options_(std::move(options)) {}
  const char* name() const override { return "netlink"; }

  Status ensure_bridge(const BridgeSpec& spec) override {
    auto sock = nl::Socket::open();
    if (!sock) return sock.error();
    auto link = nl::find_link(*sock, spec.ifname);
    if (!link) return link.error();
    if (*link && (*link)->kind != "bridge")
      return Error(Errc::kConflict, "interface " + spec.ifname + " exists and is not a bridge");
    if (!*link) {
      auto made = nl::create_bridge(*sock, spec.ifname, spec.mtu);
      if (!made && made.error().code != Errc::kConflict) return made;
    }
    if (auto s = nl::set_alias(*sock, spec.ifname, link_alias(spec.owner, spec.network)); !s) return s;
    for (const auto& a : spec.addresses)
      if (auto s = nl::add_address(*sock, spec.ifname, a); !s) return s;
    return nl::set_up(*sock, spec.ifname);
  }

  Status remove_bridge(const BridgeSpec& spec) override {
    // Units left by an earlier networkd run on this bridge go too.
    bool removed = false;
    if (auto s = remove_units(options_.unit_dir, spec.ifname, &removed); !s) return s;
    auto sock = nl::Socket::open();
    if (!sock) return sock.error();
    return nl::delete_link(*sock, spec.ifname);
  }

  Status attach(const VethSpec& spec) override {
    auto sock = nl::Socket::open();
    if (!sock) return sock.error();
    auto bridge = nl::find_link(*sock, spec.bridge);
    if (!bridge) return bridge.error();
    if (!*bridge) return Error(Errc::kNotFound, "bridge " + spec.bridge + " of network " + spec.network + " is missing");
    int fd = ::open(spec.netns.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return Error(Errc::kNotFound, "cannot open network namespace " + spec.netns + ": " + std::strerror(errno));
    nl::VethRequest request;
    request.host_name = spec.host_ifname;
    request.peer_name = spec.peer_ifname;
    request.peer_netns_fd = fd;
    request.peer_mac = spec.mac;
    request.mtu = spec.mtu;
    request.master = (*bridge)->index;
    request.host_up = true;
    Status made = nl::create_veth(*sock, request);
    ::close(fd);
    if (!made) return made;
    return nl::set_alias(*sock, spec.host_ifname, link_alias(spec.owner, spec.network));
  }

  Status detach(const std::string& host_ifname) override {
    auto sock = nl::Socket::open();
    if (!sock) return sock.error();
    return nl::delete_link(*sock, host_ifname);
  }

 private:
  BackendOptions options_;
};

}  // namespace

std::unique_ptr<NetworkBackend> make_netlink_backend(const BackendOptions& options) {
  return std::make_unique<NetlinkBackend>(options);
}

}  // namespace racker::network
