// racker compose graph [--format dot|mermaid|svg] [-o FILE]: the project's
// dependency graph. svg is Graphviz's rendering of the dot text (`dot -Tsvg`).
#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <memory>

#include "command.h"
#include "compose_config.h"
#include "compose_flags.h"
#include "racker/compose/graph.h"
#include "racker/convert/graph_render.h"

extern char** environ;

namespace racker::cli {
namespace {

struct GraphOptions {
  std::string format = "dot";
  std::string output;
};

// Feeds `dot_text` to `dot -Tsvg` on its stdin; the svg goes to `output` or our stdout.
int render_svg(const std::string& dot_text, const std::string& output) {
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) {
    std::fprintf(stderr, "pipe: %s\n", std::strerror(errno));
    return 1;
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, fds[0], 0);
  std::vector<std::string> args = {"dot", "-Tsvg"};
  if (!output.empty()) args.insert(args.end(), {"-o", output});
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t pid = 0;
  int rc = posix_spawnp(&pid, "dot", &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  close(fds[0]);
  if (rc != 0) {
    close(fds[1]);
    if (rc == ENOENT) {
      std::fprintf(stderr,
                   "--format svg needs Graphviz's dot, which is not in PATH "
                   "(Debian: apt-get install graphviz); --format dot prints the graph without it\n");
    } else {
      std::fprintf(stderr, "run dot: %s\n", std::strerror(rc));
    }
    return 1;
  }
  size_t done = 0;
  while (done < dot_text.size()) {
    ssize_t n = write(fds[1], dot_text.data() + done, dot_text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;  // dot exited early: its status says why
    done += static_cast<size_t>(n);
  }
  close(fds[1]);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    std::fprintf(stderr, "dot -Tsvg failed (status %d)\n", WIFEXITED(status) ? WEXITSTATUS(status) : -1);
    return 1;
  }
  return 0;
}

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
  if (o.format == "svg") return render_svg(text, o.output);
  return write_output(text, o.output);
}

CommandRegistration reg(Parent::kCompose, 12, [](CLI::App& parent, Context& ctx) {
  auto o = std::make_shared<GraphOptions>();
  auto* cmd = parent.add_subcommand("graph", "Print the dependency graph of the services");
  cmd->add_option("--format", o->format, "Output format. Values: [dot | mermaid | svg]")->capture_default_str();
  cmd->add_option("-o,--output", o->output, "Save to file (default to stdout)");
  cmd->callback([o, &ctx] { ctx.exit_code = run_graph(*o); });
});

}  // namespace
}  // namespace racker::cli
