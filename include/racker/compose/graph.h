#pragma once
// The service dependency graph: depends_on plus implicit edges from links,
// volumes_from, network_mode/ipc/pid `service:X`. Walks names in sorted order
// so orders and cycle messages are deterministic.

#include <map>
#include <set>
#include <string>
#include <vector>

#include "racker/compose/model.h"

namespace racker::compose {

enum class EdgeKind { kDependsOn, kLinks, kVolumesFrom, kNetworkMode, kIpc, kPid };

struct Edge {
  std::string from;  // the dependent service
  std::string to;    // the dependency
  EdgeKind kind = EdgeKind::kDependsOn;
  std::string condition = "service_started";  // depends_on condition; implicit edges: started
  bool required = true;
  bool restart = false;
};

class DependencyGraph {
 public:
  // Builds the graph of `project`. Errors: kCycle "cycle found: a -> b -> a",
  // kValidation for an edge to an undefined service (unless !required).
  static Result<DependencyGraph> build(const model::Project& project);

  const std::set<std::string>& services() const { return services_; }
  // Edges out of `service` (its dependencies), sorted by target.
  std::vector<Edge> dependencies_of(const std::string& service) const;
  // Services that depend on `service`, sorted.
  std::vector<std::string> dependents_of(const std::string& service) const;

  // Dependencies before dependents; ties broken by name.
  std::vector<std::string> start_order() const;
  // The reverse of start_order(): dependents stop first.
  std::vector<std::string> stop_order() const;
  // `selected` plus everything they transitively depend on (required or not
  // present), in start order. Unknown names: kNotFound "no such service: x".
  Result<std::vector<std::string>> with_dependencies(const std::vector<std::string>& selected) const;

 private:
  std::set<std::string> services_;
  std::map<std::string, std::vector<Edge>> out_;         // service -> its dependencies
  std::map<std::string, std::vector<std::string>> in_;   // service -> its dependents, sorted
};

}  // namespace racker::compose
