#include "racker/network/networkd_backend.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <spdlog/spdlog.h>

#include "best_effort.h"
#include "netlink_ops.h"
#include "networkd_bus.h"
#include "racker/network/netlink_backend.h"
#include "racker/network/networkd_units.h"

namespace racker::network {

namespace {

constexpr const char* kConfDir = "/run/systemd/networkd.conf.d";
constexpr const char* kConfText =
    "# Written by racker: leave routes and routing policy rules that networkd did not\n"
    "# configure alone, so links racker does not manage (the host NIC) keep working.\n"
    "[Network]\n"
    "ManageForeignRoutes=no\n"
    "ManageForeignRoutingPolicyRules=no\n";

// The same drop-in scripts/host-services writes; networkd reads it at start.
void ensure_networkd_conf() {
  std::string path = std::string(kConfDir) + "/racker.conf";
  std::ifstream in(path);
  if (in) return;
  std::error_code ec;
  std::filesystem::create_directories(kConfDir, ec);
  std::ofstream out(path);
  out << kConfText;
  spdlog::debug("wrote {}; it applies when systemd-networkd restarts", path);
}

class NetworkdBackend : public NetworkBackend {
 public:
  NetworkdBackend(BackendOptions options, NetworkdBus bus) : options_(std::move(options)), bus_(std::move(bus)) {}
  const char* name() const override { return "networkd"; }

  Status ensure_bridge(const BridgeSpec& spec) override {
    bool changed = false;
    if (auto s = write_units(options_.unit_dir, spec, &changed); !s) return s;
    auto sock = nl::Socket::open();
    if (!sock) return sock.error();
    auto link = nl::find_link(*sock, spec.ifname);
    if (!link) return link.error();
    if (*link && (*link)->kind != "bridge")
      return Error(Errc::kConflict, "interface " + spec.ifname + " exists and is not a bridge");
    if (changed || !*link)
      if (auto s = bus_.reload(); !s) return s;
    if (auto s = bus_.wait_configured(spec.ifname, options_.timeout); !s)
      return s.error().with_context("while creating bridge " + spec.ifname + " of network " + spec.network);
    return nl::set_alias(*sock, spec.ifname, link_alias(spec.owner, spec.network));
  }

  Status remove_bridge(const BridgeSpec& spec) override {
    // Units first, then Reload, then the link: were the link deleted while
    // its .netdev still existed, any Reload (another racker's) would bring
    // the bridge back.
    bool removed = false;
    if (auto s = remove_units(options_.unit_dir, spec.ifname, &removed); !s) return s;
    if (removed) best_effort(bus_.reload());
    auto sock = nl::Socket::open();
    if (!sock) return sock.error();
    return nl::delete_link(*sock, spec.ifname);
  }

  Status attach(const VethSpec& spec) override {
    auto sock = nl::Socket::open();
    if (!sock) return sock.error();
    int fd = ::open(spec.netns.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return Error(Errc::kNotFound, "cannot open network namespace " + spec.netns + ": " + std::strerror(errno));
    nl::VethRequest request;
    request.host_name = spec.host_ifname;
    request.peer_name = spec.peer_ifname;
    request.peer_netns_fd = fd;
    request.peer_mac = spec.mac;
    request.mtu = spec.mtu;
    Status made = nl::create_veth(*sock, request);
    ::close(fd);
    if (!made) return made;
    if (auto s = nl::set_alias(*sock, spec.host_ifname, link_alias(spec.owner, spec.network)); !s) return s;
    // The network's ports unit (Name=rkv<h6>*) enslaves it and brings it up.
    if (auto s = bus_.wait_configured(spec.host_ifname, options_.timeout); !s)
      return s.error().with_context("while attaching " + spec.host_ifname + " to " + spec.bridge);
    return ok_status();
  }

  Status detach(const std::string& host_ifname) override {
    auto sock = nl::Socket::open();
    if (!sock) return sock.error();
    return nl::delete_link(*sock, host_ifname);
  }

 private:
  BackendOptions options_;
  NetworkdBus bus_;
};

}  // namespace

Result<std::unique_ptr<NetworkBackend>> make_networkd_backend(const BackendOptions& options) {
  auto bus = NetworkdBus::open();
  if (!bus) return bus.error();
  if (!bus->available())
    return Error(Errc::kNotFound, "systemd-networkd is not on the system bus (start it with scripts/host-services)");
  ensure_networkd_conf();
  return std::unique_ptr<NetworkBackend>(std::make_unique<NetworkdBackend>(options, std::move(*bus)));
}

}  // namespace racker::network
