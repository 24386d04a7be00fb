#include "networkd_bus.h"

#include <systemd/sd-bus.h>

#include <algorithm>
#include <cstring>
#include <thread>

namespace racker::network {

namespace {

constexpr const char* kService = "org.freedesktop.network1";
constexpr const char* kPath = "/org/freedesktop/network1";
constexpr const char* kManager = "org.freedesktop.network1.Manager";
constexpr const char* kLink = "org.freedesktop.network1.Link";

struct BusError {
  sd_bus_error e = SD_BUS_ERROR_NULL;
  ~BusError() { sd_bus_error_free(&e); }
  std::string text(int r) const {
    if (e.message) return e.message;
    return std::strerror(-r);
  }
};

struct Reply {
  sd_bus_message* m = nullptr;
  ~Reply() { sd_bus_message_unref(m); }
};

}  // namespace

void NetworkdBus::Free::operator()(sd_bus* b) const { sd_bus_flush_close_unref(b); }

Result<NetworkdBus> NetworkdBus::open() {
  sd_bus* bus = nullptr;
  int r = sd_bus_open_system(&bus);
  if (r < 0) return Error(Errc::kNotFound, std::string("cannot connect to the system bus: ") + std::strerror(-r));
  NetworkdBus out;
  out.bus_.reset(bus);
  return out;
}

bool NetworkdBus::available() {
  BusError err;
  Reply reply;
  int r = sd_bus_call_method(bus_.get(), "org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus",
                             "NameHasOwner", &err.e, &reply.m, "s", kService);
  if (r < 0) return false;
  int has = 0;
  return sd_bus_message_read(reply.m, "b", &has) >= 0 && has;
}

Status NetworkdBus::reload() {
  BusError err;
  Reply reply;
  int r = sd_bus_call_method(bus_.get(), kService, kPath, kManager, "Reload", &err.e, &reply.m, "");
  if (r < 0) return Error(Errc::kIo, "systemd-networkd Reload failed: " + err.text(r));
  return ok_status();
}

Result<std::optional<NetworkdBus::LinkState>> NetworkdBus::link_state(const std::string& ifname) {
  BusError err;
  Reply reply;
  int r = sd_bus_call_method(bus_.get(), kService, kPath, kManager, "GetLinkByName", &err.e, &reply.m, "s",
                             ifname.c_str());
  if (r < 0) {
    // networkd answers with an error for links it has not enumerated yet.
    if (sd_bus_error_has_name(&err.e, SD_BUS_ERROR_SERVICE_UNKNOWN) ||
        sd_bus_error_has_name(&err.e, SD_BUS_ERROR_NAME_HAS_NO_OWNER))
      return Error(Errc::kNotFound, "systemd-networkd is not running: " + err.text(r));
    return std::optional<LinkState>();
  }
  int index = 0;
  const char* path = nullptr;
  if (sd_bus_message_read(reply.m, "io", &index, &path) < 0 || !path)
    return Error(Errc::kIo, "systemd-networkd: unexpected GetLinkByName reply");
  std::string object = path;
  LinkState state;
  for (auto [prop, out] : {std::pair{"AdministrativeState", &state.administrative},
                           std::pair{"OperationalState", &state.operational}}) {
    BusError perr;
    char* value = nullptr;
    int pr = sd_bus_get_property_string(bus_.get(), kService, object.c_str(), kLink, prop, &perr.e, &value);
    if (pr < 0) return std::optional<LinkState>();  // the link went away meanwhile
    *out = value;
    free(value);
  }
  return std::optional<LinkState>(state);
}

Status NetworkdBus::wait_configured(const std::string& ifname, std::chrono::milliseconds timeout) {
  auto start = std::chrono::steady_clock::now();
  auto deadline = start + timeout;
  auto pause = std::chrono::milliseconds(1);
  std::string last = "unknown to networkd";
  for (;;) {
    auto state = link_state(ifname);
    if (!state) return state.error();
    if (*state) {
      const auto& s = **state;
      if (s.administrative == "configured") return ok_status();
      // "unmanaged" can be a moment's state of a link networkd met before
      // its unit arrived; only after a while does it mean no unit matches.
      bool settled_unmanaged = s.administrative == "unmanaged" &&
                               std::chrono::steady_clock::now() - start > std::chrono::seconds(2);
      if (s.administrative == "failed" || s.administrative == "linger" || settled_unmanaged)
        return Error(Errc::kIo, "systemd-networkd reports link " + ifname + " " + s.administrative +
                                    " (operational state " + s.operational + ")");
      last = s.administrative;
    }
    if (std::chrono::steady_clock::now() >= deadline)
      return Error(Errc::kTimeout, "timed out waiting for systemd-networkd to configure " + ifname +
                                       " (last state: " + last + ")");
    std::this_thread::sleep_for(pause);
    pause = std::min(pause * 2, std::chrono::milliseconds(20));
  }
}

}  // namespace racker::network
