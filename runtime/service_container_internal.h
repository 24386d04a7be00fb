#pragma once
// Shared between the parts of service_container.cpp.
#include "racker/runtime/service_container.h"

namespace racker::runtime::internal {

// volumes, tmpfs, secrets and configs of `s` -> out.settings.mounts (and
// out.files, out.bind_dirs, out.warnings).
Status add_mounts(const compose::model::Project& project, const compose::model::Service& s,
                  const ServiceContainerOptions& options, ServiceContainer& out);

}  // namespace racker::runtime::internal
