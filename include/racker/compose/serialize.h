#pragma once
// The canonical serializer behind `racker compose config`: a normalized
// document as YAML or JSON in docker compose v2's shape (name first, then
// services/networks/volumes/secrets/configs; keys sorted; plain scalars as
// numbers/bools/null, quoted ones as strings).

#include <string>

#include "racker/compose/node.h"

namespace racker::compose {

std::string to_yaml(const Node& doc);
std::string to_json(const Node& doc, int indent = 2);

// Config hash of one service, as `docker compose config --hash` and the
// planner use: sha256 over the service's canonical JSON without the keys
// that do not affect the container (build, pull_policy, scale,
// deploy.replicas, depends_on, profiles).
std::string service_config_hash(const Node& service);

}  // namespace racker::compose
