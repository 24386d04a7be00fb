#include "racker/network/network_backend.h"

#include <cstdlib>

#include "networkd_bus.h"
#include "racker/network/netlink_backend.h"
#include "racker/network/networkd_backend.h"

namespace racker::network {

const char* backend_name(BackendKind kind) { return kind == BackendKind::kNetworkd ? "networkd" : "netlink"; }

bool networkd_available() {
  auto bus = NetworkdBus::open();
  return bus && bus->available();
}

Result<BackendKind> choose_backend() {
  const char* forced = std::getenv("RACKER_NETWORK_BACKEND");
  if (forced && *forced) {
    std::string f = forced;
    if (f == "networkd") return BackendKind::kNetworkd;
    if (f == "netlink") return BackendKind::kNetlink;
    return Error(Errc::kInvalidArgument, "RACKER_NETWORK_BACKEND must be networkd or netlink, not \"" + f + "\"");
  }
  return networkd_available() ? BackendKind::kNetworkd : BackendKind::kNetlink;
}

Result<std::unique_ptr<NetworkBackend>> make_backend(BackendKind kind, const BackendOptions& options) {
  if (kind == BackendKind::kNetworkd) return make_networkd_backend(options);
  return make_netlink_backend(options);
}

}  // namespace racker::network
