// Checks within one service: names, image or build, build options, settings
// that exclude each other or are given twice with different values.
#include <algorithm>
#include <map>

#include "validate_internal.h"

namespace racker::compose::validate_detail {
namespace {

using model::Service;

std::string service_path(const Service& s) { return "services." + s.name; }

// docker's container name rule: [a-zA-Z0-9][a-zA-Z0-9_.-]+
bool is_valid_container_name(const std::string& name) {
  if (name.size() < 2 || !is_valid_key(name)) return false;
  char c = name[0];
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

// no, always, unless-stopped, on-failure[:N]
bool is_valid_restart(const std::string& r) {
  if (r == "no" || r == "always" || r == "unless-stopped" || r == "on-failure") return true;
  const std::string prefix = "on-failure:";
  if (r.compare(0, prefix.size(), prefix) != 0 || r.size() == prefix.size()) return false;
  return r.find_first_not_of("0123456789", prefix.size()) == std::string::npos;
}

void check_build(const Service& s, const model::Project& project, Problems& out) {
  const std::string path = service_path(s) + ".build";
  const model::BuildConfig& b = *s.build;
  if (b.dockerfile_inline && !b.dockerfile.empty())
    out.add_at_key(path, "service \"" + s.name + "\" declares mutually exclusive dockerfile and dockerfile_inline");
  if (!b.platforms.empty() && s.platform &&
      std::find(b.platforms.begin(), b.platforms.end(), *s.platform) == b.platforms.end())
    out.add(path + ".platforms", "must include the service's platform \"" + *s.platform + "\"");
  for (const auto& [name, context] : b.additional_contexts) {
    const std::string prefix = "service:";
    if (context.compare(0, prefix.size(), prefix) != 0) continue;
    std::string target = context.substr(prefix.size());
    const Service* other = project.service(target);
    if (!other)
      out.add(path + ".additional_contexts." + name,
              "service \"" + s.name + "\" declares unknown service \"" + target + "\" as additional context " + name);
    else if (!other->build)
      out.add(path + ".additional_contexts." + name, "service \"" + s.name + "\" declares non-buildable service \"" +
                                                         target + "\" as additional context " + name);
  }
}

// A setting given both at the top of the service and under deploy.resources.
template <class T>
void check_same(const std::optional<T>& plain, const std::optional<T>& in_deploy, const std::string& path,
                const char* key, const char* deploy_key, Problems& out) {
  if (plain && in_deploy && *plain != *in_deploy)
    out.add(path + "." + key, std::string("can't set distinct values on '") + key + "' and '" + deploy_key + "'");
}

void check_mount_targets(const Service& s, Problems& out) {
  std::map<std::string, std::string> mounted;  // target -> key path of its first mount
  const std::string path = service_path(s);
  for (size_t i = 0; i < s.tmpfs.size(); ++i) {
    std::string loc = path + ".tmpfs[" + std::to_string(i) + "]";
    std::string target = s.tmpfs[i].substr(0, s.tmpfs[i].find(':'));
    auto [it, fresh] = mounted.emplace(target, loc);
    if (!fresh) out.add(loc, "target " + target + " is already mounted by " + it->second);
  }
  for (size_t i = 0; i < s.volumes.size(); ++i) {
    std::string loc = path + ".volumes[" + std::to_string(i) + "]";
    const std::string& target = s.volumes[i].target;
    if (target.empty()) continue;
    auto [it, fresh] = mounted.emplace(target, loc);
    if (!fresh) out.add(loc, "target " + target + " is already mounted by " + it->second);
  }
}

void check_service(const Service& s, const model::Project& project, Problems& out) {
  const std::string path = service_path(s);
  if (!is_valid_key(s.name))
    out.add_at_key(path, "invalid service name \"" + s.name + "\": only letters, digits, '.', '_' and '-' are allowed");
  bool provider = s.ignored.count(path + ".provider") > 0;  // run by someone else: no image needed
  if (!s.image && !s.build && !provider)
    out.add_at_key(path, "service \"" + s.name + "\" has neither an image nor a build context specified");
  if (s.build) check_build(s, project, out);

  if (s.network_mode && !s.networks.empty())
    out.add_at_key(path + ".network_mode",
                   "service \"" + s.name + "\" declares mutually exclusive network_mode and networks");
  if (s.restart && !is_valid_restart(*s.restart))
    out.add(path + ".restart", "invalid restart policy \"" + *s.restart +
                                   "\": must be no, always, on-failure[:max-retries] or unless-stopped");

  if (s.container_name) {
    if (!is_valid_container_name(*s.container_name))
      out.add(path + ".container_name",
              "invalid container name \"" + *s.container_name + "\": must match [a-zA-Z0-9][a-zA-Z0-9_.-]+");
    if (s.replicas() > 1)
      out.add_at_key(path + ".container_name", std::string("can't set container_name and ") +
                                                   (s.scale ? "scale" : "deploy.replicas") +
                                                   " as container name must be unique");
  }

  if (s.deploy) {
    const model::Deploy& d = *s.deploy;
    if (s.scale && d.replicas && *s.scale != *d.replicas)
      out.add(path + ".scale", "can't set distinct values on 'scale' and 'deploy.replicas'");
    check_same(s.cpus, d.limits.cpus, path, "cpus", "deploy.resources.limits.cpus", out);
    check_same(s.mem_limit, d.limits.memory_bytes, path, "mem_limit", "deploy.resources.limits.memory", out);
    check_same(s.mem_reservation, d.reservations.memory_bytes, path, "mem_reservation",
               "deploy.resources.reservations.memory", out);
    check_same(s.pids_limit, d.limits.pids, path, "pids_limit", "deploy.resources.limits.pids", out);
  }
  check_mount_targets(s, out);
}

}  // namespace

void check_services(const model::Project& project, Problems& out) {
  std::map<std::string, std::string> container_names;  // container_name -> service
  for (const auto& [name, s] : project.services) {
    check_service(s, project, out);
    if (!s.container_name) continue;
    auto [it, fresh] = container_names.emplace(*s.container_name, name);
    if (!fresh)
      out.add(service_path(s) + ".container_name",
              "container name \"" + *s.container_name + "\" is already in use by service \"" + it->second + "\"");
  }
}

}  // namespace racker::compose::validate_detail
