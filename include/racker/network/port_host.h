#pragma once
// The host's sockets as far as publishing ports needs them: is a host port
// free, and which ephemeral port would the kernel give. Abstract so tests can
// fake which ports are taken.

#include <cstdint>
#include <string>

#include "racker/network/port_spec.h"
#include "racker/util/error.h"

namespace racker::network {

class HostPorts {
 public:
  virtual ~HostPorts() = default;
  // OK when `port` can be bound on `host_ip` ("" = the any-address of
  // `ipv6`'s family) for `protocol`: a TCP bind + listen (SO_REUSEADDR, so
  // TIME_WAIT leftovers do not count) or a UDP bind. The socket is closed
  // again. Otherwise the reason as strerror text, with Errc::kConflict when
  // the port is in use (EADDRINUSE), e.g. "Address already in use".
  virtual Status try_bind(const std::string& host_ip, bool ipv6, uint16_t port, Protocol protocol) = 0;
  // A port the kernel picks from net.ipv4.ip_local_port_range by binding
  // port 0 on `host_ip`.
  virtual Result<uint16_t> pick_ephemeral(const std::string& host_ip, bool ipv6, Protocol protocol) = 0;
};

// Real sockets in the calling thread's network namespace.
class SystemHostPorts : public HostPorts {
 public:
  Status try_bind(const std::string& host_ip, bool ipv6, uint16_t port, Protocol protocol) override;
  Result<uint16_t> pick_ephemeral(const std::string& host_ip, bool ipv6, Protocol protocol) override;
};

}  // namespace racker::network
