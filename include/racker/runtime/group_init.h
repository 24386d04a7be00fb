#pragma once
// racker's in-container init for a group's machine (compose x-racker
// groups): PID 1 there, one Asio event loop that supervises the group's
// services, each from its own monitor's request (group_protocol.h):
//   - spawns the service as its own child, in the mount namespace its
//     monitor prepared (the service's image root, volumes, /dev, /proc),
//     through racker's container init as under nspawn (container_init.h);
//   - reaps it and every orphan, and restarts it per its restart policy
//     with docker's backoff (restart_policy.h);
//   - runs its healthcheck in that namespace (health_monitor.h's tracker);
//   - streams its output and state changes to the monitor, which keeps the
//     service's record, log and cgroups on the host;
//   - on SIGTERM/SIGINT stops the services in reverse start order, each
//     with its own stop signal and grace period, then whatever is left,
//     and exits.

#include <string>
#include <vector>

namespace racker::runtime {

struct GroupMember {
  std::string service;
  int pid = 0, signal = 15, grace_seconds = 10, order = 0;
};

// Batches of members to stop one after the other: the latest started first.
std::vector<std::vector<GroupMember>> group_stop_batches(std::vector<GroupMember> members);

// Runs until stopped; the exit code for the machine.
int run_group_init();

}  // namespace racker::runtime
