#pragma once
// The systemd-networkd backend. A bridge is three unit files
// (networkd_units.h) followed by Manager.Reload over sd-bus, then a bounded
// wait until networkd reports the link "configured". A container's veth pair
// is created over rtnetlink (networkd cannot put a peer into another
// namespace), its host side matched by the network's Bridge= unit, which
// networkd applies on its own once udev has seen the link; racker waits for
// "configured" again. Removal deletes the units, reloads, then deletes the
// link (networkd never deletes netdevs itself).
// Also makes sure /run/systemd/networkd.conf.d/racker.conf exists
// (ManageForeignRoutes=no, ...): it takes effect when networkd (re)starts,
// which scripts/host-services arranges.

#include <memory>

#include "racker/network/network_backend.h"

namespace racker::network {

// kNotFound when the system bus or networkd cannot be reached.
Result<std::unique_ptr<NetworkBackend>> make_networkd_backend(const BackendOptions& options);

}  // namespace racker::network
