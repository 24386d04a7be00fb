// validate(): semantic checks over the typed model (what compose-go's
// loader/validate.go and validation/ check, plus racker's own port checks).
// Every problem is collected; the caller gets them in file order.
#include "racker/compose/validate.h"

#include <algorithm>
#include <map>

#include "load_internal.h"
#include "racker/compose/groups.h"
#include "racker/compose/load.h"
#include "validate_internal.h"

namespace racker::compose {
namespace {

void check_project_name(const model::Project& project, validate_detail::Problems& out) {
  if (project.name.empty() || is_valid_project_name(project.name)) return;
  out.add("name", invalid_project_name(project.name).message);
}

// racker's x-racker groups (groups.h).
void check_groups(const model::Project& project, validate_detail::Problems& out) {
  for (const auto& p : read_groups(project).problems) out.add(p.key_path, p.message);
}

}  // namespace

std::vector<Error> validate(const model::Project& project) {
  validate_detail::Problems problems(project);
  check_project_name(project, problems);
  validate_detail::check_services(project, problems);
  validate_detail::check_references(project, problems);
  validate_detail::check_ports(project, problems);
  validate_detail::check_resources(project, problems);
  check_groups(project, problems);
  std::vector<Error> errors = std::move(problems.errors());
  sort_by_position(errors);
  return errors;
}

namespace validate_detail {

namespace {

// file|environment(|content): one of them, unless external (or given a
// driver, which has its own way to provide the content).
void check_file_object(const std::string& path, const model::FileObject& o, bool is_config, bool has_driver,
                       Problems& out) {
  if (o.external) return;
  const char* keys = is_config ? "file|environment|content" : "file|environment";
  // normalize() copies a config's environment value into content: that pair is fine.
  int sources = (o.file ? 1 : 0) + ((o.environment || o.content) ? 1 : 0);
  if (sources > 1) out.add_at_key(path, std::string(keys) + " attributes are mutually exclusive");
  if (sources == 0 && !has_driver) out.add_at_key(path, std::string("one of ") + keys + " must be set");
}

void check_keys(const char* section, const std::vector<std::string>& keys, Problems& out) {
  for (const auto& key : keys) {
    if (!is_valid_key(key))
      out.add_at_key(std::string(section) + "." + key,
              "invalid name \"" + key + "\": only letters, digits, '.', '_' and '-' are allowed");
  }
}

template <class T>
std::vector<std::string> keys_of(const std::map<std::string, T>& m) {
  std::vector<std::string> out;
  for (const auto& [k, _] : m) out.push_back(k);
  return out;
}

}  // namespace

void check_resources(const model::Project& project, Problems& out) {
  check_keys("networks", keys_of(project.networks), out);
  check_keys("volumes", keys_of(project.volumes), out);
  check_keys("secrets", keys_of(project.secrets), out);
  check_keys("configs", keys_of(project.configs), out);
  for (const auto& [key, v] : project.volumes) {
    if (!v.external) continue;
    const char* conflicting = !v.driver.empty()        ? "driver"
                              : !v.driver_opts.empty() ? "driver_opts"
                              : !v.labels.empty()      ? "labels"
                                                       : nullptr;
    if (conflicting)
      out.add_at_key("volumes." + key + "." + conflicting,
              std::string("conflicting parameters \"external\" and \"") + conflicting + "\" specified");
  }
  for (const auto& [key, s] : project.secrets) {
    std::string path = "secrets." + key;
    check_file_object(path, s, false, project.ignored.count(path + ".driver") > 0, out);
  }
  for (const auto& [key, c] : project.configs) check_file_object("configs." + key, c, true, false, out);
}

bool is_valid_key(const std::string& name) {
  return !name.empty() && std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
           c == '-';
  });
}

}  // namespace validate_detail
}  // namespace racker::compose
