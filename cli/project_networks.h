#pragma once
// racker's networks under `racker compose`: the ProjectNetworking the
// orchestrator calls, over network/ (bridges, namespaces, DNS, ports).
//
//   ensure_networks  the project's networks that services use: bridges made
//                    (or external ones found), before any container
//   attach           a network namespace per container at
//                    $RACKER_RUN/netns/<container id>, a veth on each of the
//                    service's networks (priority order, eth0 first), the
//                    endpoint's DNS names (container, service, aliases,
//                    hostname), published `ports:`, and the generated
//                    /etc/hosts and /etc/resolv.conf (nameserver: the host
//                    DNS daemon on the first network's gateway);
//                    `network_mode: service:NAME` joins NAME's namespace instead
//   detach           the reverse, after the container is gone
//   remove_networks  `down`: the project's own networks
//
// Glue between the runtime and network modules, so it lives with the CLI
// that links both. Thread-safe: calls serialise on one mutex (the network
// state is behind a file lock anyway).

#include <functional>
#include <memory>
#include <mutex>
#include <set>
#include <string>

#include "racker/compose/model.h"
#include "racker/network/networks.h"
#include "racker/runtime/project_networking.h"

namespace racker::cli {

class ProjectNetworks : public runtime::ProjectNetworking {
 public:
  explicit ProjectNetworks(const compose::model::Project& project) : project_(project) {}
  // " Network p_default Created" lines, as docker compose prints them.
  void on_progress(std::function<void(const std::string& network, const std::string& what)> fn) {
    progress_ = std::move(fn);
  }

  Status ensure_networks() override;
  Status attach(const compose::model::Service& service, runtime::ContainerSpec& spec) override;
  Status detach(const std::string& container_id) override;
  Status remove_networks() override;

  // Namespaces (and their endpoints and ports) whose container is gone, e.g.
  // removed by `--rm` or lost in a crash: detached. `live_ids` are every
  // container that exists on the host.
  Status prune(const std::set<std::string>& live_ids);

 private:
  Result<network::Networks*> open_networks();  // REQUIRES: mu_ held
  Status attach_locked(const compose::model::Service& service, runtime::ContainerSpec& spec,
                       const std::string& netns);
  Status detach_locked(const std::string& container_id, const std::string& container_name);
  bool service_attached(const std::string& service);  // some replica has an endpoint
  Status share_namespace(const compose::model::Service& service, const std::string& target,
                         runtime::ContainerSpec& spec);

  const compose::model::Project& project_;
  std::mutex mu_;
  std::unique_ptr<network::Networks> networks_;
  std::function<void(const std::string&, const std::string&)> progress_;
};

// $RACKER_RUN/netns/<container id>: where a container's namespace lives.
std::string container_netns_path(const std::string& container_id);

// Disconnects the container's endpoints, unpublishes its ports and deletes
// its namespace; absent pieces are fine.
Status release_container_network(network::Networks& nets, const std::string& container_id,
                                 const std::string& container_name);

// Makes every container removal in this process (rm, auto-remove, down)
// release the container's network (runtime/removal_hook.h).
void install_network_removal_hook();

}  // namespace racker::cli
