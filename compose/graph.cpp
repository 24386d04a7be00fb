#include "racker/compose/graph.h"

#include <algorithm>
#include <functional>

namespace racker::compose {
namespace {

// "service:foo" -> "foo"; anything else -> "".
std::string service_ref(const std::optional<std::string>& mode) {
  const std::string prefix = "service:";
  if (!mode || mode->compare(0, prefix.size(), prefix) != 0) return "";
  return mode->substr(prefix.size());
}

// links entries are "service" or "service:alias".
std::string link_target(const std::string& link) { return link.substr(0, link.find(':')); }

// volumes_from entries are "service[:ro|rw]" or "container:name[:mode]".
std::string volumes_from_target(const std::string& entry) {
  if (entry.compare(0, 10, "container:") == 0) return "";
  return entry.substr(0, entry.find(':'));
}

const char* edge_key(EdgeKind kind) {
  switch (kind) {
    case EdgeKind::kDependsOn: return "depends_on";
    case EdgeKind::kLinks: return "links";
    case EdgeKind::kVolumesFrom: return "volumes_from";
    case EdgeKind::kNetworkMode: return "network_mode";
    case EdgeKind::kIpc: return "ipc";
    case EdgeKind::kPid: return "pid";
  }
  return "depends_on";
}

}  // namespace

Result<DependencyGraph> DependencyGraph::build(const model::Project& project) {
  DependencyGraph g;
  for (const auto& [name, _] : project.services) g.services_.insert(name);

  for (const auto& [name, svc] : project.services) {
    std::vector<Edge> edges;
    const std::string& from = name;  // clang 14 cannot capture structured bindings
    auto add = [&](std::string to, EdgeKind kind, std::string condition, bool required, bool restart) {
      if (to.empty()) return;
      for (auto& e : edges) {
        if (e.to == to) {  // depends_on wins over implicit edges; keep the first
          return;
        }
      }
      edges.push_back(Edge{from, std::move(to), kind, std::move(condition), required, restart});
    };
    for (const auto& [dep, d] : svc.depends_on) add(dep, EdgeKind::kDependsOn, d.condition, d.required, d.restart);
    for (const auto& l : svc.links) add(link_target(l), EdgeKind::kLinks, "service_started", true, false);
    for (const auto& v : svc.volumes_from)
      add(volumes_from_target(v), EdgeKind::kVolumesFrom, "service_started", true, false);
    add(service_ref(svc.network_mode), EdgeKind::kNetworkMode, "service_started", true, false);
    add(service_ref(svc.ipc), EdgeKind::kIpc, "service_started", true, false);
    add(service_ref(svc.pid), EdgeKind::kPid, "service_started", true, false);

    std::vector<Edge> kept;
    for (auto& e : edges) {
      if (g.services_.count(e.to)) {
        kept.push_back(std::move(e));
        continue;
      }
      if (!e.required) continue;  // an optional dependency that is not there is fine
      std::string path = "services." + name + "." + edge_key(e.kind);
      auto mark = project.mark_of(e.kind == EdgeKind::kDependsOn ? path + "." + e.to : path);
      return Error(Errc::kValidation, "service \"" + name + "\" depends on undefined service \"" + e.to + "\"",
                   path, mark);
    }
    std::sort(kept.begin(), kept.end(), [](const Edge& a, const Edge& b) { return a.to < b.to; });
    for (const auto& e : kept) g.in_[e.to].push_back(name);  // names come in sorted order
    g.out_[name] = std::move(kept);
  }

  // Cycle detection: depth-first in name order so the reported cycle is stable.
  enum class Color { kWhite, kGrey, kBlack };
  std::map<std::string, Color> color;
  std::vector<std::string> stack;
  std::function<std::optional<Error>(const std::string&)> visit = [&](const std::string& s) -> std::optional<Error> {
    color[s] = Color::kGrey;
    stack.push_back(s);
    for (const auto& e : g.out_[s]) {
      if (color[e.to] == Color::kGrey) {
        auto start = std::find(stack.begin(), stack.end(), e.to);
        std::string msg = "cycle found: ";
        for (auto it = start; it != stack.end(); ++it) msg += *it + " -> ";
        msg += e.to;
        // Point at the first edge of the cycle: the cycle's first service's reference to the next.
        const std::string& first = *start;
        const std::string& next = start + 1 == stack.end() ? e.to : *(start + 1);
        std::string path = "services." + first + ".depends_on";
        for (const auto& fe : g.out_[first]) {
          if (fe.to == next) path = "services." + first + "." + edge_key(fe.kind);
        }
        std::optional<Mark> mark = project.mark_of(path + "." + next);
        if (!mark) mark = project.mark_of(path);
        return Error(Errc::kCycle, msg, path, mark);
      }
      if (color[e.to] == Color::kWhite) {
        if (auto err = visit(e.to)) return err;
      }
    }
    stack.pop_back();
    color[s] = Color::kBlack;
    return std::nullopt;
  };
  for (const auto& s : g.services_) {
    if (color[s] == Color::kWhite) {
      if (auto err = visit(s)) return *err;
    }
  }
  return g;
}

std::vector<Edge> DependencyGraph::dependencies_of(const std::string& service) const {
  auto it = out_.find(service);
  return it == out_.end() ? std::vector<Edge>{} : it->second;
}

std::vector<std::string> DependencyGraph::dependents_of(const std::string& service) const {
  auto it = in_.find(service);
  return it == in_.end() ? std::vector<std::string>{} : it->second;
}

std::vector<std::string> DependencyGraph::start_order() const {
  // Kahn's algorithm with a sorted ready set: deterministic, dependencies first.
  std::map<std::string, size_t> pending;
  for (const auto& s : services_) pending[s] = dependencies_of(s).size();
  std::set<std::string> ready;
  for (const auto& [s, n] : pending)
    if (n == 0) ready.insert(s);
  std::vector<std::string> order;
  while (!ready.empty()) {
    std::string s = *ready.begin();
    ready.erase(ready.begin());
    order.push_back(s);
    for (const auto& d : dependents_of(s)) {
      if (--pending[d] == 0) ready.insert(d);
    }
  }
  return order;
}

std::vector<std::string> DependencyGraph::stop_order() const {
  auto order = start_order();
  std::reverse(order.begin(), order.end());
  return order;
}

Result<std::vector<std::string>> DependencyGraph::with_dependencies(const std::vector<std::string>& selected) const {
  std::set<std::string> wanted;
  std::function<void(const std::string&)> add = [&](const std::string& s) {
    if (!wanted.insert(s).second) return;
    for (const auto& e : dependencies_of(s)) add(e.to);
  };
  for (const auto& s : selected) {
    if (!services_.count(s)) return Error(Errc::kNotFound, "no such service: " + s);
    add(s);
  }
  std::vector<std::string> out;
  for (const auto& s : start_order())
    if (wanted.count(s)) out.push_back(s);
  return out;
}

}  // namespace racker::compose
