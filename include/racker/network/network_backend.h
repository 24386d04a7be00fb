#pragma once
// How a bridge and a container's veth pair come to exist on the host. Two
// implementations behind one small interface, so networks.h and tests do not
// care which one runs:
//   networkd  (networkd_backend.h) .netdev/.network units + Reload over sd-bus
//   netlink   (netlink_backend.h)  rtnetlink directly, where networkd is absent
// A backend does links only; addresses and state are networks.h's business.
// Not thread-safe: one caller at a time (networks.h holds the state lock).

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "racker/network/subnet.h"
#include "racker/util/error.h"

namespace racker::network {

struct BridgeSpec {
  std::string network;               // full network name (messages, tags)
  std::string ifname;                // rk-...
  std::vector<Interface> addresses;  // the gateway of each family, with prefix
  std::optional<int> mtu;
  std::string owner;                 // the state dir; tags links and units so cleanup finds its own
};

struct VethSpec {
  std::string network;      // full network name (tags)
  std::string bridge;       // rk-... it joins
  std::string host_ifname;  // rkv...
  std::string peer_ifname;  // eth0, ... inside the namespace
  std::string netns;        // namespace file the peer is created in
  std::optional<std::string> mac;
  std::optional<int> mtu;
  std::string owner;
};

class NetworkBackend {
 public:
  virtual ~NetworkBackend() = default;
  virtual const char* name() const = 0;

  // Makes the bridge exist, carry `addresses` and be up; returns once it is
  // usable. Idempotent: a present, configured bridge is left as it is.
  virtual Status ensure_bridge(const BridgeSpec& spec) = 0;
  // Deletes the bridge and anything the backend wrote for it. Absent is fine.
  virtual Status remove_bridge(const BridgeSpec& spec) = 0;

  // Creates the pair; when this returns the host side is enslaved to
  // spec.bridge and up, and the peer exists in the namespace, named
  // spec.peer_ifname, still down and without addresses.
  virtual Status attach(const VethSpec& spec) = 0;
  // Deletes the host side (its peer goes with it). Absent is fine.
  virtual Status detach(const std::string& host_ifname) = 0;
};

enum class BackendKind { kNetworkd, kNetlink };
const char* backend_name(BackendKind kind);

struct BackendOptions {
  std::string unit_dir = "/run/systemd/network";         // networkd only
  std::chrono::milliseconds timeout = std::chrono::seconds(15);  // networkd: wait for "configured"
};

// RACKER_NETWORK_BACKEND=networkd|netlink when set (anything else is
// kInvalidArgument); otherwise networkd when org.freedesktop.network1 is on
// the system bus, else netlink.
Result<BackendKind> choose_backend();
// True when org.freedesktop.network1 answers on the system bus.
bool networkd_available();

Result<std::unique_ptr<NetworkBackend>> make_backend(BackendKind kind, const BackendOptions& options = {});

}  // namespace racker::network
