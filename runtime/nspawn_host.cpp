// What the host offers nspawn: systemd as PID 1, machined on the system bus.
#include <systemd/sd-bus.h>
#include <systemd/sd-daemon.h>

#include "racker/runtime/nspawn_command.h"

namespace racker::runtime {

namespace {
bool machined_on_bus() {
  sd_bus* bus = nullptr;
  if (sd_bus_open_system(&bus) < 0) return false;
  sd_bus_error error = SD_BUS_ERROR_NULL;
  sd_bus_message* reply = nullptr;
  int has_owner = 0;
  int r = sd_bus_call_method(bus, "org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus",
                             "NameHasOwner", &error, &reply, "s", "org.freedesktop.machine1");
  if (r >= 0) sd_bus_message_read(reply, "b", &has_owner);
  sd_bus_message_unref(reply);
  sd_bus_error_free(&error);
  sd_bus_flush_close_unref(bus);
  return r >= 0 && has_owner;
}
}  // namespace

HostFacts detect_host_facts() {
  HostFacts facts;
  facts.systemd_pid1 = sd_booted() > 0;
  // machined is only useful (and only asked) when systemd manages the host.
  facts.machined = facts.systemd_pid1 && machined_on_bus();
  return facts;
}

}  // namespace racker::runtime
