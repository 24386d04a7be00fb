// racker compose graph [--format dot|mermaid|svg] [-o FILE]: the project's
// dependency graph. svg is Graphviz's rendering of the dot text (`dot -Tsvg`).
#include <cstdio>
#include <memory>

#include "command.h"
#include "compose_config.h"
#include "compose_flags.h"
#include "graph_svg.h"
#include "racker/compose/graph.h"
#include "racker/convert/graph_render.h"

namespace racker::cli {
namespace {

struct GraphOptions {
  std::string format = "dot";
  std::string output;
};

int run_graph(const GraphOptions& o) {
  if (o.format != "dot" && o.format != "mermaid" && o.format != "svg") {
    std::fprintf(stderr, "unsupported format \"%s\" (dot, mermaid or svg)\n", o.format.c_str());
    return 1;
  }
  auto loaded = load_or_report(project_options());
  if (!loaded) return 1;
  auto graph = compose::DependencyGraph::build(loaded->project);
  if (!graph) {
    print_error(graph.error());
    return 1;
  }
  auto format = o.format == "mermaid" ? convert::GraphFormat::kMermaid : convert::GraphFormat::kDot;
  std::string text = convert::render_graph(loaded->project, *graph, format);
  if (o.format == "svg") {
    auto svg = dot_to_svg(text);
    if (!svg) {
      std::fprintf(stderr, "%s%s\n", svg.error().message.c_str(),
                   svg.error().code == Errc::kNotFound ? "; --format dot prints the graph without it" : "");
      return 1;
    }
    return write_output(*svg, o.output);
  }
  return write_output(text, o.output);
}

CommandRegistration register_compose_graph(Parent::kCompose, 12, [](CLI::App& parent, Context& ctx) {
  auto o = std::make_shared<GraphOptions>();
  auto* cmd = parent.add_subcommand("graph", "Print the dependency graph of the services");
  cmd->add_option("--format", o->format, "Output format. Values: [dot | mermaid | svg]")->capture_default_str();
  cmd->add_option("-o,--output", o->output, "Save to file (default to stdout)");
  cmd->callback([o, &ctx] { ctx.exit_code = run_graph(*o); });
});

}  // namespace
}  // namespace racker::cli
