// racker compose config: the loaded project in canonical form, or parts of it.
#include <algorithm>
#include <cstdio>
#include <fstream>
#include <memory>

#include "command.h"
#include "compose_config.h"
#include "heap_reserve.h"
#include "compose_flags.h"
#include "racker/compose/graph.h"
#include "racker/compose/profiles.h"
#include "racker/compose/serialize.h"
#include "racker/compose/variables.h"

namespace racker::cli {
namespace {

// Keys of a top-level section, in order.
std::vector<std::string> section_keys(const compose::Node& doc, const char* section) {
  std::vector<std::string> out;
  if (const compose::Node* s = doc.find(section)) {
    for (const auto& e : s->entries) out.push_back(e.key);
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::string escape_dollars(const std::string& text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    out += c;
    if (c == '$') out += '$';
  }
  return out;
}

}  // namespace

int write_output(const std::string& text, const std::string& path) {
  if (path.empty()) {
    std::fputs(text.c_str(), stdout);
    return 0;
  }
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  if (!out) {
    std::fprintf(stderr, "open %s: cannot write\n", path.c_str());
    return 1;
  }
  return 0;
}

int run_config(const ConfigOptions& o) {
  reserve_heap_with_huge_pages(30u << 20);
  compose::ProjectOptions opts = project_options();
  opts.interpolate = !o.no_interpolate;
  opts.normalize = !o.no_normalize;
  if (o.profiles) opts.profiles = {"*"};  // --profiles lists every profile, active or not

  if (o.variables) {
    compose::DiskFileReader files;
    auto source = compose::resolve_source(opts, files, compose::process_environment());
    if (!source) {
      print_error(source.error());
      return 1;
    }
    auto vars = compose::collect_variables(source->files, files);
    if (!vars) {
      print_error(vars.error());
      return 1;
    }
    std::fputs(compose::format_variables_table(*vars).c_str(), stdout);
    return 0;
  }

  auto loaded = load_or_report(opts);
  if (!loaded) return 1;
  const compose::Node& doc = loaded->doc;

  std::string text;
  auto lines = [&](const std::vector<std::string>& items) {
    for (const auto& i : items) text += i + "\n";
  };
  if (o.services) {
    // Dependencies first, like docker compose.
    if (!loaded->project.services.empty()) {
      auto graph = compose::DependencyGraph::build(loaded->project);
      lines(graph ? graph->start_order() : section_keys(doc, "services"));
    } else {
      lines(section_keys(doc, "services"));
    }
  } else if (o.volumes) {
    lines(section_keys(doc, "volumes"));
  } else if (o.networks) {
    lines(section_keys(doc, "networks"));
  } else if (o.profiles) {
    lines(compose::all_profiles(doc));
  } else if (o.images) {
    for (const auto& [name, svc] : loaded->project.services)
      text += svc.image ? *svc.image + "\n" : loaded->source.name + "-" + name + "\n";
  } else if (o.environment) {
    for (const auto& [k, v] : loaded->source.environment) text += k + "=" + v + "\n";
  } else if (!o.hash.empty()) {
    const compose::Node* services = doc.find("services");
    std::vector<std::string> names;
    if (o.hash == "*") {
      names = section_keys(doc, "services");
    } else {
      size_t start = 0;
      while (start <= o.hash.size()) {
        size_t end = o.hash.find(',', start);
        if (end == std::string::npos) end = o.hash.size();
        names.push_back(o.hash.substr(start, end - start));
        start = end + 1;
      }
    }
    for (const auto& n : names) {
      const compose::Node* svc = services ? services->find(n) : nullptr;
      if (!svc) {
        std::fprintf(stderr, "no such service: %s\n", n.c_str());
        return 1;
      }
      text += n + " " + compose::service_config_hash(*svc) + "\n";
    }
  } else if (o.format == "json" || o.format == "yaml") {
    text = o.format == "json" ? compose::to_json(doc) : compose::to_yaml(doc);
    // Values are already interpolated: escape `$` as `$$` (as docker compose
    // does) so the output loads back to the same project.
    if (!o.no_interpolate) text = escape_dollars(text);
  } else {
    std::fprintf(stderr, "unsupported format \"%s\"\n", o.format.c_str());
    return 1;
  }

  if (o.quiet) return 0;
  return write_output(text, o.output);
}

void add_config_flags(CLI::App& app, ConfigOptions& o_ref) {
  auto* cmd = &app;
  auto* o = &o_ref;
  cmd->add_flag("-q,--quiet", o->quiet, "Only validate the configuration, don't print anything");
  cmd->add_flag("--services", o->services, "Print the service names, one per line");
  cmd->add_flag("--volumes", o->volumes, "Print the volume names, one per line");
  cmd->add_flag("--networks", o->networks, "Print the network names, one per line");
  cmd->add_flag("--profiles", o->profiles, "Print the profile names, one per line");
  cmd->add_flag("--images", o->images, "Print the image names, one per line");
  cmd->add_option("--hash", o->hash, "Print the service config hash, one per line (SERVICE[,SERVICE] or \"*\")");
  cmd->add_flag("--no-interpolate", o->no_interpolate, "Don't interpolate environment variables");
  cmd->add_flag("--no-normalize", o->no_normalize, "Don't normalize compose model");
  cmd->add_flag("--environment", o->environment, "Print environment used for interpolation");
  cmd->add_flag("--variables", o->variables, "Print model variables and default values");
  cmd->add_option("-o,--output", o->output, "Save to file (default to stdout)");
}

namespace {

CommandRegistration register_compose_config(Parent::kCompose, 10, [](CLI::App& parent, Context& ctx) {
  auto o = std::make_shared<ConfigOptions>();
  auto* cmd = parent.add_subcommand("config", "Parse, resolve and render compose file in canonical format");
  cmd->add_option("--format", o->format, "Format the output. Values: [yaml | json]")->capture_default_str();
  add_config_flags(*cmd, *o);
  cmd->callback([o, &ctx] { ctx.exit_code = run_config(*o); });
});

}  // namespace
}  // namespace racker::cli
