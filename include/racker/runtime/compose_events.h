#pragma once
// `racker compose events`: container events printed as docker compose
// prints them, one per line, either
//   2024-01-02 03:04:05.123456 container start <id> (image=busybox, name=p-web-1)
// or with --json
//   {"action":"start","attributes":{...},"id":"<id>","service":"web","time":"...","type":"container"}
// Attributes are the container's labels without the com.docker.compose.*
// ones, plus image, name, and exitCode for a die.

#include <chrono>
#include <string>

#include "racker/runtime/project_watch.h"

namespace racker::runtime {

// Docker's action: "start", "die", "health_status: healthy", ...
std::string compose_event_action(const ContainerEvent& event);

std::string format_compose_event(const ContainerEvent& event, std::chrono::system_clock::time_point when, bool json);

}  // namespace racker::runtime
