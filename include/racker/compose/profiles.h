#pragma once
// Profiles (compose-spec 15-profiles): a service with `profiles` is enabled
// only when one of them is active ("*" activates all) or when it is named
// explicitly on the command line. Disabled services are removed from the
// document; a required depends_on/links/volumes_from/network_mode reference
// from an enabled service to a disabled one is a kValidation error naming
// the profile: `service "web" depends on undefined service "db": ... profile "x"`.

#include <string>
#include <vector>

#include "racker/compose/node.h"

namespace racker::compose {

Status apply_profiles(Node& doc, const std::vector<std::string>& active_profiles,
                      const std::vector<std::string>& selected_services);

// All profile names used by services in `doc`, sorted (for `config --profiles`).
std::vector<std::string> all_profiles(const Node& doc);

}  // namespace racker::compose
