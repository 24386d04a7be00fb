// Compose volumes, tmpfs, secrets and configs -> MountSpecs. Secrets and
// configs given as a file become read-only binds of that file; given as an
// environment variable or inline content, racker writes them to a file of
// the project's state directory and binds that read-only.
#include <cstdio>

#include "service_container_internal.h"

namespace racker::runtime::internal {

using compose::model::FileObject;
using compose::model::FileReference;
using compose::model::Project;
using compose::model::Service;

namespace {

std::string tmpfs_options(const compose::model::VolumeMount& v) {
  std::string opts;
  if (v.tmpfs_size) opts = "size=" + std::to_string(*v.tmpfs_size);
  if (v.tmpfs_mode) {
    char mode[16];
    std::snprintf(mode, sizeof mode, "%o", *v.tmpfs_mode);
    opts += (opts.empty() ? "" : ",") + std::string("mode=") + mode;
  }
  return opts;
}

Status add_volume(const Project& project, const Service& s, const compose::model::VolumeMount& v,
                  ServiceContainer& out) {
  auto& w = out.warnings;
  const std::string where = "service \"" + s.name + "\": volume " + v.target;
  MountSpec m;
  m.target = v.target;
  m.read_only = v.read_only;
  if (v.type == "bind") {
    m.type = MountSpec::Type::kBind;
    m.source = v.source;
    if (v.create_host_path) out.bind_dirs.push_back(v.source);
    if (v.propagation && *v.propagation != "rprivate") w.push_back(where + ": bind.propagation is ignored");
  } else if (v.type == "volume") {
    m.type = MountSpec::Type::kVolume;
    if (v.source.empty()) {
      m.anonymous = true;  // the driver names it
    } else {
      auto it = project.volumes.find(v.source);
      m.source = it != project.volumes.end() && !it->second.name.empty() ? it->second.name
                                                                          : project.name + "_" + v.source;
    }
    if (v.nocopy) w.push_back(where + ": volume.nocopy is ignored (an empty volume is filled from the image)");
  } else if (v.type == "tmpfs") {
    m.type = MountSpec::Type::kTmpfs;
    m.tmpfs_options = tmpfs_options(v);
  } else {
    w.push_back(where + ": volume type \"" + v.type + "\" is not supported; not mounted");
    return ok_status();
  }
  if (v.subpath) w.push_back(where + ": subpath is not supported; the whole volume is mounted");
  out.settings.mounts.push_back(std::move(m));
  return ok_status();
}

// One secret or config reference -> a read-only bind of a file.
Status add_file_object(const Project& project, const Service& s, const FileReference& ref, bool secret,
                       const ServiceContainerOptions& options, ServiceContainer& out) {
  const char* kind = secret ? "secret" : "config";
  const auto& objects = secret ? project.secrets : project.configs;
  auto it = objects.find(ref.source);
  if (it == objects.end())
    return Error(Errc::kInvalidArgument,
                 "service \"" + s.name + "\" refers to undefined " + kind + " " + ref.source + ": invalid compose project");
  const FileObject& obj = it->second;
  std::string target = ref.target.value_or(secret ? "/run/secrets/" + ref.source : "/" + ref.source);
  if (target.empty() || target[0] != '/') target = (secret ? "/run/secrets/" : "/") + target;
  if (obj.external) {
    out.warnings.push_back("service \"" + s.name + "\": external " + kind + " " + ref.source +
                           " is not supported (swarm only); not mounted");
    return ok_status();
  }
  MountSpec m;
  m.type = MountSpec::Type::kBind;
  m.target = target;
  m.read_only = true;
  if (obj.file) {
    m.source = *obj.file;
    if (ref.mode || ref.uid || ref.gid)
      out.warnings.push_back("service \"" + s.name + "\": " + kind + " " + ref.source +
                             ": uid/gid/mode are ignored for a file-backed " + kind);
  } else {
    std::string content;
    if (obj.content) {
      content = *obj.content;
    } else if (obj.environment) {
      const compose::EnvMap* env = options.environment;
      auto value = env ? env->find(*obj.environment) : compose::EnvMap::const_iterator{};
      if (!env || value == env->end())
        return Error(Errc::kInvalidArgument, std::string(kind) + " " + ref.source + ": environment variable " +
                                                 *obj.environment + " is not set");
      content = value->second;
    } else {
      return Error(Errc::kInvalidArgument, std::string(kind) + " " + ref.source + " has no file, environment or content");
    }
    if (options.project_state_dir.empty())
      return Error(Errc::kInternal, "no project state directory for generated " + std::string(kind) + " files");
    GeneratedFile f;
    f.path = options.project_state_dir + "/" + kind + "s/" + ref.source;
    f.content = std::move(content);
    f.mode = ref.mode.value_or(0444);
    if (ref.uid || ref.gid)
      out.warnings.push_back("service \"" + s.name + "\": " + kind + " " + ref.source + ": uid/gid are ignored");
    m.source = f.path;
    bool known = false;
    for (const auto& existing : out.files) known = known || existing.path == f.path;
    if (!known) out.files.push_back(std::move(f));
  }
  out.settings.mounts.push_back(std::move(m));
  return ok_status();
}

}  // namespace

Status add_mounts(const Project& project, const Service& s, const ServiceContainerOptions& options,
                  ServiceContainer& out) {
  for (const auto& v : s.volumes)
    if (auto st = add_volume(project, s, v, out); !st) return st;
  for (const auto& t : s.tmpfs) {
    MountSpec m;
    m.type = MountSpec::Type::kTmpfs;
    auto colon = t.find(':');
    m.target = t.substr(0, colon);
    if (colon != std::string::npos) m.tmpfs_options = t.substr(colon + 1);
    out.settings.mounts.push_back(std::move(m));
  }
  for (const auto& ref : s.secrets)
    if (auto st = add_file_object(project, s, ref, true, options, out); !st) return st;
  for (const auto& ref : s.configs)
    if (auto st = add_file_object(project, s, ref, false, options, out); !st) return st;
  return ok_status();
}

}  // namespace racker::runtime::internal
