#pragma once
// `racker inspect`: a container as docker's inspect JSON object (Id, Name,
// Path, Args, State, Image, Config, HostConfig, Mounts, ...), and the small
// subset of Go templates `--format` takes: "{{.State.ExitCode}}",
// "{{json .Config}}", literal text around them.

#include <string>

#include "racker/runtime/container_driver.h"
#include "racker/util/error.h"

namespace racker::runtime {

// The object as JSON text (pretty-printed with `indent` >= 0).
std::string container_inspect_json(const ContainerInfo& info, const std::string& volumes_dir, int indent = 4);

// Applies a --format template to the inspect object. kInvalidArgument for
// template syntax racker does not support.
Result<std::string> format_inspect(const std::string& inspect_json, const std::string& format);

}  // namespace racker::runtime
