#pragma once
// The rtnetlink backend: bridges and veths made directly with libnl-route-3,
// for hosts where systemd-networkd is not on the bus. The bridge is created,
// addressed and brought up; a veth pair is created in one request with its
// host side enslaved and up and its peer born inside the container's
// namespace. Links are tagged with an interface alias naming their owner
// (state dir) and network, so crash cleanup recognises its own.

#include <memory>

#include "racker/network/network_backend.h"

namespace racker::network {

std::unique_ptr<NetworkBackend> make_netlink_backend(const BackendOptions& options);

// "racker:<owner>:<network>": the alias racker puts on the links it makes.
std::string link_alias(const std::string& owner, const std::string& network);
// Splits a link_alias() text; false when `alias` is not one.
bool parse_link_alias(const std::string& alias, std::string* owner, std::string* network);

}  // namespace racker::network
