#pragma once
// One container as `docker compose ps --format json` prints it, shared by
// `compose ps` and the dashboard's /api/services.

#include <nlohmann/json.hpp>

#include "published_ports.h"
#include "racker/runtime/container_driver.h"

namespace racker::cli {

nlohmann::json compose_ps_json(const runtime::ContainerInfo& c, const PublishedPortsView& ports);

}  // namespace racker::cli
