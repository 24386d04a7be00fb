#pragma once
// The few calls racker makes to systemd-networkd over the system bus
// (sd-bus): Reload, and the state networkd reports for a link. Internal to
// network/. One connection per object; not thread-safe.

#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include "racker/util/error.h"

struct sd_bus;

namespace racker::network {

class NetworkdBus {
 public:
  static Result<NetworkdBus> open();

  // org.freedesktop.network1 has an owner on the bus.
  bool available();
  // Manager.Reload: networkd rereads its units, creates new netdevs and
  // reconfigures links whose .network changed.
  Status reload();

  struct LinkState {
    std::string administrative;  // pending, initialized, configuring, configured, unmanaged, failed, linger
    std::string operational;     // off, no-carrier, carrier, routable, ...
  };
  // nullopt while networkd does not know the link (yet).
  Result<std::optional<LinkState>> link_state(const std::string& ifname);

  // Polls until networkd reports `ifname` configured. kTimeout after
  // `timeout`; kIo when networkd says "failed" or "unmanaged" (a unit that
  // does not match: a bug) .
  Status wait_configured(const std::string& ifname, std::chrono::milliseconds timeout);

 private:
  struct Free { void operator()(sd_bus* b) const; };
  std::unique_ptr<sd_bus, Free> bus_;
};

}  // namespace racker::network
