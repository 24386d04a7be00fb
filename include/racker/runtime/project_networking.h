#pragma once
// Where racker's networks plug into `compose up/down`. The orchestrator
// calls these around container creation and removal; an implementation
// over network/ (bridges, addresses, DNS, ports) replaces the no-op one
// once it lands. Every call blocks and runs on a thread pool, so
// implementations must be safe to call from several threads at once for
// different containers.

#include <memory>
#include <string>

#include "racker/compose/model.h"
#include "racker/runtime/container_spec.h"
#include "racker/util/error.h"

namespace racker::runtime {

class ProjectNetworking {
 public:
  virtual ~ProjectNetworking() = default;
  // Creates the project's networks that do not exist yet (idempotent);
  // checks external ones exist.
  virtual Status ensure_networks() = 0;
  // Before create: adjusts the container's network settings (network_mode,
  // hostname, resolv/hosts files) for the service's networks.
  virtual Status attach(const compose::model::Service& service, ContainerSpec& spec) = 0;
  // After the container is gone: releases its addresses and names.
  virtual Status detach(const std::string& container_id) = 0;
  // `down`: removes the project's networks (not external ones).
  virtual Status remove_networks() = 0;
};

// Until racker's networks land: every container shares the host network
// (the translation already set network_mode), nothing to create or remove.
class HostNetworking : public ProjectNetworking {
 public:
  Status ensure_networks() override { return ok_status(); }
  Status attach(const compose::model::Service&, ContainerSpec&) override { return ok_status(); }
  Status detach(const std::string&) override { return ok_status(); }
  Status remove_networks() override { return ok_status(); }
};

}  // namespace racker::runtime
