#include "published_ports.h"

#include <algorithm>
#include <set>
#include <tuple>

#include "container_cli.h"
#include "racker/network/port_publisher.h"
#include "racker/runtime/service_container.h"

namespace racker::cli {
namespace {

std::string display_ip(const network::PortMapping& m) {
  if (m.host_ip.empty()) return network::is_ipv6_literal(m.container_ip) ? "::" : "0.0.0.0";
  return m.host_ip;
}

}  // namespace

PublishedPortsView PublishedPortsView::read(const std::vector<runtime::ContainerInfo>& containers) {
  PublishedPortsView view;
  auto publisher = network::PortPublisher::open();
  if (!publisher) return view;
  if (auto published = publisher->published()) view.published_ = std::move(*published);
  for (const auto& c : containers)
    if (!label_of(c, runtime::kLabelGroupHost).empty()) view.group_hosts_.push_back(c);
  return view;
}

std::vector<network::PortMapping> PublishedPortsView::of(const runtime::ContainerInfo& c) const {
  std::string id = c.spec.id;
  std::string group = label_of(c, runtime::kLabelGroup), own;
  if (!group.empty()) {
    for (const auto& host : group_hosts_)
      if (label_of(host, runtime::kLabelProject) == label_of(c, runtime::kLabelProject) &&
          label_of(host, runtime::kLabelService) == group)
        id = host.spec.id;
    own = std::string(",").append(label_of(c, runtime::kLabelGroupPorts)).append(",");  // ",80/tcp,53/udp,"
  }
  std::vector<network::PortMapping> out;
  auto it = published_.find(id);
  if (it == published_.end()) return out;
  for (const auto& m : it->second) {
    std::string key = std::to_string(m.container_port) + "/" + network::protocol_name(m.protocol);
    if (!group.empty() && own.find("," + key + ",") == std::string::npos) continue;
    out.push_back(m);
  }
  std::sort(out.begin(), out.end(), [](const network::PortMapping& a, const network::PortMapping& b) {
    return std::tie(a.container_port, a.protocol, a.host_ip, a.host_port) <
           std::tie(b.container_port, b.protocol, b.host_ip, b.host_port);
  });
  return out;
}

std::string PublishedPortsView::column(const std::vector<network::PortMapping>& ports) {
  std::string out;
  for (const auto& m : ports) {
    std::string ip = display_ip(m);
    if (!out.empty()) out += ", ";
    out += ip + ":" + std::to_string(m.host_port) + "->" + std::to_string(m.container_port) + "/" +
           network::protocol_name(m.protocol);
  }
  return out;
}

nlohmann::json PublishedPortsView::publishers(const std::vector<network::PortMapping>& ports,
                                              const std::vector<std::string>& exposed) {
  nlohmann::json out = nlohmann::json::array();
  std::set<std::string> published;
  for (const auto& m : ports) {
    out.push_back({{"URL", display_ip(m)},
                   {"TargetPort", m.container_port},
                   {"PublishedPort", m.host_port},
                   {"Protocol", network::protocol_name(m.protocol)}});
    published.insert(std::to_string(m.container_port) + "/" + network::protocol_name(m.protocol));
  }
  for (const auto& port : exposed) {
    if (published.count(port)) continue;
    auto slash = port.find('/');
    out.push_back({{"URL", ""},
                   {"TargetPort", std::stoi(port.substr(0, slash))},
                   {"PublishedPort", 0},
                   {"Protocol", slash == std::string::npos ? "tcp" : port.substr(slash + 1)}});
  }
  return out;
}

}  // namespace racker::cli
