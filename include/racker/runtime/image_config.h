#pragma once
// The parts of an OCI/docker image config the runtime needs to start a
// container: process defaults (Env, Entrypoint, Cmd, WorkingDir, User),
// metadata (ExposedPorts, Volumes, Labels, StopSignal, Healthcheck) and the
// layer diff-IDs that name the unpacked layers. Pure: parses bytes.

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "racker/runtime/digest.h"
#include "racker/util/error.h"

namespace racker::runtime {

// os/architecture[/variant], as in OCI image indexes and `--platform`.
struct Platform {
  std::string os = "linux";
  std::string architecture;  // GOARCH names: amd64, arm64, arm, 386, ppc64le, s390x
  std::string variant;       // "v7" for arm, "v8" for arm64 (optional)

  std::string str() const;  // "linux/arm64/v8"
  bool operator==(const Platform&) const = default;
};

// kInvalidArgument unless "os/arch[/variant]".
Result<Platform> parse_platform(std::string_view text);
// The platform this binary runs on, by uname(2) machine.
Platform host_platform();

// Docker's HEALTHCHECK; durations are zero when unset (runtime defaults apply).
struct HealthcheckConfig {
  std::vector<std::string> test;  // ["CMD", ...], ["CMD-SHELL", "..."] or ["NONE"]
  std::chrono::nanoseconds interval{0}, timeout{0}, start_period{0};
  int retries = 0;
};

struct ImageConfig {
  Platform platform;
  std::string created;  // RFC 3339 as written by the builder; may be empty
  std::string author;

  std::vector<std::string> env;         // "KEY=value", in image order
  std::vector<std::string> entrypoint;
  std::vector<std::string> cmd;
  std::string working_dir;
  std::string user;
  std::vector<std::string> exposed_ports;  // "80/tcp", sorted
  std::vector<std::string> volumes;        // container paths, sorted
  std::map<std::string, std::string> labels;
  std::string stop_signal;                 // "SIGTERM" etc.; empty when unset
  std::optional<HealthcheckConfig> healthcheck;

  std::vector<Digest> diff_ids;  // rootfs.diff_ids: uncompressed layer digests, lowest first
};

// Parses an image config blob (application/vnd.oci.image.config.v1+json or
// docker's container image JSON). kParse on malformed JSON or a bad diff-ID.
Result<ImageConfig> parse_image_config(std::string_view json);

// The config as `racker image inspect` shows it (docker's "Config" object
// keys: Env, Entrypoint, Cmd, WorkingDir, User, ExposedPorts, ...), as JSON text.
std::string image_config_to_json(const ImageConfig& config);

}  // namespace racker::runtime
