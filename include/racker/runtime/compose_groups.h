#pragma once
// The orchestrator's view of a project with x-racker groups (compose/groups.h).
// Each group becomes one more service, named after the group, whose container
// is the group's machine: racker's minimal OS tree (or the group's image)
// with racker's group init as PID 1 (group_init.h). It owns the group's one
// address: it joins every network its members join, answers to their names
// and aliases, and publishes their ports. Each member keeps its own
// container record (logs, health, restart policy, exec, ps) but runs inside
// the group's machine (group_launch.h): it shares the group's namespaces,
// as `network_mode: service:<group>` expresses for the network, and depends
// on the group (restart: true).
//
// A boot group's machine runs its image's systemd instead, and its members
// become units inside it (boot_unit.h), still one container record each.
//
// The planner, executor, stop order and networking then need nothing
// special; `compose config` shows the file as written, without this view.

#include <string>

#include "racker/compose/groups.h"
#include "racker/compose/model.h"
#include "racker/runtime/image_store.h"
#include "racker/util/error.h"

namespace racker::runtime {

// racker's own image for group machines: directories, os-release, root's
// passwd entry, nothing to run (the init comes from the host).
inline constexpr const char* kGroupBaseImage = "racker.local/group-base:1";

// The project with its groups expanded; unchanged without groups. Errors:
// kValidation for a problem read_groups reports (after `--group-all`).
Result<compose::model::Project> expand_groups(const compose::model::Project& project);

// True when `project` (expanded or not) has groups.
bool has_groups(const compose::model::Project& project);

// Adds kGroupBaseImage to the store unless it is there.
Status ensure_group_base_image(LocalImageStore& store);

}  // namespace racker::runtime
