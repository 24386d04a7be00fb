#include "racker/compose/groups.h"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <set>

namespace racker::compose {

namespace {

using nlohmann::json;

constexpr const char* kExtension = "x-racker";

bool valid_group_name(const std::string& name) {
  if (name.empty() || !std::isalnum(static_cast<unsigned char>(name[0]))) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-';
  });
}

std::optional<json> extension_json(const model::Extensions& extensions) {
  auto it = extensions.find(kExtension);
  if (it == extensions.end()) return std::nullopt;
  json j = json::parse(it->second, nullptr, false);
  if (j.is_discarded()) return std::nullopt;
  return j;
}

class Reader {
 public:
  explicit Reader(const model::Project& project) : project_(project) {}

  ProjectGroups read() {
    if (auto top = extension_json(project_.extensions)) read_top(*top);
    for (const auto& [name, service] : project_.services)
      if (auto ext = extension_json(service.extensions)) read_service(name, *ext);
    for (auto& [name, group] : out_.groups) {
      std::sort(group.services.begin(), group.services.end());
      check_group(group);
    }
    return std::move(out_);
  }

 private:
  void problem(std::string path, std::string message) { out_.problems.push_back({std::move(path), std::move(message)}); }

  void only_keys(const json& object, const std::string& path, std::initializer_list<const char*> allowed) {
    for (auto it = object.begin(); it != object.end(); ++it) {
      const std::string key = it.key();
      if (std::none_of(allowed.begin(), allowed.end(), [&](const char* a) { return key == a; }))
        problem(path + "." + key, path + " additional property " + key + " is not allowed");
    }
  }

  Group& declare(const std::string& name, const std::string& path) {
    if (!valid_group_name(name)) problem(path, "invalid group name \"" + name + "\": use letters, digits, '.', '_' and '-'");
    else if (project_.service(name))
      problem(path, "group \"" + name + "\" has the name of a service; groups and services share one name space");
    Group& g = out_.groups[name];
    g.name = name;
    return g;
  }

  void join(const std::string& service, const std::string& group, const std::string& path) {
    if (!project_.service(service)) {
      problem(path, "group \"" + group + "\" refers to undefined service \"" + service + "\"");
      return;
    }
    auto [it, inserted] = out_.group_of.emplace(service, group);
    if (!inserted && it->second != group) {
      problem(path, "service \"" + service + "\" is in two groups: \"" + it->second + "\" and \"" + group + "\"");
      return;
    }
    auto& members = out_.groups[group].services;
    if (std::find(members.begin(), members.end(), service) == members.end()) members.push_back(service);
  }

  void read_top(const json& ext) {
    const std::string base = kExtension;
    if (!ext.is_object()) return problem(base, base + " must be a mapping");
    only_keys(ext, base, {"groups"});
    auto groups = ext.find("groups");
    if (groups == ext.end()) return;
    if (!groups->is_object()) return problem(base + ".groups", base + ".groups must be a mapping");
    for (const auto& [name, decl] : groups->items()) {
      const std::string path = base + ".groups." + name;
      Group& g = declare(name, path);
      if (decl.is_null()) continue;
      if (!decl.is_object()) {
        problem(path, path + " must be a mapping");
        continue;
      }
      only_keys(decl, path, {"services", "boot", "image"});
      if (auto boot = decl.find("boot"); boot != decl.end()) {
        if (boot->is_boolean()) g.boot = boot->get<bool>();
        else problem(path + ".boot", path + ".boot must be a boolean");
      }
      if (auto image = decl.find("image"); image != decl.end()) {
        if (image->is_string() && !image->get<std::string>().empty()) g.image = image->get<std::string>();
        else problem(path + ".image", path + ".image must be an image reference");
      }
      auto services = decl.find("services");
      if (services == decl.end()) continue;
      if (!services->is_array()) {
        problem(path + ".services", path + ".services must be a list of service names");
        continue;
      }
      listed_.insert(name);
      for (size_t i = 0; i < services->size(); ++i) {
        const std::string item = path + ".services[" + std::to_string(i) + "]";
        if (!(*services)[i].is_string()) problem(item, path + ".services must be a list of service names");
        else join((*services)[i].get<std::string>(), name, item);
      }
    }
  }

  void read_service(const std::string& service, const json& ext) {
    const std::string base = "services." + service + "." + kExtension;
    if (!ext.is_object()) return problem(base, base + " must be a mapping");
    only_keys(ext, base, {"group"});
    auto group = ext.find("group");
    if (group == ext.end()) return;
    if (!group->is_string()) return problem(base + ".group", base + ".group must be a group name");
    const std::string name = group->get<std::string>();
    if (!out_.groups.count(name)) declare(name, base + ".group");
    join(service, name, base + ".group");
  }

  void check_group(const Group& g) {
    const std::string path = std::string(kExtension) + ".groups." + g.name;
    if (g.services.empty() && !listed_.count(g.name)) problem(path, "group \"" + g.name + "\" has no services");
    if (g.boot && !g.image)
      problem(path + ".boot", "group \"" + g.name + "\" boots systemd: it needs an image with systemd (" + path +
                                  ".image)");
    std::map<std::string, std::string> port_owner;  // "80/tcp" -> service
    for (const auto& name : g.services) {
      const model::Service& s = *project_.service(name);
      const std::string spath = "services." + name;
      const std::pair<const char*, const std::optional<std::string>*> modes[] = {
          {"network_mode", &s.network_mode}, {"ipc", &s.ipc}, {"pid", &s.pid}, {"uts", &s.uts}};
      for (const auto& [key, value] : modes)
        if (*value)
          problem(spath + "." + key, "service \"" + name + "\" is in group \"" + g.name + "\", which gives it the group's " +
                                         "namespaces: it cannot also set " + key);
      if (s.replicas() > 1)
        problem(spath, "service \"" + name + "\" is in group \"" + g.name + "\": a grouped service runs one container, " +
                           "not " + std::to_string(s.replicas()));
      for (size_t i = 0; i < s.ports.size(); ++i) {
        const auto& p = s.ports[i];
        std::string key = std::to_string(p.target) + "/" + p.protocol;
        auto [it, inserted] = port_owner.emplace(key, name);
        if (!inserted && it->second != name)
          problem(spath + ".ports[" + std::to_string(i) + "]",
                  "services \"" + it->second + "\" and \"" + name + "\" of group \"" + g.name +
                      "\" both publish container port " + key + ": they share one address");
      }
    }
  }

  const model::Project& project_;
  ProjectGroups out_;
  std::set<std::string> listed_;  // groups that list services (maybe all refused)
};

}  // namespace

ProjectGroups read_groups(const model::Project& project) { return Reader(project).read(); }

void group_all_services(model::Project& project, const std::string& name) {
  json services = json::array();
  for (auto& [service_name, service] : project.services) {
    services.push_back(service_name);
    service.extensions.erase(kExtension);
  }
  json ext = {{"groups", {{name, {{"services", services}}}}}};
  project.extensions[kExtension] = ext.dump();
}

}  // namespace racker::compose
