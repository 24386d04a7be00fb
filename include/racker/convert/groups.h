#pragma once
// Service groups from racker's `x-racker` extension, for drawing: a service
// belongs to the group named by its own `x-racker: {group: NAME}`, else to
// the top-level `x-racker.groups.NAME.services` list naming it (the first
// by group name when several do).

#include <map>
#include <string>

#include "racker/compose/model.h"

namespace racker::convert {

// service -> group, for grouped services only. Malformed extension values
// are ignored (the loader owns their validation).
std::map<std::string, std::string> service_groups(const compose::model::Project& project);

}  // namespace racker::convert
