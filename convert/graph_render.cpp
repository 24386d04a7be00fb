#include "racker/convert/graph_render.h"

#include <cctype>
#include <map>
#include <set>
#include <vector>

#include "racker/compose/groups.h"

namespace racker::convert {
namespace {

using compose::Edge;
using compose::EdgeKind;

const char* implicit_key(EdgeKind kind) {
  switch (kind) {
    case EdgeKind::kLinks: return "links";
    case EdgeKind::kVolumesFrom: return "volumes_from";
    case EdgeKind::kNetworkMode: return "network_mode";
    case EdgeKind::kIpc: return "ipc";
    case EdgeKind::kPid: return "pid";
    case EdgeKind::kDependsOn: break;
  }
  return "depends_on";
}

// "service_healthy", "service_started, restart, optional", "links".
std::string edge_label(const Edge& e) {
  if (e.kind != EdgeKind::kDependsOn) return implicit_key(e.kind);
  std::string label = e.condition;
  if (e.restart) label += ", restart";
  if (!e.required) label += ", optional";
  return label;
}

// Services by group ("" = ungrouped), each list sorted.
std::map<std::string, std::vector<std::string>> by_group(const compose::model::Project& project,
                                                         const compose::DependencyGraph& graph) {
  auto groups = compose::read_groups(project).group_of;
  std::map<std::string, std::vector<std::string>> out;
  for (const auto& s : graph.services()) {
    auto it = groups.find(s);
    out[it == groups.end() ? "" : it->second].push_back(s);
  }
  return out;
}

std::string dot_quote(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

std::string render_dot(const compose::model::Project& project, const compose::DependencyGraph& graph) {
  std::string out = "digraph " + dot_quote(project.name) + " {\n";
  out += "  rankdir=LR;\n";
  out += "  node [shape=box, style=rounded];\n";
  int cluster = 0;
  for (const auto& [group, services] : by_group(project, graph)) {
    std::string indent = "  ";
    if (!group.empty()) {
      // Graphviz draws a subgraph as a box only when its name starts with "cluster".
      out += "  subgraph cluster_" + std::to_string(cluster++) + " {\n";
      out += "    label=" + dot_quote(group) + ";\n";
      out += "    style=dashed;\n";
      indent = "    ";
    }
    for (const auto& s : services) out += indent + dot_quote(s) + ";\n";
    if (!group.empty()) out += "  }\n";
  }
  for (const auto& s : graph.services()) {
    for (const auto& e : graph.dependencies_of(s)) {
      out += "  " + dot_quote(e.from) + " -> " + dot_quote(e.to) + " [label=" + dot_quote(edge_label(e));
      if (e.kind != EdgeKind::kDependsOn) out += ", style=dashed";
      if (!e.required) out += ", style=dotted";
      out += "];\n";
    }
  }
  return out + "}\n";
}

// Mermaid ids: letters, digits and '_' only, unique.
std::map<std::string, std::string> mermaid_ids(const std::set<std::string>& services) {
  std::map<std::string, std::string> ids;
  std::set<std::string> used;
  for (const auto& s : services) {
    std::string id = "svc_";
    for (unsigned char c : s) id += std::isalnum(c) ? static_cast<char>(c) : '_';
    std::string unique = id;
    for (int n = 2; used.count(unique); ++n) unique = id + "_" + std::to_string(n);
    used.insert(unique);
    ids[s] = unique;
  }
  return ids;
}

// Mermaid has no backslash escapes; quotes are written as an entity.
std::string mermaid_text(const std::string& s) {
  std::string out = "\"";
  for (char c : s) out += c == '"' ? std::string("#quot;") : std::string(1, c);
  return out + "\"";
}

std::string render_mermaid(const compose::model::Project& project, const compose::DependencyGraph& graph) {
  auto ids = mermaid_ids(graph.services());
  std::string out = "flowchart LR\n";
  int cluster = 0;
  for (const auto& [group, services] : by_group(project, graph)) {
    std::string indent = "  ";
    if (!group.empty()) {
      out += "  subgraph group_" + std::to_string(cluster++) + "[" + mermaid_text(group) + "]\n";
      indent = "    ";
    }
    for (const auto& s : services) out += indent + ids[s] + "[" + mermaid_text(s) + "]\n";
    if (!group.empty()) out += "  end\n";
  }
  for (const auto& s : graph.services()) {
    for (const auto& e : graph.dependencies_of(s)) {
      const char* arrow = e.kind != EdgeKind::kDependsOn ? " -.->" : e.required ? " -->" : " -.->";
      out += "  " + ids[e.from] + arrow + "|" + mermaid_text(edge_label(e)) + "| " + ids[e.to] + "\n";
    }
  }
  return out;
}

}  // namespace

std::string render_graph(const compose::model::Project& project, const compose::DependencyGraph& graph,
                         GraphFormat format) {
  return format == GraphFormat::kDot ? render_dot(project, graph) : render_mermaid(project, graph);
}

}  // namespace racker::convert
