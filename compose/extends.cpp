// apply_extends(): each service with `extends` becomes its base (resolved
// first, depth first) with its own definition merged on top. Every key is
// inherited, depends_on and volumes_from included, as compose v2 does: the
// file that extends must declare what those refer to.
#include "racker/compose/extends.h"

#include <map>
#include <memory>
#include <utility>

#include "racker/compose/host.h"
#include "racker/compose/merge.h"
#include "racker/compose/paths.h"

namespace racker::compose {
namespace {

// The services of one file, resolved in place as they are needed.
struct FileServices {
  std::string file;
  std::string dir;
  Node* services = nullptr;  // the file's `services` mapping
  std::unique_ptr<Node> owned;  // the document, for files loaded here
};

class ExtendsResolver {
 public:
  ExtendsResolver(const LoadFileFn& load_file) : load_file_(load_file) {}

  FileServices& add_main(Node& services, const std::string& file, const std::string& dir) {
    auto& fs = files_[file];
    fs.file = file;
    fs.dir = dir;
    fs.services = &services;
    return fs;
  }

  // Resolves services.<name> of `fs` in place; afterwards it has no `extends`.
  Status resolve(FileServices& fs, const std::string& name) {
    Node* service = fs.services->find(name);
    if (!service || !service->is_map()) return {};
    const Node* extends = service->find("extends");
    if (!extends) return {};
    std::string path = "services." + name;

    for (const auto& [file, svc] : stack_) {
      if (file == fs.file && svc == name) return cycle_error(fs.file, name, *extends);
    }
    stack_.emplace_back(fs.file, name);
    Status st = resolve_one(fs, name, path);
    stack_.pop_back();
    return st;
  }

 private:
  Status resolve_one(FileServices& fs, const std::string& name, const std::string& path) {
    Node* service = fs.services->find(name);
    Node extends = *service->find("extends");
    std::string extends_path = path + ".extends";
    if (!extends.is_map()) return Error(Errc::kValidation, "must be a mapping", extends_path, extends.mark);
    const Node* ref_node = extends.find("service");
    if (!ref_node || !ref_node->is_scalar() || ref_node->scalar.empty())
      return Error(Errc::kValidation, "`service` is required: the name of the service to extend", extends_path,
                   extends.mark);
    const std::string ref = ref_node->scalar;

    FileServices* from = &fs;
    if (const Node* file_node = extends.find("file"); file_node && !file_node->is_null()) {
      if (!file_node->is_scalar())
        return Error(Errc::kValidation, "must be a path", extends_path + ".file", file_node->mark);
      if (is_remote_compose_file(file_node->scalar))
        return Error(Errc::kUnsupported, "remote compose files are not supported: \"" + file_node->scalar + "\"",
                     extends_path + ".file", file_node->mark);
      std::string other = absolute_path(fs.dir, file_node->scalar);
      auto loaded = load(other);
      if (!loaded) {
        Error err = std::move(loaded.error());
        if (!err.at) {  // the file itself could not be read: point at the reference
          err.at = file_node->mark;
          err.key_path = extends_path + ".file";
          return err;
        }
        return err.with_context("while extending " + path + " from " + other);
      }
      from = *loaded;
      if (!from->services->find(ref))
        return Error(Errc::kNotFound,
                     "cannot extend service \"" + name + "\" in " + fs.file + ": service \"" + ref + "\" not found in " +
                         other,
                     extends_path + ".service", ref_node->mark);
    } else if (!fs.services->find(ref)) {
      return Error(Errc::kNotFound,
                   "cannot extend service \"" + name + "\" in " + fs.file + ": service \"" + ref + "\" not found",
                   extends_path + ".service", ref_node->mark);
    }

    if (Status st = resolve(*from, ref); !st) return st;
    Node base = *from->services->find(ref);
    if (base.is_null()) base = Node::map(ref_node->mark);
    // Paths of a service from another file are relative to that file. `~`
    // stays for normalize, which knows the home directory.
    if (from != &fs) resolve_service_paths(base, from->dir, "");

    // Lookups again: resolving `ref` may have touched this mapping.
    service = fs.services->find(name);
    Node own = *service;
    own.erase("extends");
    auto merged = merge_service(std::move(base), own, path);
    if (!merged) return merged.error();
    *fs.services->find(name) = std::move(*merged);
    return {};
  }

  // Loads another file once; its services resolve lazily, like the main file's.
  Result<FileServices*> load(const std::string& file) {
    if (auto it = files_.find(file); it != files_.end()) return &it->second;
    auto doc = load_file_(file);
    if (!doc) return doc.error();
    auto owned = std::make_unique<Node>(std::move(*doc));
    Node* services = owned->find("services");
    if (!services || !services->is_map()) {
      if (services && !services->is_null())
        return Error(Errc::kValidation, "must be a mapping", "services", services->mark);
      services = &owned->set("services", Node::map(owned->mark));
    }
    FileServices& fs = files_[file];
    fs.file = file;
    fs.dir = parent_dir(file);
    fs.services = services;
    fs.owned = std::move(owned);
    return &fs;
  }

  Error cycle_error(const std::string& file, const std::string& name, const Node& extends) const {
    std::string chain;
    for (size_t i = 0; i < stack_.size(); ++i) {
      chain += (i ? " -> extends " : "") + stack_[i].second + " in " + stack_[i].first;
    }
    chain += " -> extends " + name + " in " + file;
    return Error(Errc::kCycle, "circular reference: " + chain, "services." + name + ".extends", extends.mark);
  }

  const LoadFileFn& load_file_;
  std::map<std::string, FileServices> files_;  // by absolute path; node addresses stay put
  std::vector<std::pair<std::string, std::string>> stack_;  // (file, service) being resolved
};

}  // namespace

Status apply_extends(Node& doc, const std::string& file, const std::string& working_dir,
                     const LoadFileFn& load_file) {
  Node* services = doc.find("services");
  if (!services || !services->is_map()) return {};
  ExtendsResolver resolver(load_file);
  FileServices& main = resolver.add_main(*services, file, working_dir);
  // Names first: resolving never adds or removes services, only rewrites them.
  std::vector<std::string> names;
  for (const auto& e : services->entries) names.push_back(e.key);
  for (const auto& name : names) {
    if (Status st = resolver.resolve(main, name); !st) return st;
  }
  return {};
}

}  // namespace racker::compose
