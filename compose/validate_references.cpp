// References must point at things the project defines: services (depends_on,
// links, volumes_from, shared namespaces), networks, named volumes, secrets
// and configs.
#include <set>

#include "validate_internal.h"

namespace racker::compose::validate_detail {
namespace {

using model::Service;

void check_service_references(const Service& s, const model::Project& project, Problems& out) {
  const std::string path = "services." + s.name;
  auto defined = [&](const std::string& name) { return project.services.count(name) > 0; };
  std::set<std::string> reported;  // one error per missing service, at its most specific reference

  for (size_t i = 0; i < s.links.size(); ++i) {
    std::string target = s.links[i].substr(0, s.links[i].find(':'));
    if (defined(target) || !reported.insert(target).second) continue;
    out.add(path + ".links[" + std::to_string(i) + "]",
            "service \"" + s.name + "\" links to undefined service \"" + target + "\"");
  }
  for (size_t i = 0; i < s.volumes_from.size(); ++i) {
    const std::string& v = s.volumes_from[i];
    if (v.compare(0, 10, "container:") == 0) continue;  // a container outside the project
    std::string target = v.substr(0, v.find(':'));
    if (defined(target) || !reported.insert(target).second) continue;
    out.add(path + ".volumes_from[" + std::to_string(i) + "]",
            "service \"" + s.name + "\" mounts volumes from undefined service \"" + target + "\"");
  }
  const std::pair<const char*, const std::optional<std::string>*> namespaces[] = {
      {"network_mode", &s.network_mode}, {"ipc", &s.ipc}, {"pid", &s.pid}, {"uts", &s.uts}, {"cgroup", &s.cgroup}};
  for (const auto& [key, value] : namespaces) {
    if (!*value || value->value().compare(0, 8, "service:") != 0) continue;
    std::string target = value->value().substr(8);
    if (defined(target) || !reported.insert(target).second) continue;
    out.add(path + "." + key,
            "service \"" + target + "\" not found for " + key + " '" + value->value() + "'");
  }
  for (const auto& [target, dep] : s.depends_on) {
    // A dependency that is not required may be absent (disabled by a profile).
    if (!dep.required || defined(target) || !reported.insert(target).second) continue;
    out.add_at_key(path + ".depends_on." + target,
            "service \"" + s.name + "\" depends on undefined service \"" + target + "\"");
  }
}

void check_resource_references(const Service& s, const model::Project& project, Problems& out) {
  const std::string path = "services." + s.name;
  for (const auto& [net, _] : s.networks) {
    if (!project.networks.count(net))
      out.add_at_key(path + ".networks." + net,
                     "service \"" + s.name + "\" refers to undefined network \"" + net + "\"");
  }
  for (size_t i = 0; i < s.volumes.size(); ++i) {
    const model::VolumeMount& v = s.volumes[i];
    if (v.type != "volume" || v.source.empty() || project.volumes.count(v.source)) continue;
    out.add(path + ".volumes[" + std::to_string(i) + "]",
            "service \"" + s.name + "\" refers to undefined volume \"" + v.source + "\"");
  }
  auto check_refs = [&](const std::vector<model::FileReference>& refs, const std::map<std::string, model::FileObject>& defs,
                        const std::string& refs_path, const char* kind) {
    for (size_t i = 0; i < refs.size(); ++i) {
      if (defs.count(refs[i].source)) continue;
      out.add(refs_path + "[" + std::to_string(i) + "]",
              "service \"" + s.name + "\" refers to undefined " + kind + " \"" + refs[i].source + "\"");
    }
  };
  check_refs(s.secrets, project.secrets, path + ".secrets", "secret");
  check_refs(s.configs, project.configs, path + ".configs", "config");
  if (s.build) check_refs(s.build->secrets, project.secrets, path + ".build.secrets", "build secret");
}

}  // namespace

void check_references(const model::Project& project, Problems& out) {
  for (const auto& [_, s] : project.services) {
    check_service_references(s, project, out);
    check_resource_references(s, project, out);
  }
}

}  // namespace racker::compose::validate_detail
