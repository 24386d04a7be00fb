#pragma once
// The dashboard's one page: HTML, CSS and script in one document with no
// outside resources (machines running racker are often offline). The script
// renders the services table and the log pane from the event stream
// (/api/events: `reset`, `services`, `log` events) and shows /api/graph.svg,
// or the DOT text from /api/graph.dot when Graphviz is missing.

#include <string>

namespace racker::cli {

std::string dashboard_page(const std::string& project);

}  // namespace racker::cli
