#pragma once
// `racker compose graph`: the dependency graph as Graphviz DOT or a Mermaid
// flowchart. Nodes are services (inside a cluster/subgraph per x-racker
// group); an edge goes from a service to what it depends on, labelled with
// the depends_on condition and its flags (restart, optional). Implicit edges
// (links, volumes_from, network_mode/ipc/pid service:X) are dashed and
// labelled with their key. Output is deterministic: names sorted.

#include <string>

#include "racker/compose/graph.h"
#include "racker/compose/model.h"

namespace racker::convert {

enum class GraphFormat { kDot, kMermaid };

// The graph of `project` (`graph` must be built from it) in `format`.
std::string render_graph(const compose::model::Project& project, const compose::DependencyGraph& graph,
                         GraphFormat format);

}  // namespace racker::convert
