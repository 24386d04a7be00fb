#pragma once
// A compose service as container settings: what docker compose v2 hands
// the engine for replica n of a service, translated for racker's runtime.
// Pure: reads the typed project, writes nothing (files racker must write
// before creating the container, such as secrets given as environment or
// content, are returned in `files`).
//
// Names and labels follow docker compose v2, so `ps`, the planner and an
// adopting supervisor find a project's containers by labels alone:
//   <project>-<service>-<n>, or `container_name`; one-off containers
//   <project>-<service>-run-<12 hex>;
//   com.docker.compose.{project, service, container-number, config-hash,
//   oneoff, project.working_dir, project.config_files, depends_on, image}.
//
// Keys racker does not implement produce a warning (never silent
// misbehaviour); the caller prints each once.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "racker/compose/host.h"
#include "racker/compose/model.h"
#include "racker/runtime/container_spec.h"
#include "racker/runtime/image_config.h"
#include "racker/util/error.h"

namespace racker::runtime {

inline constexpr const char* kLabelProject = "com.docker.compose.project";
inline constexpr const char* kLabelService = "com.docker.compose.service";
inline constexpr const char* kLabelNumber = "com.docker.compose.container-number";
inline constexpr const char* kLabelConfigHash = "com.docker.compose.config-hash";
inline constexpr const char* kLabelOneoff = "com.docker.compose.oneoff";
inline constexpr const char* kLabelSlug = "com.docker.compose.slug";
inline constexpr const char* kLabelWorkingDir = "com.docker.compose.project.working_dir";
inline constexpr const char* kLabelConfigFiles = "com.docker.compose.project.config_files";
inline constexpr const char* kLabelDependsOn = "com.docker.compose.depends_on";
inline constexpr const char* kLabelImage = "com.docker.compose.image";
inline constexpr const char* kLabelVersion = "com.docker.compose.version";
// racker's groups (compose_groups.h): a member's group, the group's own
// container, a member's place in its group's start order.
inline constexpr const char* kLabelGroup = "io.racker.group";
inline constexpr const char* kLabelGroupHost = "io.racker.group-host";
inline constexpr const char* kLabelGroupOrder = "io.racker.group-order";
// The container ports ("80/tcp,53/udp") a member publishes through its group.
inline constexpr const char* kLabelGroupPorts = "io.racker.group-ports";
// Boot groups (boot_unit.h): the machine boots systemd; each member is a unit
// (kLabelBootUnit: its name) whose settings the labels below carry, since the
// member's own record keeps restart "no" and SIGTERM for the follower.
inline constexpr const char* kLabelGroupBoot = "io.racker.group-boot";
inline constexpr const char* kLabelBootUnit = "io.racker.boot-unit";
inline constexpr const char* kLabelBootRequires = "io.racker.boot-requires";
inline constexpr const char* kLabelBootWants = "io.racker.boot-wants";
inline constexpr const char* kLabelBootRestart = "io.racker.boot-restart";
inline constexpr const char* kLabelBootStopSignal = "io.racker.boot-stop-signal";
inline constexpr const char* kLabelBootStopGrace = "io.racker.boot-stop-grace";

struct ServiceContainerOptions {
  int number = 1;
  std::string config_hash;          // compose::service_config_hash of the service
  std::string image_id;             // "sha256:..." when known (com.docker.compose.image)
  bool oneoff = false;              // `compose run`
  std::string slug;                 // one-off: 64 hex digits, the name uses the first 12
  std::string project_state_dir;    // generated secret/config files go under here
  const compose::EnvMap* environment = nullptr;  // for secrets with `environment:`
};

// A file to write (mode, contents) before the container is created.
struct GeneratedFile {
  std::string path;
  std::string content;
  uint32_t mode = 0444;
};

struct ServiceContainer {
  std::string name;
  ContainerSettings settings;
  std::optional<compose::model::HealthCheck> healthcheck;  // merged with the image's by effective_healthcheck
  std::vector<GeneratedFile> files;
  std::vector<std::string> bind_dirs;  // bind sources to create when missing (create_host_path)
  std::vector<std::string> warnings;
};

// Errors: kInvalidArgument for values the runtime cannot take (a bad
// restart policy, a secret whose source is missing).
Result<ServiceContainer> translate_service(const compose::model::Project& project,
                                           const compose::model::Service& service,
                                           const ServiceContainerOptions& options);

// The healthcheck racker runs: the service's fields over the image's, docker's
// defaults for the rest (interval 30s, timeout 30s, start_period 0,
// start_interval 5s, retries 3). None when neither has one, when the test is
// ["NONE"], or with `disable: true`.
std::optional<HealthcheckSpec> effective_healthcheck(const std::optional<compose::model::HealthCheck>& service,
                                                     const std::optional<HealthcheckConfig>& image);

// <project>-<service>-<n>, or the service's container_name.
std::string service_container_name(const std::string& project, const compose::model::Service& service, int number);
// <project>-<service>-run-<first 12 of slug>.
std::string oneoff_container_name(const std::string& project, const std::string& service, const std::string& slug);
// Docker's com.docker.compose.depends_on value: "db:service_healthy:false,...", sorted.
std::string depends_on_label(const compose::model::Service& service);

// The image a service runs: `image:`, else docker compose's default name
// for a built image, <project>-<service>.
std::string service_image(const std::string& project, const compose::model::Service& service);

}  // namespace racker::runtime
