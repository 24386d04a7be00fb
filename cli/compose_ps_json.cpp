#include "compose_ps_json.h"

#include "container_cli.h"
#include "racker/runtime/container_state.h"
#include "racker/runtime/service_container.h"

namespace racker::cli {

nlohmann::json compose_ps_json(const runtime::ContainerInfo& c, const PublishedPortsView& ports) {
  std::string labels;
  for (const auto& [k, v] : c.spec.labels) labels += (labels.empty() ? "" : ",") + k + "=" + v;
  return {{"Command", "\"" + command_text(c.spec) + "\""},
          {"CreatedAt", c.spec.created},
          {"ExitCode", c.state.exit_code},
          {"Health", c.state.health.status},
          {"ID", c.spec.id},
          {"Image", c.spec.image},
          {"Labels", labels},
          {"LocalVolumes", "0"},
          {"Mounts", ""},
          {"Name", c.spec.name},
          {"Names", c.spec.name},
          {"Networks", c.spec.network_mode},
          {"Project", label_of(c, runtime::kLabelProject)},
          {"Publishers", PublishedPortsView::publishers(ports.of(c), c.spec.exposed_ports)},
          {"RunningFor", human_since(c.spec.created) + " ago"},
          {"Service", label_of(c, runtime::kLabelService)},
          {"Group", label_of(c, runtime::kLabelGroup)},
          {"Size", "0B"},
          {"State", runtime::state_status_name(c.state)},
          {"Status", human_status(c)}};
}

}  // namespace racker::cli
