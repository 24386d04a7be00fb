#pragma once
// `racker compose convert --format systemd`: a project as native systemd
// units, so a systemd host can run it at boot without racker:
//   <machine>.nspawn                   /etc/systemd/nspawn/  (machine = <project>-<service>)
//   racker-<machine>.service           /etc/systemd/system/  (systemd-nspawn@.service's shape;
//                                      After=/Requires=/Wants= from depends_on, Restart= from restart)
//   racker-<project>.target            /etc/systemd/system/  (wants every service; enable this)
//   racker-<project>-<net>.netdev/.network  /etc/systemd/network/  (a bridge per network)
// Each container's root file system is /var/lib/machines/<machine>; named
// volumes are directories under /var/lib/racker-units/<project>/volumes/.
// What does not map (health checks, DNS names, ...) comes back as warnings
// and as comments in the files.

#include <string>

#include "racker/compose/graph.h"
#include "racker/compose/model.h"
#include "racker/convert/output.h"

namespace racker::convert {

Result<Conversion> to_systemd(const compose::model::Project& project, const compose::DependencyGraph& graph);

// Every file, each after a "# ==> NAME <==" line, for printing.
std::string systemd_listing(const Conversion& conversion);

// The bridge interface of a network: "<project>-<net>" when it fits the
// kernel's 15 bytes, else a prefix of it and a hash.
std::string bridge_name(const std::string& project, const std::string& network);

}  // namespace racker::convert
