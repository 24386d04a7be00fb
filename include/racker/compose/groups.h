#pragma once
// racker's `x-racker` extension: services grouped into one OS container.
//
//   x-racker:
//     groups:
//       backend: {services: [api, worker]}          # one nspawn machine for both
//       os: {services: [a, b], boot: true, image: debian-systemd}
//   services:
//     cache:
//       x-racker: {group: backend}                  # the same, declared per service
//
// A group is one machine with one network namespace: its services share one
// address, reach each other on localhost, and each runs in its own image's
// root filesystem. Without the extension every service is its own container.
// Pure: reads the typed project's extension JSON.

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "racker/compose/model.h"

namespace racker::compose {

struct Group {
  std::string name;
  std::vector<std::string> services;  // sorted
  bool boot = false;                  // the machine boots systemd; services become units
  std::optional<std::string> image;   // the machine's own image (required with boot)
};

// A mistake in the declaration, at a key path of the document
// ("x-racker.groups.backend.services[1]", "services.api.x-racker.group").
struct GroupProblem {
  std::string key_path;
  std::string message;
};

struct ProjectGroups {
  std::map<std::string, Group> groups;
  std::map<std::string, std::string> group_of;  // service -> group
  std::vector<GroupProblem> problems;
  bool empty() const { return groups.empty(); }
};

// Reads and checks the declaration: shapes and keys, unknown services, a
// service in two groups, a group named like a service, members with their
// own network_mode/ipc/pid/uts or more than one replica, two members
// publishing the same container port, and boot without an image.
ProjectGroups read_groups(const model::Project& project);

// `up --group-all NAME`: every service of the project in one group NAME,
// replacing any declared grouping.
void group_all_services(model::Project& project, const std::string& name);

}  // namespace racker::compose
