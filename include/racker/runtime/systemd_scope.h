#pragma once
// When systemd is PID 1, racker's long-lived processes (a project's
// supervisor, each container's monitor) run as transient scope units, so
// `systemctl status racker-compose-<project>.scope` shows them, their
// resource use is accounted, and stopping the unit stops them. Elsewhere
// they stay plain processes; nothing depends on the unit existing.

#include <string>
#include <sys/types.h>

#include "racker/util/error.h"

namespace racker::runtime {

// "racker-compose-<project>.scope", "racker-container-<id12>.scope": unit
// names keep [A-Za-z0-9:_.-]; anything else becomes \xNN as systemd escapes it.
std::string scope_unit_name(const std::string& kind, const std::string& name);

// Asks systemd (StartTransientUnit on the system bus) to wrap `pid` in a new
// scope unit and waits for the job to finish. kUnsupported when systemd is
// not PID 1.
Status run_in_transient_scope(pid_t pid, const std::string& unit, const std::string& description);

// The same request to the systemd manager on the bus at `bus_address`
// (a D-Bus address; empty: the system bus), whatever PID 1 is. Exposed for
// tests, which talk to a stand-in manager on a private bus.
Status start_transient_scope(const std::string& bus_address, pid_t pid, const std::string& unit,
                             const std::string& description);

}  // namespace racker::runtime
