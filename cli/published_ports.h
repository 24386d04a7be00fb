#pragma once
// The ports containers publish, read once from the kernel's NAT rules
// (network/port_publisher.h) and shown as docker shows them: the PORTS
// column ("0.0.0.0:8080->80/tcp, ...") and the JSON Publishers list.

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "racker/network/port_resolve.h"
#include "racker/network/port_spec.h"
#include "racker/runtime/container_driver.h"

namespace racker::cli {

class PublishedPortsView {
 public:
  // Everything published now; empty when the rules cannot be read (not root).
  static PublishedPortsView read(const std::vector<runtime::ContainerInfo>& containers);

  // The container's mappings, sorted by container port. A grouped service
  // publishes through its group's machine: its share of the machine's ports.
  std::vector<network::PortMapping> of(const runtime::ContainerInfo& c) const;

  static std::string column(const std::vector<network::PortMapping>& ports);
  // docker's Publishers: each mapping, then each exposed port ("80/tcp")
  // that none publishes, with no URL and PublishedPort 0.
  static nlohmann::json publishers(const std::vector<network::PortMapping>& ports,
                                   const std::vector<std::string>& exposed = {});

 private:
  network::PublishedPorts published_;
  std::vector<runtime::ContainerInfo> group_hosts_;
};

}  // namespace racker::cli
