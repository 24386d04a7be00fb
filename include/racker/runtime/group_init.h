#pragma once
// PID 1 of a group's machine (compose x-racker groups). The group's services
// are entered into the machine's namespaces by their own monitors
// (group_launch.h); this init keeps the namespaces alive, reaps every
// orphan, and on SIGTERM/SIGINT stops the services in reverse dependency
// order, each with its own stop signal and grace period, before it exits.
//
// Each service registers itself when it is entered: a file
// kGroupMembersDir/<service> holding "<pid> <signal> <grace seconds> <order>",
// pid as seen in the machine, order its position in the group's start order.
// One Asio loop drives signals, reaping and the stop sequence.

#include <string>
#include <vector>

namespace racker::runtime {

inline constexpr const char* kGroupMembersDir = "/run/.racker-group";

struct GroupMember {
  std::string service;
  int pid = 0, signal = 15, grace_seconds = 10, order = 0;
};

// Parses one registration file's text; false when malformed.
bool parse_group_member(const std::string& service, const std::string& text, GroupMember& out);
// Batches of members to stop one after the other: the latest started first.
std::vector<std::vector<GroupMember>> group_stop_batches(std::vector<GroupMember> members);

// Runs until stopped; the exit code for the machine.
int run_group_init();

}  // namespace racker::runtime
