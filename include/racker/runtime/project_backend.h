#pragma once
// The real ProjectBackend: images from the local store (pulled from their
// registry when asked), container specs from the compose service
// (service_container.h) merged with the image's defaults, and the files a
// container needs (generated secrets/configs, missing bind sources)
// written first. Safe to call from several pool threads at once.

#include <functional>
#include <map>
#include <mutex>
#include <string>

#include "racker/compose/host.h"
#include "racker/compose/model.h"
#include "racker/compose/node.h"
#include "racker/runtime/compose_executor.h"
#include "racker/runtime/compose_plan.h"
#include "racker/runtime/image_store.h"
#include "racker/runtime/service_container.h"

namespace racker::runtime {

class LocalProjectBackend : public ProjectBackend {
 public:
  // All references must outlive the backend. `doc` is the normalized
  // document (for config hashes), `environment` the project's variables.
  LocalProjectBackend(const compose::model::Project& project, const compose::Node& doc, LocalImageStore& images,
                      std::string racker_root, const compose::EnvMap& environment);

  Status pull_image(const std::string& reference) override;
  Result<ContainerSpec> container_spec(const std::string& service, int number) override;
  // A `compose run` container: replica settings plus the run's overrides
  // applied by `adjust` before the merge with the image.
  Result<ContainerSpec> oneoff_spec(const std::string& service, const std::string& slug,
                                    const std::function<void(ContainerSettings&)>& adjust);

  // What the planner compares against: config hashes and local image ids.
  DesiredState desired_state() const;
  // Warnings about keys racker ignores, once per service.
  std::vector<std::string> translation_warnings() const;

 private:
  void group_hashes();
  Result<ContainerSpec> build_spec(const std::string& service, const ServiceContainerOptions& options,
                                   const std::function<void(ContainerSettings&)>& adjust);

  const compose::model::Project& project_;
  std::map<std::string, std::string> hashes_;
  LocalImageStore& images_;
  std::string racker_root_;
  const compose::EnvMap& environment_;
  std::mutex files_mutex_;  // generated files are shared by a service's replicas
};

}  // namespace racker::runtime
