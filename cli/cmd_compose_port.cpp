// racker compose port [--protocol tcp|udp] [--index N] SERVICE PRIVATE_PORT:
// where a replica's published port is reachable from the host, read from
// the kernel's NAT rules (port_publisher.h).
#include <cstdio>
#include <memory>

#include "cmd_compose_common.h"
#include "command.h"
#include "racker/runtime/service_container.h"
#include "racker/network/port_publisher.h"
#include "racker/network/port_spec.h"

namespace racker::cli {
namespace {

struct PortFlags {
  std::string protocol = "tcp";
  int index = 0;
  std::string service, port;
};

int run_port(const PortFlags& f) {
  auto session = open_compose();
  if (!session) return 1;
  auto& s = *session;
  if (auto st = check_services(s, {f.service}); !st) return compose_fail(st.error());
  auto observed = observe(s);
  if (!observed) return compose_fail(observed.error());
  const int number = f.index > 0 ? f.index : 1;
  const std::string name = s.name() + "-" + f.service + "-" + std::to_string(number);
  const runtime::ObservedContainer* container = nullptr;
  for (const auto& c : *observed)
    if (c.service == f.service && c.number == number && !c.oneoff) container = &c;
  if (!container) return compose_fail(Error(Errc::kNotFound, "service \"" + f.service + "\" is not running container #" +
                                                               std::to_string(number)));
  // A grouped service publishes through its group's machine: only its own ports.
  std::string published_by = container->id;
  if (const auto* svc = s.project().service(f.service))
    if (auto g = svc->labels.find(runtime::kLabelGroup); g != svc->labels.end()) {
      auto ports = svc->labels.find(runtime::kLabelGroupPorts);
      std::string own = "," + (ports == svc->labels.end() ? std::string() : ports->second) + ",";
      if (own.find("," + f.port + "/" + f.protocol + ",") == std::string::npos)
        return compose_fail(Error(Errc::kNotFound, "no port " + f.port + "/" + f.protocol + " for container " + name));
      for (const auto& c : *observed)
        if (c.service == g->second && !c.oneoff) published_by = c.id;
    }
  auto publisher = network::PortPublisher::open();
  if (!publisher) return compose_fail(publisher.error());
  auto mappings = publisher->ports_of(published_by);
  if (!mappings) return compose_fail(mappings.error());
  for (const auto& m : *mappings) {
    if (std::to_string(m.container_port) != f.port || network::protocol_name(m.protocol) != f.protocol) continue;
    std::string ip = m.host_ip.empty() ? "0.0.0.0" : m.host_ip;
    if (network::is_ipv6_literal(ip)) ip = "[" + ip + "]";
    std::printf("%s:%u\n", ip.c_str(), m.host_port);
    return 0;
  }
  return compose_fail(Error(Errc::kNotFound, "no port " + f.port + "/" + f.protocol + " for container " + name));
}

CommandRegistration register_compose_port(Parent::kCompose, 45, [](CLI::App& parent, Context& ctx) {
  auto* cmd = parent.add_subcommand("port", "Print the public port for a port binding");
  auto f = std::make_shared<PortFlags>();
  cmd->add_option("--protocol", f->protocol, "tcp or udp")->capture_default_str();
  cmd->add_option("--index", f->index, "Index of the container if service has multiple replicas");
  cmd->add_option("SERVICE", f->service, "Service")->required();
  cmd->add_option("PRIVATE_PORT", f->port, "Private port")->required();
  cmd->callback([&ctx, f] { ctx.exit_code = run_port(*f); });
});

}  // namespace
}  // namespace racker::cli
