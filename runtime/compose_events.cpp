#include "racker/runtime/compose_events.h"

#include <ctime>
#include <map>
#include <nlohmann/json.hpp>

namespace racker::runtime {

namespace {

std::map<std::string, std::string> attributes_of(const ContainerEvent& e) {
  std::map<std::string, std::string> out;
  for (const auto& [k, v] : e.labels)
    if (k.rfind("com.docker.compose.", 0) != 0) out[k] = v;
  out["image"] = e.image;
  out["name"] = e.name;
  if (e.kind == ContainerEventKind::kExited) out["exitCode"] = std::to_string(e.exit_code);
  return out;
}

struct LocalTime {
  std::tm tm{};
  long nanos = 0;
};

LocalTime local_time(std::chrono::system_clock::time_point when) {
  auto since = when.time_since_epoch();
  auto secs = std::chrono::duration_cast<std::chrono::seconds>(since);
  LocalTime t;
  t.nanos = static_cast<long>(std::chrono::duration_cast<std::chrono::nanoseconds>(since - secs).count());
  std::time_t raw = static_cast<std::time_t>(secs.count());
  ::localtime_r(&raw, &t.tm);
  return t;
}

// Go's time.RFC3339Nano: trailing zeros of the fraction dropped, "Z" for a zero offset.
std::string rfc3339_nano(std::chrono::system_clock::time_point when) {
  LocalTime t = local_time(when);
  char base[32];
  std::strftime(base, sizeof base, "%Y-%m-%dT%H:%M:%S", &t.tm);
  std::string out = base;
  if (t.nanos > 0) {
    char frac[32];
    std::snprintf(frac, sizeof frac, ".%09ld", t.nanos);
    std::string f = frac;
    while (f.back() == '0') f.pop_back();
    out += f;
  }
  long offset = t.tm.tm_gmtoff;
  if (offset == 0) return out + "Z";
  char zone[32];
  std::snprintf(zone, sizeof zone, "%c%02ld:%02ld", offset < 0 ? '-' : '+', std::labs(offset) / 3600,
                std::labs(offset) % 3600 / 60);
  return out + zone;
}

}  // namespace

std::string compose_event_action(const ContainerEvent& e) {
  if (e.kind == ContainerEventKind::kHealth) return "health_status: " + e.health;
  return container_event_name(e.kind);
}

std::string format_compose_event(const ContainerEvent& e, std::chrono::system_clock::time_point when, bool json) {
  auto attributes = attributes_of(e);
  if (json) {
    nlohmann::json j = {{"time", rfc3339_nano(when)}, {"type", "container"}, {"service", e.service},
                        {"id", e.id}, {"action", compose_event_action(e)}, {"attributes", attributes}};
    return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  }
  LocalTime t = local_time(when);
  char base[32];
  std::strftime(base, sizeof base, "%Y-%m-%d %H:%M:%S", &t.tm);
  char micros[32];
  std::snprintf(micros, sizeof micros, ".%06ld", t.nanos / 1000);
  std::string out = std::string(base) + micros + " container " + compose_event_action(e) + " " + e.id + " (";
  bool first = true;
  for (const auto& [k, v] : attributes) {
    out += (first ? "" : ", ") + k + "=" + v;
    first = false;
  }
  return out + ")";
}

}  // namespace racker::runtime
