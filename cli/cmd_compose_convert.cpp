// racker compose convert: docker compose's alias of `config`, plus
// --format kubernetes|systemd [-o DIR], which write the project as
// Kubernetes objects or as systemd-nspawn/networkd units.
#include <spdlog/spdlog.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>

#include "command.h"
#include "compose_config.h"
#include "compose_flags.h"
#include "racker/compose/graph.h"
#include "racker/convert/kubernetes.h"
#include "racker/convert/systemd.h"

namespace racker::cli {
namespace {

// Files into `dir` (made if missing), or one listing on stdout.
int write_conversion(const convert::Conversion& c, const std::string& dir, const std::string& listing) {
  for (const auto& w : c.warnings) spdlog::warn("{}", w.text);
  if (dir.empty()) {
    std::fputs(listing.c_str(), stdout);
    return 0;
  }
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) {
    std::fprintf(stderr, "mkdir %s: %s\n", dir.c_str(), ec.message().c_str());
    return 1;
  }
  for (const auto& f : c.files)
    if (int code = write_output(f.content, dir + "/" + f.name); code != 0) return code;
  return 0;
}

int run_convert(const ConfigOptions& o) {
  if (o.format != "kubernetes" && o.format != "systemd") return run_config(o);
  compose::ProjectOptions opts = project_options();
  auto loaded = load_or_report(opts);
  if (!loaded) return 1;
  auto graph = compose::DependencyGraph::build(loaded->project);
  if (!graph) {
    print_error(graph.error());
    return 1;
  }
  compose::DiskFileReader files;
  Result<convert::Conversion> conversion = Error(Errc::kInternal, "no conversion");
  std::string listing;
  if (o.format == "kubernetes") {
    convert::KubernetesInput in{&loaded->project, &*graph, {}};
    // normalize() merges env_file into environment; the files themselves
    // (ConfigMaps) come from the document before normalization.
    compose::ProjectOptions raw = opts;
    raw.normalize = false;
    raw.validate = false;
    auto unnormalized = compose::load_project(raw, files, compose::process_environment());
    if (unnormalized) in.env_files = convert::env_files_of(unnormalized->doc, loaded->source.project_dir);
    conversion = convert::to_kubernetes(in, files);
    if (conversion) listing = convert::kubernetes_stream(*conversion);
  } else {
    conversion = convert::to_systemd(loaded->project, *graph);
    if (conversion) listing = convert::systemd_listing(*conversion);
  }
  if (!conversion) {
    print_error(conversion.error());
    return 1;
  }
  return write_conversion(*conversion, o.output, listing);
}

CommandRegistration register_compose_convert(Parent::kCompose, 11, [](CLI::App& parent, Context& ctx) {
  auto o = std::make_shared<ConfigOptions>();
  auto* cmd = parent.add_subcommand(
      "convert", "Like config; with --format kubernetes or systemd, write the project as Kubernetes objects or "
                 "systemd units (-o DIR: one file each)");
  cmd->add_option("--format", o->format, "Format the output. Values: [yaml | json | kubernetes | systemd]")
      ->capture_default_str();
  add_config_flags(*cmd, *o);
  cmd->callback([o, &ctx] { ctx.exit_code = run_convert(*o); });
});

}  // namespace
}  // namespace racker::cli
