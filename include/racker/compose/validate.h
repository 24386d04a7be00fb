#pragma once
// Semantic checks over the typed model that the schema cannot express:
// references (depends_on, links, volumes_from, network_mode/ipc/pid
// service:X, service networks, named volumes, secrets, configs) point at
// defined things; container_name unique and not combined with replicas > 1;
// published port conflicts within the project; valid project/service names.
// All errors are returned, sorted by position (file, line, col).

#include <vector>

#include "racker/compose/model.h"

namespace racker::compose {

std::vector<Error> validate(const model::Project& project);

}  // namespace racker::compose
