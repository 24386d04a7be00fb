// Image config JSON -> ImageConfig. nlohmann_json throws; everything that
// touches it is caught here.
#include "racker/runtime/image_config.h"

#include <sys/utsname.h>

#include <algorithm>
#include <nlohmann/json.hpp>

namespace racker::runtime {
namespace {

using nlohmann::json;

std::vector<std::string> string_list(const json& obj, const char* key) {
  std::vector<std::string> out;
  auto it = obj.find(key);
  if (it == obj.end() || !it->is_array()) return out;
  for (const auto& v : *it)
    if (v.is_string()) out.push_back(v.get<std::string>());
  return out;
}

std::string string_field(const json& obj, const char* key) {
  auto it = obj.find(key);
  return it != obj.end() && it->is_string() ? it->get<std::string>() : std::string();
}

// ExposedPorts and Volumes are objects whose keys are the values.
std::vector<std::string> key_set(const json& obj, const char* key) {
  std::vector<std::string> out;
  auto it = obj.find(key);
  if (it == obj.end() || !it->is_object()) return out;
  for (const auto& [k, _] : it->items()) out.push_back(k);
  std::sort(out.begin(), out.end());
  return out;
}

std::chrono::nanoseconds nanos(const json& obj, const char* key) {
  auto it = obj.find(key);
  if (it == obj.end() || !it->is_number_integer()) return std::chrono::nanoseconds(0);
  return std::chrono::nanoseconds(it->get<int64_t>());
}

}  // namespace

std::string Platform::str() const {
  std::string s = os + "/" + architecture;
  if (!variant.empty()) s += "/" + variant;
  return s;
}

Result<Platform> parse_platform(std::string_view text) {
  std::vector<std::string> parts;
  size_t start = 0;
  for (;;) {
    size_t slash = text.find('/', start);
    parts.emplace_back(text.substr(start, slash == std::string_view::npos ? std::string_view::npos : slash - start));
    if (slash == std::string_view::npos) break;
    start = slash + 1;
  }
  bool empty_part = std::any_of(parts.begin(), parts.end(), [](const std::string& p) { return p.empty(); });
  if (parts.size() < 2 || parts.size() > 3 || empty_part)
    return Error(Errc::kInvalidArgument, "invalid platform \"" + std::string(text) + "\": expected os/arch[/variant]");
  Platform p;
  p.os = parts[0];
  p.architecture = parts[1];
  if (parts.size() == 3) p.variant = parts[2];
  return p;
}

Platform host_platform() {
  Platform p;
  struct utsname u {};
  std::string machine = ::uname(&u) == 0 ? u.machine : "x86_64";
  if (machine == "x86_64") p.architecture = "amd64";
  else if (machine == "aarch64") p.architecture = "arm64";
  else if (machine.rfind("armv7", 0) == 0) p.architecture = "arm", p.variant = "v7";
  else if (machine.rfind("armv6", 0) == 0) p.architecture = "arm", p.variant = "v6";
  else if (machine == "i686" || machine == "i386") p.architecture = "386";
  else p.architecture = machine;  // ppc64le, s390x, riscv64 match GOARCH already
  return p;
}

Result<ImageConfig> parse_image_config(std::string_view text) {
  try {
    json doc = json::parse(text);
    if (!doc.is_object()) return Error(Errc::kParse, "image config: not a JSON object");
    ImageConfig cfg;
    cfg.platform.os = string_field(doc, "os");
    cfg.platform.architecture = string_field(doc, "architecture");
    cfg.platform.variant = string_field(doc, "variant");
    cfg.created = string_field(doc, "created");
    cfg.author = string_field(doc, "author");

    auto c = doc.find("config");
    if (c != doc.end() && c->is_object()) {
      cfg.env = string_list(*c, "Env");
      cfg.entrypoint = string_list(*c, "Entrypoint");
      cfg.cmd = string_list(*c, "Cmd");
      cfg.working_dir = string_field(*c, "WorkingDir");
      cfg.user = string_field(*c, "User");
      cfg.exposed_ports = key_set(*c, "ExposedPorts");
      cfg.volumes = key_set(*c, "Volumes");
      cfg.stop_signal = string_field(*c, "StopSignal");
      auto labels = c->find("Labels");
      if (labels != c->end() && labels->is_object())
        for (const auto& [k, v] : labels->items())
          if (v.is_string()) cfg.labels[k] = v.get<std::string>();
      auto hc = c->find("Healthcheck");
      if (hc != c->end() && hc->is_object()) {
        HealthcheckConfig h;
        h.test = string_list(*hc, "Test");
        h.interval = nanos(*hc, "Interval");
        h.timeout = nanos(*hc, "Timeout");
        h.start_period = nanos(*hc, "StartPeriod");
        auto retries = hc->find("Retries");
        if (retries != hc->end() && retries->is_number_integer()) h.retries = retries->get<int>();
        cfg.healthcheck = std::move(h);
      }
    }
    auto rootfs = doc.find("rootfs");
    if (rootfs != doc.end() && rootfs->is_object()) {
      for (const auto& id : string_list(*rootfs, "diff_ids")) {
        auto d = Digest::parse(id);
        if (!d) return Error(Errc::kParse, "image config: rootfs.diff_ids: " + d.error().message);
        cfg.diff_ids.push_back(*d);
      }
    }
    return cfg;
  } catch (const json::exception& e) {
    return Error(Errc::kParse, std::string("image config: ") + e.what());
  }
}

std::string image_config_to_json(const ImageConfig& cfg) {
  json c = json::object();
  auto set_list = [&](const char* key, const std::vector<std::string>& v) {
    c[key] = v.empty() ? json(nullptr) : json(v);
  };
  set_list("Env", cfg.env);
  set_list("Entrypoint", cfg.entrypoint);
  set_list("Cmd", cfg.cmd);
  c["WorkingDir"] = cfg.working_dir;
  c["User"] = cfg.user;
  auto as_set = [](const std::vector<std::string>& v) {
    if (v.empty()) return json(nullptr);
    json o = json::object();
    for (const auto& k : v) o[k] = json::object();
    return o;
  };
  c["ExposedPorts"] = as_set(cfg.exposed_ports);
  c["Volumes"] = as_set(cfg.volumes);
  c["Labels"] = cfg.labels.empty() ? json(nullptr) : json(cfg.labels);
  if (!cfg.stop_signal.empty()) c["StopSignal"] = cfg.stop_signal;
  if (cfg.healthcheck) {
    const auto& h = *cfg.healthcheck;
    c["Healthcheck"] = {{"Test", h.test},
                        {"Interval", h.interval.count()},
                        {"Timeout", h.timeout.count()},
                        {"StartPeriod", h.start_period.count()},
                        {"Retries", h.retries}};
  }
  return c.dump();
}

}  // namespace racker::runtime
