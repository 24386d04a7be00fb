#pragma once
// `racker compose convert --format kubernetes`: a project as Kubernetes
// objects (apps/v1 Deployments, v1 Services, PersistentVolumeClaims,
// ConfigMaps, Secrets, networking.k8s.io/v1 NetworkPolicies), one YAML
// document each, plus a kustomization.yaml listing them. The mapping, and
// what is not converted, is described in docs/convert.md; everything a
// project sets that the output does not carry is reported as a Warning.
//
// Pure: files the output embeds (env_file, configs, secrets, bind-mounted
// files) are read through `files`.

#include <map>
#include <string>
#include <vector>

#include "racker/compose/graph.h"
#include "racker/compose/host.h"
#include "racker/compose/model.h"
#include "racker/compose/node.h"
#include "racker/convert/output.h"

namespace racker::convert {

struct KubernetesInput {
  const compose::model::Project* project = nullptr;  // loaded and normalized
  const compose::DependencyGraph* graph = nullptr;   // built from *project
  // service -> its env_file paths, absolute, in order. normalize() merges
  // env_file contents into `environment`; these come from the document
  // loaded without normalization (see env_files_of).
  std::map<std::string, std::vector<std::string>> env_files;
};

// One file per object (`web-deployment.yaml`, ...) and kustomization.yaml;
// warnings about a service head its Deployment's file, all of them head
// kustomization.yaml. Errors: a file that cannot be read (kNotFound, kIo).
Result<Conversion> to_kubernetes(const KubernetesInput& input, compose::FileReader& files);

// The objects of `conversion` as one multi-document YAML stream (without
// kustomization.yaml), every warning as a comment at the top.
std::string kubernetes_stream(const Conversion& conversion);

// service -> env_file paths made absolute against `project_dir`, from a
// document loaded with normalization off (env_file still present).
std::map<std::string, std::vector<std::string>> env_files_of(const compose::Node& doc,
                                                             const std::string& project_dir);

}  // namespace racker::convert
