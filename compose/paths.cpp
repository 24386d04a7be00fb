// Relative paths of a canonical document made absolute, at the places
// compose-go's paths.ResolveRelativePaths lists.
#include "racker/compose/paths.h"

#include <string_view>

namespace racker::compose {
namespace {

class PathResolver {
 public:
  // `default_context`: a build without a context gets the base directory,
  // compose's default `.` (a whole project is complete; a service taken by
  // extends is not yet: the extending service may still set one).
  PathResolver(const std::string& base_dir, const std::string& home, bool default_context)
      : base_(base_dir), home_(home), default_context_(default_context) {}

  // A local path: `~` expanded when a home is known, then made absolute.
  // A path still starting with `~` is left for a later pass that knows home.
  void local(Node& node) const {
    if (!node.is_scalar() || node.scalar.empty()) return;
    std::string& p = node.scalar;
    if (p == "~" || p.rfind("~/", 0) == 0) {
      if (home_.empty()) return;
      p = absolute_path(home_, p.size() > 2 ? std::string_view(p).substr(2) : std::string_view("."));
      return;
    }
    if (p[0] == '~') return;  // ~user: not ours to expand
    p = absolute_path(base_, p);
  }

  // build.context and additional_contexts: URLs, git remotes and
  // `service:`/`docker-image://`-style references are not paths.
  void context(Node& node) const {
    if (!node.is_scalar()) return;
    if (is_remote_context(node.scalar)) return;
    local(node);
  }

  // extends.file may name a remote resource compose can fetch.
  void extends_file(Node& node) const {
    if (node.is_scalar() && is_remote_compose_file(node.scalar)) return;
    local(node);
  }

  void each(Node* list, void (PathResolver::*fn)(Node&) const) const {
    if (!list || !list->is_seq()) return;
    for (auto& item : list->items) (this->*fn)(item);
  }

  void service(Node& svc) const {
    if (!svc.is_map()) return;
    if (Node* build = svc.find("build"); build && build->is_map()) {
      if (Node* ctx = build->find("context")) {
        context(*ctx);
      } else if (default_context_) {
        build->set("context", Node::str(base_, build->mark), build->mark);
      }
      if (Node* extra = build->find("additional_contexts"); extra && extra->is_map())
        for (auto& e : extra->entries) context(e.value);
      if (Node* ssh = build->find("ssh"); ssh && ssh->is_map())
        for (auto& e : ssh->entries) local(e.value);
    }
    if (Node* env_files = svc.find("env_file"); env_files && env_files->is_seq())
      for (auto& f : env_files->items)
        if (Node* p = f.find("path")) local(*p);
    each(svc.find("label_file"), &PathResolver::local);
    if (Node* ext = svc.find("extends"); ext && ext->is_map())
      if (Node* file = ext->find("file")) extends_file(*file);
    if (Node* volumes = svc.find("volumes"); volumes && volumes->is_seq()) {
      for (auto& v : volumes->items) {
        const Node* type = v.find("type");
        if (!type || type->scalar != "bind") continue;
        if (Node* source = v.find("source")) local(*source);
      }
    }
    if (Node* develop = svc.find("develop"); develop && develop->is_map()) {
      if (Node* watch = develop->find("watch"); watch && watch->is_seq())
        for (auto& w : watch->items)
          if (Node* p = w.find("path")) local(*p);
    }
  }

  void document(Node& doc) const {
    if (!doc.is_map()) return;
    if (Node* services = doc.find("services"); services && services->is_map())
      for (auto& e : services->entries) service(e.value);
    for (const char* kind : {"secrets", "configs"}) {
      Node* objects = doc.find(kind);
      if (!objects || !objects->is_map()) continue;
      for (auto& e : objects->entries)
        if (Node* file = e.value.find("file")) local(*file);
    }
    if (Node* volumes = doc.find("volumes"); volumes && volumes->is_map())
      for (auto& e : volumes->entries) local_bind_volume(e.value);
    if (Node* include = doc.find("include"); include && include->is_seq()) {
      for (auto& entry : include->items) {
        if (!entry.is_map()) continue;
        each(entry.find("path"), &PathResolver::local);
        each(entry.find("env_file"), &PathResolver::local);
        if (Node* dir = entry.find("project_directory")) local(*dir);
      }
    }
  }

 private:
  static bool is_remote_context(const std::string& s) {
    if (s.find("://") != std::string::npos || s.rfind("service:", 0) == 0) return true;
    for (const char* prefix : {"github.com/", "git@"})
      if (s.rfind(prefix, 0) == 0) return true;
    return false;
  }

  // A `local` volume with `o: bind` is a bind mount of driver_opts.device.
  void local_bind_volume(Node& volume) const {
    const Node* driver = volume.find("driver");
    Node* opts = volume.find("driver_opts");
    if (!driver || driver->scalar != "local" || !opts) return;
    const Node* o = opts->find("o");
    if (Node* device = opts->find("device"); device && o && o->scalar == "bind") local(*device);
  }

  const std::string& base_;
  const std::string& home_;
  bool default_context_;
};

}  // namespace

bool is_remote_compose_file(std::string_view path) {
  return path.find("://") != std::string_view::npos || path.substr(0, 4) == "git@";
}

void resolve_paths(Node& doc, const std::string& base_dir, const std::string& home) {
  PathResolver(base_dir, home, true).document(doc);
}

void resolve_service_paths(Node& service, const std::string& base_dir, const std::string& home) {
  PathResolver(base_dir, home, false).service(service);
}

}  // namespace racker::compose
