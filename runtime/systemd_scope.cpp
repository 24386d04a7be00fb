#include "racker/runtime/systemd_scope.h"

#include <systemd/sd-bus.h>
#include <systemd/sd-daemon.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <string>
#include <utility>
#include <vector>

namespace racker::runtime {

namespace {

// Owns the bus objects of one call.
struct BusCall {
  sd_bus* bus = nullptr;
  sd_bus_message* request = nullptr;
  sd_bus_message* reply = nullptr;
  sd_bus_error error = SD_BUS_ERROR_NULL;
  ~BusCall() {
    sd_bus_message_unref(request);
    sd_bus_message_unref(reply);
    sd_bus_error_free(&error);
    sd_bus_flush_close_unref(bus);
  }
};

Error bus_error(const std::string& what, int r, const sd_bus_error* error) {
  std::string why = error && error->message ? error->message : std::strerror(-r);
  return Error(Errc::kIo, what + ": " + why);
}

bool unit_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == ':' || c == '_' ||
         c == '.' || c == '-';
}

// systemd's JobRemoved signal for the job of our request.
struct JobWait {
  std::string job;                    // known once the call returned
  std::vector<std::pair<std::string, std::string>> removed;  // (job path, result) seen
};

int on_job_removed(sd_bus_message* m, void* userdata, sd_bus_error*) {
  auto* wait = static_cast<JobWait*>(userdata);
  uint32_t id = 0;
  const char* path = nullptr;
  const char* unit = nullptr;
  const char* result = nullptr;
  if (sd_bus_message_read(m, "uoss", &id, &path, &unit, &result) >= 0 && path && result)
    wait->removed.emplace_back(path, result);
  return 0;
}

Status wait_for_job(sd_bus* bus, JobWait& wait, std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    for (const auto& [path, result] : wait.removed)
      if (path == wait.job)
        return result == "done" ? ok_status()
                                : Status(Error(Errc::kInternal, "the systemd job for the scope ended: " + result));
    int r = sd_bus_process(bus, nullptr);
    if (r < 0) return bus_error("reading the bus", r, nullptr);
    if (r > 0) continue;
    auto left = std::chrono::duration_cast<std::chrono::microseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return Error(Errc::kTimeout, "timed out waiting for systemd to create the scope");
    r = sd_bus_wait(bus, static_cast<uint64_t>(left.count()));
    if (r < 0) return bus_error("waiting on the bus", r, nullptr);
  }
}

}  // namespace

std::string scope_unit_name(const std::string& kind, const std::string& name) {
  std::string out = "racker-" + kind + "-";
  for (char c : name) {
    if (unit_char(c)) {
      out += c;
    } else {
      char hex[8];
      std::snprintf(hex, sizeof hex, "\\x%02x", static_cast<unsigned char>(c));
      out += hex;
    }
  }
  return out + ".scope";
}

Status run_in_transient_scope(pid_t pid, const std::string& unit, const std::string& description) {
  if (sd_booted() <= 0) return Error(Errc::kUnsupported, "systemd is not PID 1");
  return start_transient_scope("", pid, unit, description);
}

Status start_transient_scope(const std::string& bus_address, pid_t pid, const std::string& unit,
                             const std::string& description) {
  JobWait wait;  // outlives the bus, whose match points at it
  BusCall c;
  int r = 0;
  if (bus_address.empty()) {
    r = sd_bus_open_system(&c.bus);
  } else {
    r = sd_bus_new(&c.bus);
    if (r >= 0) r = sd_bus_set_address(c.bus, bus_address.c_str());
    if (r >= 0) r = sd_bus_set_bus_client(c.bus, 1);
    if (r >= 0) r = sd_bus_start(c.bus);
  }
  if (r < 0) return bus_error("connecting to the bus", r, nullptr);
  // Subscribe before asking, or the JobRemoved signal may be missed.
  r = sd_bus_match_signal(c.bus, nullptr, "org.freedesktop.systemd1", "/org/freedesktop/systemd1",
                          "org.freedesktop.systemd1.Manager", "JobRemoved", on_job_removed, &wait);
  if (r < 0) return bus_error("subscribing to systemd jobs", r, nullptr);
  r = sd_bus_message_new_method_call(c.bus, &c.request, "org.freedesktop.systemd1", "/org/freedesktop/systemd1",
                                     "org.freedesktop.systemd1.Manager", "StartTransientUnit");
  if (r >= 0) r = sd_bus_message_append(c.request, "ss", unit.c_str(), "fail");
  if (r >= 0) r = sd_bus_message_open_container(c.request, 'a', "(sv)");
  if (r >= 0) r = sd_bus_message_append(c.request, "(sv)", "Description", "s", description.c_str());
  if (r >= 0) r = sd_bus_message_append(c.request, "(sv)", "PIDs", "au", 1, static_cast<uint32_t>(pid));
  // Gone from `systemctl list-units` once its processes are.
  if (r >= 0) r = sd_bus_message_append(c.request, "(sv)", "CollectMode", "s", "inactive-or-failed");
  if (r >= 0) r = sd_bus_message_close_container(c.request);
  if (r >= 0) r = sd_bus_message_append(c.request, "a(sa(sv))", 0);
  if (r < 0) return bus_error("building the StartTransientUnit call", r, nullptr);
  r = sd_bus_call(c.bus, c.request, 0, &c.error, &c.reply);
  if (r < 0) return bus_error("StartTransientUnit " + unit, r, &c.error);
  const char* job = nullptr;
  r = sd_bus_message_read(c.reply, "o", &job);
  if (r < 0 || !job) return bus_error("reading the StartTransientUnit reply", r, nullptr);
  wait.job = job;
  return wait_for_job(c.bus, wait, std::chrono::seconds(10));
}

}  // namespace racker::runtime
