// A service's environment as the container will get it, and its labels:
// env_file and label_file contents are merged in and the file keys dropped,
// as `docker compose config` prints them (compose-go's
// WithServicesEnvironmentResolved and WithServicesLabelsResolved).
#include <map>

#include "normalize_internal.h"
#include "racker/compose/dotenv.h"

namespace racker::compose::normalize_detail {
namespace {

struct FileRef {
  std::string path;
  bool required = true;
  std::string format;
  NodeMark mark;
  std::string key_path;
};

// env_file: [{path, required, format}] (canonical), or strings. The entries
// are dropped from the document here, so their shape is checked here too.
Result<std::vector<FileRef>> file_refs(const Node& n, const std::string& path) {
  std::vector<FileRef> out;
  if (n.is_scalar()) {
    out.push_back({n.scalar, true, "", n.mark, path});
    return out;
  }
  if (!n.is_seq()) return Error(Errc::kValidation, "must be a string or a list", path, n.mark);
  for (size_t i = 0; i < n.items.size(); ++i) {
    const Node& item = n.items[i];
    FileRef ref{"", true, "", item.mark, index_path(path, i)};
    auto invalid = [&](const Node& at, const std::string& where, const char* message) {
      return Error(Errc::kValidation, message, where, at.mark.known() ? at.mark : item.mark);
    };
    if (item.is_scalar()) {
      ref.path = item.scalar;
    } else if (item.is_map()) {
      const Node* p = item.find("path");
      if (!p) return invalid(item, ref.key_path, "path is required");
      if (!p->is_scalar()) return invalid(*p, join_path(ref.key_path, "path"), "must be a string");
      ref.path = p->scalar;
      if (const Node* r = item.find("required")) {
        if (!is_true(r) && !is_false(r)) return invalid(*r, join_path(ref.key_path, "required"), "must be a boolean");
        ref.required = is_true(r);
      }
      if (const Node* f = item.find("format")) {
        if (!f->is_scalar()) return invalid(*f, join_path(ref.key_path, "format"), "must be a string");
        ref.format = f->scalar;
      }
    } else {
      return invalid(item, ref.key_path, "must be a string or a mapping");
    }
    out.push_back(std::move(ref));
  }
  return out;
}

// format: raw — `docker run --env-file` rules: KEY=VALUE taken literally (no
// quotes, no interpolation), bare KEY from `lookup`, # comments, no blank keys.
Status parse_raw_env(const std::string& text, const std::string& file, const Lookup& lookup, EnvMap& into) {
  EnvMap out = into;
  size_t start = 0;
  for (int line_no = 1; start <= text.size(); ++line_no) {
    size_t end = text.find('\n', start);
    std::string line = text.substr(start, end == std::string::npos ? std::string::npos : end - start);
    start = end == std::string::npos ? text.size() + 1 : end + 1;
    if (line_no == 1 && line.compare(0, 3, "\xEF\xBB\xBF") == 0) line.erase(0, 3);
    if (!line.empty() && line.back() == '\r') line.pop_back();
    size_t first = line.find_first_not_of(" \t\v\f");
    if (first == std::string::npos || line[first] == '#') continue;
    line.erase(0, first);
    size_t eq = line.find('=');
    std::string key = line.substr(0, eq);
    auto bad = [&](const std::string& why) {
      return Error(Errc::kParse, "failed to parse env_file " + file + ": " + why, "", Mark{file, line_no, 1});
    };
    if (key.find_first_of(" \t\v\f") != std::string::npos) return bad("variable '" + key + "' contains whitespaces");
    if (key.empty()) return bad("no variable name on line '" + line + "'");
    if (eq != std::string::npos) {
      out[key] = line.substr(eq + 1);
    } else if (auto v = lookup ? lookup(key) : std::nullopt) {
      out[key] = *v;
    }
  }
  into = std::move(out);
  return ok_status();
}

// Reads one env/label file into `into`; a missing optional file is skipped.
Status read_file(const FileRef& ref, const char* what, const NormalizeContext& ctx, const Lookup& lookup,
                 EnvMap& into) {
  if (!ctx.files) return Error(Errc::kInternal, "normalize: no FileReader to read " + ref.path);
  if (!ref.format.empty() && ref.format != ".env" && ref.format != "raw")
    return Error(Errc::kValidation, "unsupported " + std::string(what) + " format \"" + ref.format + "\"",
                 ref.key_path, ref.mark);
  // resolve_paths() made canonical entries absolute; this covers short forms it skips.
  std::string file = absolute_path(ctx.project_dir, ref.path);
  if (!ctx.files->is_file(file)) {
    if (!ref.required) return ok_status();
    return Error(Errc::kNotFound, std::string(what) + " " + file + " not found", ref.key_path, ref.mark);
  }
  if (ref.format == "raw") {
    auto text = ctx.files->read(file);
    if (!text) return text.error();
    return parse_raw_env(*text, file, lookup, into);
  }
  if (auto st = load_dotenv_file(*ctx.files, file, lookup, into); !st) {
    Error e = st.error();
    return e.with_context("while reading " + std::string(what) + " " + file + " (" + ref.key_path + ")");
  }
  return ok_status();
}

// environment: {K: V | null}; bare keys take their value from the project
// environment when it has one.
void resolve_bare_keys(Node& env, const Lookup& lookup) {
  if (!env.is_map() || !lookup) return;
  for (Entry& e : env.entries) {
    if (!e.value.is_null()) continue;
    if (auto v = lookup(e.key)) e.value = Node::str(*v, e.value.mark.known() ? e.value.mark : e.key_mark);
  }
}

// File values first, then the service's own entries on top (a null entry
// included: compose lets the service's bare key win).
Node merged_map(const EnvMap& from_files, const NodeMark& files_mark, const Node* own, const NodeMark& map_mark) {
  Node out = Node::map(own ? own->mark : map_mark);
  for (const auto& [k, v] : from_files) out.set(k, Node::str(v, files_mark), files_mark);
  if (own && own->is_map()) {
    for (const Entry& e : own->entries) {
      out.erase(e.key);  // re-added with the service's own key position, for messages
      out.set(e.key, e.value, e.key_mark);
    }
  }
  return out;
}

Status merge_env_files(Node& service, const std::string& path, const NormalizeContext& ctx) {
  Node* env = service.find("environment");
  if (env) resolve_bare_keys(*env, ctx.lookup);
  const Node* files = service.find("env_file");
  if (!files) return ok_status();
  std::string files_path = join_path(path, "env_file");
  NodeMark files_mark = files->mark;
  auto refs = file_refs(*files, files_path);
  if (!refs) return refs.error();
  // ${VAR} in env files: the project environment first, then the service's own values.
  const Node* own = env;
  Lookup lookup = [&ctx, own](std::string_view name) -> std::optional<std::string> {
    if (ctx.lookup)
      if (auto v = ctx.lookup(name)) return v;
    if (own && own->is_map())
      if (const Node* v = own->find(name); v && v->is_scalar()) return v->scalar;
    return std::nullopt;
  };
  EnvMap values;
  for (const FileRef& ref : *refs)
    if (auto st = read_file(ref, "env file", ctx, lookup, values); !st) return st;
  Node merged = merged_map(values, files_mark, env, files_mark);
  service.erase("env_file");
  if (!merged.entries.empty()) service.set("environment", std::move(merged));
  return ok_status();
}

Status merge_label_files(Node& service, const std::string& path, const NormalizeContext& ctx) {
  const Node* files = service.find("label_file");
  if (!files) return ok_status();
  auto refs = file_refs(*files, join_path(path, "label_file"));
  if (!refs) return refs.error();
  NodeMark files_mark = files->mark;
  EnvMap values;
  // Label files see only labels read before them.
  Lookup none = [](std::string_view) { return std::optional<std::string>(); };
  for (const FileRef& ref : *refs)
    if (auto st = read_file(ref, "label file", ctx, none, values); !st) return st;
  Node merged = merged_map(values, files_mark, service.find("labels"), files_mark);
  service.erase("label_file");
  if (!merged.entries.empty()) service.set("labels", std::move(merged));
  return ok_status();
}

// build.args: a bare arg takes the project environment's value, or is
// dropped when there is none (compose passes no value for it).
void resolve_build_args(Node& service, const Lookup& lookup) {
  Node* build = service.find("build");
  Node* args = build ? build->find("args") : nullptr;
  if (!args || !args->is_map()) return;
  std::vector<Entry> kept;
  for (Entry& e : args->entries) {
    if (e.value.is_null()) {
      auto v = lookup ? lookup(e.key) : std::nullopt;
      if (!v) continue;
      e.value = Node::str(*v, e.key_mark);
    }
    kept.push_back(std::move(e));
  }
  args->entries = std::move(kept);
}

}  // namespace

Status resolve_service_environment(Node& service, const std::string& path, const NormalizeContext& ctx) {
  if (auto st = merge_env_files(service, path, ctx); !st) return st;
  if (auto st = merge_label_files(service, path, ctx); !st) return st;
  resolve_build_args(service, ctx.lookup);
  return ok_status();
}

}  // namespace racker::compose::normalize_detail
