// Volumes: named volumes as PersistentVolumeClaims, anonymous ones and
// tmpfs as emptyDirs, bind-mounted files, configs and secrets as
// ConfigMaps/Secrets mounted with subPath.
#include "kubernetes_internal.h"

namespace racker::convert::kube {
namespace {

// A file becomes one key of a ConfigMap named after its project-relative path.
Result<std::string> file_config_map(Context& ctx, const std::string& path, std::string& key) {
  auto content = ctx.files.read(path);
  if (!content) return content.error();
  std::string rel = relative_to(path, ctx.project.working_dir);
  std::string name = kube_name(rel);
  key = data_key(base_name(path));
  Object& cm = ctx.config_maps[name];
  if (cm.name.empty()) {
    cm = Object{"ConfigMap", name, "", Json::object()};
    cm.body["apiVersion"] = "v1";
    cm.body["kind"] = "ConfigMap";
    cm.body["metadata"] = metadata(ctx, name, "");
  }
  if (is_text(*content)) {
    cm.body["data"][key] = *content;
  } else {
    cm.body["binaryData"][key] = base64(*content);
  }
  return name;
}

}  // namespace

Result<Json> volume_mounts(Context& ctx, const model::Service& svc, Volumes& volumes) {
  Json mounts = Json::array();
  int anonymous = 0;
  for (size_t i = 0; i < svc.volumes.size(); ++i) {
    const auto& v = svc.volumes[i];
    std::string where = "services." + svc.name + ".volumes[" + std::to_string(i) + "]";
    Json m = {{"mountPath", v.target}};
    if (v.type == "volume" && !v.source.empty()) {
      auto vol = ctx.project.volumes.find(v.source);
      std::string claim = kube_name(v.source);
      if (vol != ctx.project.volumes.end() && vol->second.external) {
        claim = kube_name(vol->second.name);
        ctx.warn(svc.name, where + ": external volume " + vol->second.name + ": create the PersistentVolumeClaim " +
                               claim + " yourself");
      } else if (!ctx.claims.count(claim)) {
        Object pvc{"PersistentVolumeClaim", claim, "", Json::object()};
        pvc.body = {{"apiVersion", "v1"},
                    {"kind", "PersistentVolumeClaim"},
                    {"metadata", metadata(ctx, claim, "")},
                    {"spec",
                     {{"accessModes", {"ReadWriteOnce"}}, {"resources", {{"requests", {{"storage", "1Gi"}}}}}}}};
        ctx.claims[claim] = pvc;
        if (vol != ctx.project.volumes.end() && (!vol->second.driver.empty() || !vol->second.driver_opts.empty()))
          ctx.warn("", "volumes." + v.source + ": driver and driver_opts not converted");
      }
      volumes.add(claim, {{"persistentVolumeClaim", {{"claimName", claim}}}});
      m["name"] = claim;
      if (v.subpath) m["subPath"] = *v.subpath;
    } else if (v.type == "volume" || v.type == "tmpfs") {
      std::string name = kube_name(svc.name) + "-" + (v.type == "tmpfs" ? "tmpfs" : "anon") + "-" +
                         std::to_string(anonymous++);
      Json dir = Json::object();
      if (v.type == "tmpfs") dir["medium"] = "Memory";
      if (v.tmpfs_size) dir["sizeLimit"] = memory_quantity(*v.tmpfs_size);
      volumes.add(name, {{"emptyDir", dir}});
      m["name"] = name;
    } else if (v.type == "bind" && ctx.files.is_file(v.source)) {
      std::string key;
      auto cm = file_config_map(ctx, v.source, key);
      if (!cm) return cm.error();
      volumes.add(*cm, {{"configMap", {{"name", *cm}}}});
      m["name"] = *cm;
      m["subPath"] = key;
      if (!v.read_only)
        ctx.warn(svc.name, where + ": bind-mounted file " + relative_to(v.source, ctx.project.working_dir) +
                               " becomes a read-only ConfigMap");
      m["readOnly"] = true;
    } else {
      std::string name = kube_name(svc.name) + "-bind-" + std::to_string(anonymous++);
      volumes.add(name, {{"emptyDir", Json::object()}});
      m["name"] = name;
      ctx.warn(svc.name, where + ": " + v.type + " mount of " + relative_to(v.source, ctx.project.working_dir) +
                             " not converted (an empty emptyDir stands in; use a PersistentVolume or a ConfigMap)");
    }
    if (v.read_only) m["readOnly"] = true;
    // Keys in Kubernetes' usual order: name first.
    Json ordered = {{"name", m["name"]}};
    for (auto& [k, val] : m.items())
      if (k != "name") ordered[k] = val;
    mounts.push_back(ordered);
  }
  for (const auto& t : svc.tmpfs) {
    std::string name = kube_name(svc.name) + "-tmpfs-" + std::to_string(anonymous++);
    volumes.add(name, {{"emptyDir", {{"medium", "Memory"}}}});
    mounts.push_back({{"name", name}, {"mountPath", t.substr(0, t.find(':'))}});
  }
  auto file_refs = [&](const std::vector<model::FileReference>& refs, bool secret) -> Status {
    const auto& top = secret ? ctx.project.secrets : ctx.project.configs;
    for (const auto& ref : refs) {
      auto obj = top.find(ref.source);
      if (obj == top.end()) continue;  // validate() rejects this
      std::string name = kube_name(obj->second.external ? obj->second.name : ref.source);
      std::string key = data_key(ref.source);
      auto& pool = secret ? ctx.secrets : ctx.config_maps;
      if (obj->second.external) {
        ctx.warn(svc.name, std::string(secret ? "secrets." : "configs.") + ref.source + ": external, create the " +
                               (secret ? "Secret " : "ConfigMap ") + name + " (key " + key + ") yourself");
      } else if (!pool.count(name)) {
        std::optional<std::string> content = obj->second.content;
        if (obj->second.file) {
          auto text = ctx.files.read(*obj->second.file);
          if (!text) return text.error();
          content = *text;
        }
        Object o{secret ? "Secret" : "ConfigMap", name, "", Json::object()};
        o.body = {{"apiVersion", "v1"}, {"kind", o.kind}, {"metadata", metadata(ctx, name, "")}};
        if (!content) {
          ctx.warn(svc.name, std::string(secret ? "secrets." : "configs.") + ref.source +
                                 ": its value comes from the environment; fill in key " + key);
          content = "";
        }
        if (is_text(*content)) {
          o.body[secret ? "stringData" : "data"][key] = *content;
        } else {
          o.body[secret ? "data" : "binaryData"][key] = base64(*content);
        }
        if (secret) o.body["type"] = "Opaque";
        pool[name] = o;
      }
      std::string vol = (secret ? "secret-" : "config-") + name;
      Json source = secret ? Json{{"secret", {{"secretName", name}}}} : Json{{"configMap", {{"name", name}}}};
      if (ref.mode) source.begin().value()["defaultMode"] = *ref.mode;
      volumes.add(vol, source);
      std::string target = ref.target.value_or(secret ? "/run/secrets/" + ref.source : "/" + ref.source);
      if (!target.empty() && target[0] != '/') target = (secret ? "/run/secrets/" : "/") + target;
      mounts.push_back({{"name", vol}, {"mountPath", target}, {"subPath", key}, {"readOnly", true}});
      if (ref.uid || ref.gid)
        ctx.warn(svc.name, "services." + svc.name + (secret ? ".secrets." : ".configs.") + ref.source +
                               ": uid and gid not converted");
    }
    return Status();
  };
  if (auto s = file_refs(svc.configs, false); !s.ok()) return s.error();
  if (auto s = file_refs(svc.secrets, true); !s.ok()) return s.error();
  return mounts;
}

}  // namespace racker::convert::kube
