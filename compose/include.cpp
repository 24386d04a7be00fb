// apply_include(): every `include` entry is loaded as a project of its own
// (by the loader's callback) and its resources are copied in. A resource
// both imported and defined here, or imported twice, is a conflict unless
// the two definitions are identical (compose-go's rule until late 2025;
// newer releases let the including file override the imported definition).
#include "racker/compose/include.h"

#include <algorithm>

#include "racker/compose/host.h"
#include "racker/compose/merge.h"
#include "racker/compose/paths.h"

namespace racker::compose {
namespace {


const char* const kImportedKinds[] = {"services", "volumes", "networks", "secrets", "configs", "models"};

Result<std::vector<std::string>> string_list(const Node* node, const std::string& path) {
  std::vector<std::string> out;
  if (!node || node->is_null()) return out;
  if (node->is_scalar()) return std::vector<std::string>{node->scalar};
  if (!node->is_seq()) return Error(Errc::kValidation, "must be a string or a list of strings", path, node->mark);
  for (size_t i = 0; i < node->items.size(); ++i) {
    const Node& item = node->items[i];
    if (!item.is_scalar())
      return Error(Errc::kValidation, "must be a string", index_path(path, i), item.mark);
    out.push_back(item.scalar);
  }
  return out;
}

// One entry of `include`, with paths made absolute against `working_dir`.
Result<IncludeSpec> read_entry(const Node& entry, const std::string& path, const std::string& working_dir) {
  IncludeSpec spec;
  if (entry.is_scalar()) {
    if (is_remote_compose_file(entry.scalar))
      return Error(Errc::kUnsupported, "remote compose files are not supported: \"" + entry.scalar + "\"", path,
                   entry.mark);
    spec.paths.push_back(absolute_path(working_dir, entry.scalar));
  } else if (entry.is_map()) {
    for (const auto& e : entry.entries)
      if (e.key != "path" && e.key != "env_file" && e.key != "project_directory")
        return Error(Errc::kValidation, "additional property " + e.key + " is not allowed (path, env_file, project_directory)",
                     join_path(path, e.key), e.key_mark);
    auto paths = string_list(entry.find("path"), join_path(path, "path"));
    if (!paths) return paths.error();
    for (const auto& p : *paths) {
      if (is_remote_compose_file(p))
        return Error(Errc::kUnsupported, "remote compose files are not supported: \"" + p + "\"",
                     join_path(path, "path"), entry.find("path")->mark);
      spec.paths.push_back(absolute_path(working_dir, p));
    }
    if (const Node* dir = entry.find("project_directory")) {
      if (!dir->is_scalar())
        return Error(Errc::kValidation, "must be a string", join_path(path, "project_directory"), dir->mark);
      spec.project_directory = absolute_path(working_dir, dir->scalar);
    }
    auto env_files = string_list(entry.find("env_file"), join_path(path, "env_file"));
    if (!env_files) return env_files.error();
    // /dev/null stays in: a list given means no default .env, even if empty.
    for (const auto& f : *env_files) spec.env_files.push_back(absolute_path(working_dir, f));
  } else {
    return Error(Errc::kValidation, "must be a path or a mapping", path, entry.mark);
  }
  if (spec.paths.empty()) return Error(Errc::kValidation, "include entry is missing a path", path, entry.mark);
  if (spec.project_directory.empty()) spec.project_directory = parent_dir(spec.paths[0]);
  return spec;
}

Error cycle_error(const std::vector<std::string>& chain, const std::string& again, const std::string& path,
                  const NodeMark& at) {
  std::string text = chain.front();
  for (size_t i = 1; i < chain.size(); ++i) text += " -> include " + chain[i];
  text += " -> include " + again;
  return Error(Errc::kCycle, "include cycle detected: " + text, path, at);
}

// Copies imported resources of each kind into `doc`.
Status import_resources(Node& doc, const Node& imported, const std::string& included_file, const NodeMark& include_mark) {
  if (!imported.is_map()) return {};
  for (const char* kind : kImportedKinds) {
    const Node* from = imported.find(kind);
    if (!from || !from->is_map() || from->entries.empty()) continue;
    Node* to = doc.find(kind);
    if (!to || to->is_null()) to = &doc.set(kind, Node::map(include_mark), include_mark);
    if (!to->is_map()) return Error(Errc::kValidation, "must be a mapping", kind, to->mark);
    for (const auto& e : from->entries) {
      const Entry* existing = to->find_entry(e.key);
      if (!existing) {
        to->set(e.key, e.value, e.key_mark);
        continue;
      }
      if (same_value(existing->value, e.value)) continue;
      std::string source = e.key_mark.file().empty() ? included_file : e.key_mark.file();
      return Error(Errc::kConflict, "conflicts with imported resource from " + source, join_path(kind, e.key),
                   existing->key_mark);
    }
  }
  return {};
}

}  // namespace

Status apply_include(Node& doc, const std::string& file, const std::string& working_dir,
                     const std::vector<std::string>& chain, const LoadIncludeFn& load_include) {
  const Node* include = doc.find("include");
  if (!include) return {};
  if (include->is_null()) {
    doc.erase("include");
    return {};
  }
  if (!include->is_seq()) return Error(Errc::kValidation, "must be a list", "include", include->mark);

  // The chain always ends with the file being expanded.
  std::vector<std::string> inner_chain = chain;
  if (inner_chain.empty() || inner_chain.back() != file) inner_chain.push_back(file);

  Node entries = *include;  // doc changes as resources come in
  for (size_t i = 0; i < entries.items.size(); ++i) {
    const Node& entry = entries.items[i];
    std::string path = index_path("include", i);
    auto spec = read_entry(entry, path, working_dir);
    if (!spec) return spec.error();
    for (const auto& p : spec->paths) {
      if (std::find(inner_chain.begin(), inner_chain.end(), p) != inner_chain.end())
        return cycle_error(inner_chain, p, path, entry.mark);
    }
    auto imported = load_include(*spec, inner_chain);
    if (!imported) return imported.error().with_context("while including " + spec->paths[0]);
    // The included project stands alone: its own `!reset`s act within it.
    resolve_merge_tags(*imported);
    if (Status st = import_resources(doc, *imported, spec->paths[0], entry.mark); !st) return st;
  }
  doc.erase("include");
  return {};
}

}  // namespace racker::compose
