#pragma once
// A throwaway network for published-port tests, built with `ip`:
//
//   host: bridge rkpt-<pid>-b  10.213.N.1/24 (the gateway)
//         veth rkpt-<pid>-h    10.214.N.1/32 (a second, non-loopback host address;
//                                             this kernel has no dummy driver)
//   namespaces rkpt-<pid>-nI, each with eth0 10.213.N.(I+2)/24 and a default
//   route via the gateway, attached to the bridge by veth rkpt-<pid>-vI
//   (bridge port in hairpin mode, as racker's own veths must be).
//
// N is chosen so neither subnet is routed on the host yet. The destructor
// removes everything, also when a test fails; leftovers of a killed run
// (names carrying a pid that no longer lives) are removed by the next one.
// Servers and clients run in this process: sockets are made inside a
// namespace (setns on a short-lived thread), so nothing outlives the test.

#include <cstdint>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "support/container_harness.h"  // shell()

namespace racker::test {

class PortTopology {
 public:
  PortTopology();
  ~PortTopology();
  PortTopology(const PortTopology&) = delete;
  PortTopology& operator=(const PortTopology&) = delete;

  // False (with the reason) when the topology could not be built.
  bool ok() const { return error_.empty(); }
  const std::string& error() const { return error_; }

  const std::string& bridge() const { return bridge_; }
  const std::string& gateway() const { return gateway_; }            // on the bridge
  const std::string& host_address() const { return host_address_; }  // on the extra veth
  // An nftables table name for this run's PortPublisher ("racker_ports_t<pid>"),
  // so tests never touch the real racker_ports; deleted by the destructor if
  // a test left it behind.
  const std::string& ports_table() const { return ports_table_; }

  struct Namespace {
    std::string name;     // for `ip netns exec`
    std::string address;  // eth0's IPv4 address
    std::string port;     // host-side veth, a port of the bridge
  };
  // Adds one more namespace on the bridge; empty name on failure (see error()).
  Namespace add_namespace();

  // A socket (socket(2) arguments) created inside namespace `ns`; -1 on error.
  int socket_in(const std::string& ns, int domain, int type) const;

 private:
  bool run(const std::string& command);
  std::string prefix_, ports_table_;
  std::string bridge_, gateway_, host_address_, host_veth_, subnet_;  // subnet_ = "10.213.N."
  std::vector<Namespace> namespaces_;
  bool forward_was_off_ = false;
  std::string error_;
};

// Echo servers for the tests, on a socket from PortTopology::socket_in (or
// any socket). TCP: reads one line, answers "<line> from <peer address>\n"
// and closes. UDP: answers each datagram the same way. The peer address
// shows what source address reached the container (masqueraded or not).
// The destructor stops the thread and closes the socket.
class EchoServer {
 public:
  enum class Kind { kTcp, kUdp };
  // Binds `fd` to 0.0.0.0:port (listening for TCP) and starts serving.
  EchoServer(int fd, Kind kind, uint16_t port);
  ~EchoServer();
  EchoServer(const EchoServer&) = delete;
  EchoServer& operator=(const EchoServer&) = delete;
  bool ok() const { return error_.empty(); }
  const std::string& error() const { return error_; }

 private:
  void serve();
  int fd_, stop_fd_;
  Kind kind_;
  std::string error_;
  std::thread thread_;
};

// Clients. `fd` -1 means a fresh socket in the test's own (host) namespace;
// otherwise the socket to use (e.g. one made in a namespace), which is closed.
// They return the answer, or "" with `why` set (refused, no answer in a few
// seconds, ...).
std::string tcp_ask(const std::string& ip, uint16_t port, const std::string& line, std::string* why, int fd = -1);
std::string udp_ask(const std::string& ip, uint16_t port, const std::string& line, std::string* why, int fd = -1);

}  // namespace racker::test
