// load_project(): the one place that knows the order of the loader's stages.
#include "racker/compose/load.h"

#include <algorithm>

#include "load_internal.h"
#include "racker/compose/bind.h"
#include "racker/compose/canonical.h"
#include "racker/compose/dotenv.h"
#include "racker/compose/extends.h"
#include "racker/compose/graph.h"
#include "racker/compose/include.h"
#include "racker/compose/interpolate.h"
#include "racker/compose/merge.h"
#include "racker/compose/normalize.h"
#include "racker/compose/paths.h"
#include "racker/compose/profiles.h"
#include "racker/compose/source.h"
#include "racker/compose/validate.h"

namespace racker::compose {
namespace {

// State shared by the per-file pipeline, including for files reached through
// extends and include.
struct FileLoader {
  FileReader& files;
  const ProjectOptions& opts;
  const EnvMap& process_env;
  std::string home;

  // read -> parse -> interpolate -> canonical, with `env` as the variables.
  Result<Node> load_one(const std::string& path, const EnvMap& env) {
    auto text = files.read(path);
    if (!text) return text.error();
    auto doc = parse_yaml(*text, path);
    if (!doc) return doc;
    if (doc->is_null()) doc = Node::map(Mark{path, 1, 1});
    if (!doc->is_map())
      return Error(Errc::kValidation, "top-level object must be a mapping", "", doc->mark);
    if (opts.interpolate) {
      if (auto st = interpolate_tree(*doc, lookup_in(env)); !st) return st.error();
    }
    if (auto st = canonicalize(*doc); !st) return st.error();
    return doc;
  }

  // One file through include and extends, as it will be merged.
  Result<Node> load_file(const std::string& path, const EnvMap& env, const std::vector<std::string>& chain) {
    auto doc = load_one(path, env);
    if (!doc) return doc;
    // A project or included file must say something (compose rejects it too).
    if (doc->entries.empty()) return Error(Errc::kValidation, "empty compose file", "", Mark{path, 1, 1});
    std::string dir = parent_dir(path);
    std::vector<std::string> inner_chain = chain;
    inner_chain.push_back(path);
    auto include_fn = [this](const IncludeSpec& spec, const std::vector<std::string>& c) {
      return load_included(spec, c);
    };
    if (auto st = apply_include(*doc, path, dir, inner_chain, include_fn); !st) return st.error();
    auto extends_fn = [this, &env](const std::string& other) { return load_one(other, env); };
    if (auto st = apply_extends(*doc, path, dir, extends_fn); !st) return st.error();
    return doc;
  }

  // An included project: its own directory and .env, paths made absolute.
  Result<Node> load_included(const IncludeSpec& spec, const std::vector<std::string>& chain) {
    EnvMap env;
    Lookup process_lookup = lookup_in(process_env);
    std::vector<std::string> env_files = spec.env_files;
    if (env_files.empty()) {
      std::string dotenv = absolute_path(spec.project_directory, ".env");
      if (files.is_file(dotenv)) env_files.push_back(dotenv);
    }
    for (const auto& f : env_files) {
      if (f == "/dev/null") continue;  // "env files were given": do not read the default .env
      if (auto st = load_dotenv_file(files, f, process_lookup, env); !st) return st.error();
    }
    for (const auto& [k, v] : process_env) env[k] = v;
    Node merged;
    for (size_t i = 0; i < spec.paths.size(); ++i) {
      auto doc = load_file(spec.paths[i], env, chain);
      if (!doc) return doc;
      if (i == 0) {
        merged = std::move(*doc);
      } else {
        auto m = merge_documents(std::move(merged), *doc);
        if (!m) return m;
        merged = std::move(*m);
      }
    }
    resolve_paths(merged, spec.project_directory, home);
    return merged;
  }
};

std::vector<Error> sorted_errors(std::vector<Error> errors) {
  std::stable_sort(errors.begin(), errors.end(), [](const Error& a, const Error& b) {
    auto key = [](const Error& e) {
      return e.at ? std::make_tuple(e.at->file, e.at->line, e.at->col) : std::make_tuple(std::string(), 0, 0);
    };
    return key(a) < key(b);
  });
  return errors;
}

}  // namespace

Result<LoadedProject> load_project(const ProjectOptions& opts, FileReader& files, const EnvMap& process_env) {
  auto source = resolve_source(opts, files, process_env);
  if (!source) return source.error();
  LoadedProject out;
  out.source = std::move(*source);
  const EnvMap& env = out.source.environment;
  std::string home;
  if (auto it = env.find("HOME"); it != env.end()) home = it->second;

  FileLoader loader{files, opts, process_env, home};
  Node merged;
  for (size_t i = 0; i < out.source.files.size(); ++i) {
    const std::string& path = out.source.files[i];
    auto doc = loader.load_file(path, env, {});
    if (!doc) return doc.error();
    if (i == 0) {
      merged = std::move(*doc);
    } else {
      auto m = merge_documents(std::move(merged), *doc);
      if (!m) return m.error().with_context("while merging " + path);
      merged = std::move(*m);
    }
  }

  // A lone file's `!reset`/`!override` tags still need applying (merging applies them otherwise).
  resolve_merge_tags(merged);

  // `version` is obsolete in compose v2: drop it with its warning.
  if (merged.find("version")) {
    out.warnings.push_back("the attribute `version` is obsolete, it will be ignored, please remove it to avoid "
                           "potential confusion");
    merged.erase("version");
  }

  // Project name: -p / COMPOSE_PROJECT_NAME, else `name:`, else the directory.
  if (!out.source.name_explicit) {
    if (const Node* name = merged.find("name"); name && name->is_scalar() && !name->scalar.empty()) {
      if (!is_valid_project_name(name->scalar))
        return Error(invalid_project_name(name->scalar)).with_context("name: set in " + name->mark.file());
      out.source.name = name->scalar;
    } else {
      out.source.name = normalize_project_name(base_name(out.source.project_dir));
      if (out.source.name.empty())
        return Error(Errc::kInvalidArgument,
                     "project name must not be empty: set one with -p or a top-level `name:`");
    }
  }
  merged.set("name", Node::str(out.source.name));

  if (auto st = apply_profiles(merged, out.source.profiles, opts.selected_services); !st) return st.error();

  if (opts.normalize) {
    NormalizeContext ctx;
    ctx.project_name = out.source.name;
    ctx.project_dir = out.source.project_dir;
    ctx.home = home;
    ctx.lookup = opts.resolve_env ? lookup_in(out.source.environment) : Lookup([](std::string_view) {
      return std::optional<std::string>();
    });
    ctx.files = &files;
    if (auto st = normalize(merged, ctx); !st) return st.error();
  }

  if (opts.validate && opts.normalize) {
    std::vector<Error> more;
    auto project = compose::bind(merged, &more);  // qualified: ADL would find std::bind
    if (!project) return project.error();
    std::vector<Error> errors = validate(*project);
    if (!errors.empty()) return sorted_errors(std::move(errors)).front();
    if (auto graph = DependencyGraph::build(*project); !graph) return graph.error();
    project->name = out.source.name;
    project->working_dir = out.source.project_dir;
    project->compose_files = out.source.files;
    for (const auto& w : project->warnings) out.warnings.push_back(w);
    out.project = std::move(*project);
  }
  out.doc = std::move(merged);
  return out;
}

}  // namespace racker::compose
