#pragma once
// Work other modules tie to a container's removal, run by every path that
// removes one (`rm`, auto-remove after `--rm`, `compose down`), in whatever
// racker process does it. The CLI installs the network cleanup here (its
// namespace, endpoints and published ports), which runtime/ cannot link.

#include <functional>

#include "racker/runtime/container_spec.h"

namespace racker::runtime {

using RemovalHook = std::function<void(const ContainerSpec& spec)>;

// Installs the process's hook (replacing any); call once at start-up.
void set_removal_hook(RemovalHook hook);

// Runs the hook, if any, for a container whose files are about to go.
void run_removal_hook(const ContainerSpec& spec);

}  // namespace racker::runtime
