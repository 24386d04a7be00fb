#pragma once
// Named network namespaces racker owns: a file (by default under
// $RACKER_RUN/netns/, RACKER_RUN=/run/racker) with a new namespace
// bind-mounted on it, as `ip netns add` makes them. The container runtime
// hands the path to nspawn (--network-namespace-path=); networks.h attaches
// it to bridges before the payload starts; the namespace lives as long as the
// mount (or a process inside) does.
//
// Namespaces are per thread in Linux: creating one and running code inside
// one each happen on a short-lived thread of their own, so the caller's
// thread never changes namespace.

#include <functional>
#include <string>

#include "racker/util/error.h"

namespace racker::network {

// $RACKER_RUN/netns (RACKER_RUN defaults to /run/racker).
std::string default_netns_dir();

// Creates the namespace file at `path` (parent directories too) with a new
// network namespace mounted on it, loopback up. kConflict if `path` already
// holds a namespace.
Status create_netns(const std::string& path);

// Unmounts and unlinks `path`; absent is fine. The namespace itself goes away
// when nothing else (a process, another mount) holds it, and its interfaces
// with it: the host ends of their veth pairs vanish too.
Status delete_netns(const std::string& path);

// True when `path` exists and is a mounted network namespace.
bool netns_exists(const std::string& path);

// Runs `fn` on a new thread that has entered the namespace at `path`, and
// returns what it returns. Sockets and netlink handles made inside `fn` act
// in that namespace.
Status run_in_netns(const std::string& path, const std::function<Status()>& fn);

}  // namespace racker::network
