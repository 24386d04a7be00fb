// bind(): the canonical document's top level -> model::Project. The per-object
// tables live beside this file (bind_service.cpp, bind_resources.cpp, ...).
#include "racker/compose/bind.h"

#include <iterator>

#include "bind_internal.h"
#include "load_internal.h"

namespace racker::compose {
namespace {

using bind_detail::Binder;
using bind_detail::Field;
using model::Project;

void bind_services(Binder& b, const Node& n, const std::string& path, Project& out) {
  if (!b.expect_map(n, path)) return;
  for (const Entry& e : n.entries) {
    std::string p = join_path(path, e.key);
    b.remember(p, e);
    model::Service service;
    service.name = e.key;
    bind_detail::bind_service(b, e.value, p, service);
    out.services[e.key] = std::move(service);
  }
}

// Sections bound by bind_resources() once `name` is known, wherever it sits.
void later(Binder&, const Node&, const std::string&, Project&) {}

const Field<Project> kTopLevelFields[] = {
    {"configs", later},
    {"include"},  // expanded by the include stage
    {"models", nullptr, "AI models are not implemented"},
    {"name", bind_detail::str<&Project::name>},
    {"networks", later},
    {"secrets", later},
    {"services", bind_services},
    {"version"},  // obsolete; the loader drops it with a warning
    {"volumes", later},
};

}  // namespace

std::vector<KnownKey> known_keys() {
  bind_detail::KeyLister l;
  l.table<Project>("", kTopLevelFields);
  l.add("include[]", "path", KnownKey::Kind::kApplied);  // include.cpp reads these three
  l.add("include[]", "env_file", KnownKey::Kind::kApplied);
  l.add("include[]", "project_directory", KnownKey::Kind::kApplied);
  bind_detail::list_service_keys(l);
  bind_detail::list_build_keys(l);
  bind_detail::list_lifecycle_keys(l);
  bind_detail::list_mount_keys(l);
  bind_detail::list_relation_keys(l);
  bind_detail::list_resource_keys(l);
  return l.take();
}

Result<model::Project> bind(const Node& doc, std::vector<Error>* more) {
  if (!doc.is_map())
    return Error(Errc::kValidation, "top-level object must be a mapping", "", doc.mark);
  Project project;
  Binder b(project);
  {
    Binder::HolderScope scope(b, bind_detail::Holder{&project.extensions, &project.ignored, ""});
    b.object<Project>(doc, "", kTopLevelFields, project);
    bind_detail::bind_resources(b, doc);
  }
  std::vector<Error> errors = b.take_errors();
  if (errors.empty()) return project;
  sort_by_position(errors);
  Error first = std::move(errors.front());
  if (more) more->assign(std::make_move_iterator(errors.begin() + 1), std::make_move_iterator(errors.end()));
  return first;
}

}  // namespace racker::compose
