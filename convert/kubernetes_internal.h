#pragma once
// Private to convert/kubernetes*.cpp: the state one conversion shares.

#include <map>
#include <set>
#include <string>
#include <vector>

#include "kube_names.h"
#include "racker/convert/kubernetes.h"
#include "yaml_emit.h"

namespace racker::convert::kube {

namespace model = compose::model;

struct Object {
  std::string kind, name, subject;  // subject: the service it belongs to ("" for shared ones)
  Json body;
};

struct Context {
  const KubernetesInput& in;
  compose::FileReader& files;
  const model::Project& project;
  std::vector<Warning> warnings;
  // Shared objects by name, created once however many services use them.
  std::map<std::string, Object> config_maps, secrets, claims;
  // Services run as init containers of their dependents instead of Deployments.
  std::set<std::string> init_only;

  // Once per subject and text: an init container stands in inside every pod
  // that waits for it, and each would repeat its own warnings.
  void warn(const std::string& subject, const std::string& text) {
    for (const auto& w : warnings)
      if (w.subject == subject && w.text == text) return;
    warnings.push_back({subject, text});
  }
  // The labels every object of a service carries; its pods are selected by them.
  Json selector(const std::string& service) const;
};

// A pod's volumes by name, each added once however many mounts use it.
struct Volumes {
  Json list = Json::array();
  std::set<std::string> names;
  void add(const std::string& name, Json source) {
    if (!names.insert(name).second) return;
    Json v = {{"name", name}};
    for (auto& [k, val] : source.items()) v[k] = val;
    list.push_back(std::move(v));
  }
};

Json metadata(const Context& ctx, const std::string& name, const std::string& service);

// A pod's containers and volumes for `service` (its init containers, the
// services it waits for to complete, included). Adds ConfigMaps, Secrets
// and claims to ctx.
Result<Json> pod_spec(Context& ctx, const std::string& service);

// The container's volumeMounts for svc's volumes, tmpfs, configs and
// secrets; adds their sources to `volumes` and claims/ConfigMaps/Secrets to ctx.
Result<Json> volume_mounts(Context& ctx, const model::Service& svc, Volumes& volumes);

// Network labels of a pod ("network.racker.io/<net>": "true").
std::string network_label(const std::string& network);

// Warnings for the keys of `svc` that pod_spec and the Service do not carry.
void warn_unconverted(Context& ctx, const model::Service& svc);

}  // namespace racker::convert::kube
