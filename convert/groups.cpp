#include "racker/convert/groups.h"

#include <nlohmann/json.hpp>

namespace racker::convert {
namespace {

// Extension values are JSON text; parse without exceptions.
nlohmann::json parse(const compose::model::Extensions& ext) {
  auto it = ext.find("x-racker");
  if (it == ext.end()) return nullptr;
  auto j = nlohmann::json::parse(it->second, nullptr, false);
  return j.is_discarded() ? nlohmann::json() : j;
}

}  // namespace

std::map<std::string, std::string> service_groups(const compose::model::Project& project) {
  std::map<std::string, std::string> out;
  // Service-level first: it wins over the top-level lists.
  for (const auto& [name, svc] : project.services) {
    auto j = parse(svc.extensions);
    if (j.is_object() && j.contains("group") && j["group"].is_string()) out[name] = j["group"].get<std::string>();
  }
  auto top = parse(project.extensions);
  if (!top.is_object() || !top.contains("groups") || !top["groups"].is_object()) return out;
  for (const auto& [group, body] : top["groups"].items()) {
    if (!body.is_object() || !body.contains("services") || !body["services"].is_array()) continue;
    for (const auto& s : body["services"]) {
      if (s.is_string() && project.services.count(s.get<std::string>())) out.emplace(s.get<std::string>(), group);
    }
  }
  return out;
}

}  // namespace racker::convert
