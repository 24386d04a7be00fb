// Profiles: which services a run enables. Works on the merged document, so
// `config` and every later stage see only the enabled services.
#include "racker/compose/profiles.h"

#include <algorithm>
#include <cctype>
#include <map>
#include <set>

namespace racker::compose {
namespace {

using ProfileMap = std::map<std::string, std::vector<std::string>>;  // service -> its profiles

Result<ProfileMap> read_profiles(const Node& services) {
  ProfileMap out;
  for (const Entry& e : services.entries) {
    auto& profiles = out[e.key];
    const Node* list = e.value.find("profiles");
    if (!list || list->is_null()) continue;
    std::string path = join_path(join_path("services", e.key), "profiles");
    if (!list->is_seq()) return Error(Errc::kValidation, "must be a list of strings", path, list->mark);
    for (size_t i = 0; i < list->items.size(); ++i) {
      const Node& item = list->items[i];
      if (!item.is_scalar())
        return Error(Errc::kValidation, "must be a string", index_path(path, i), item.mark);
      profiles.push_back(item.scalar);
    }
  }
  return out;
}

bool enabled_by(const std::vector<std::string>& profiles, const std::set<std::string>& active) {
  if (profiles.empty() || active.count("*")) return true;
  return std::any_of(profiles.begin(), profiles.end(), [&](const std::string& p) { return active.count(p) > 0; });
}

std::string quoted_list(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& s : items) out += (out.empty() ? "\"" : ", \"") + s + "\"";
  return out;
}

// required: false (plain or quoted, any case).
bool is_false(const Node* n) {
  if (!n || !n->is_scalar()) return false;
  std::string v = n->scalar;
  std::transform(v.begin(), v.end(), v.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return v == "false";
}

// A reference from an enabled service to a service the profiles disabled.
struct Reference {
  std::string target;
  std::string path;  // key path of the referencing key
  NodeMark mark;
};

// "service:name" -> "name", otherwise "".
std::string shared_service(const Node* n) {
  const std::string prefix = "service:";
  if (!n || !n->is_scalar() || n->scalar.compare(0, prefix.size(), prefix) != 0) return "";
  return n->scalar.substr(prefix.size());
}

// Everything `service` needs running: required depends_on entries, links,
// volumes_from services and namespaces shared with another service.
std::vector<Reference> required_references(const Node& service, const std::string& path) {
  std::vector<Reference> refs;
  if (const Node* deps = service.find("depends_on")) {
    std::string p = join_path(path, "depends_on");
    if (deps->is_map()) {
      for (const Entry& e : deps->entries) {
        if (is_false(e.value.find("required"))) continue;
        refs.push_back({e.key, join_path(p, e.key), e.key_mark.known() ? e.key_mark : e.value.mark});
      }
    } else if (deps->is_seq()) {
      for (size_t i = 0; i < deps->items.size(); ++i)
        if (deps->items[i].is_scalar()) refs.push_back({deps->items[i].scalar, index_path(p, i), deps->items[i].mark});
    }
  }
  if (const Node* links = service.find("links"); links && links->is_seq()) {
    for (size_t i = 0; i < links->items.size(); ++i) {
      const Node& l = links->items[i];
      if (l.is_scalar()) refs.push_back({l.scalar.substr(0, l.scalar.find(':')), index_path(join_path(path, "links"), i), l.mark});
    }
  }
  if (const Node* from = service.find("volumes_from"); from && from->is_seq()) {
    for (size_t i = 0; i < from->items.size(); ++i) {
      const Node& v = from->items[i];
      if (!v.is_scalar() || v.scalar.compare(0, 10, "container:") == 0) continue;
      refs.push_back({v.scalar.substr(0, v.scalar.find(':')), index_path(join_path(path, "volumes_from"), i), v.mark});
    }
  }
  for (const char* key : {"network_mode", "ipc", "pid", "uts", "cgroup"}) {
    const Node* n = service.find(key);
    if (std::string target = shared_service(n); !target.empty()) refs.push_back({target, join_path(path, key), n->mark});
  }
  return refs;
}

}  // namespace

Status apply_profiles(Node& doc, const std::vector<std::string>& active_profiles,
                      const std::vector<std::string>& selected_services) {
  Node* services = doc.find("services");
  if (!services || !services->is_map()) return ok_status();
  auto profiles = read_profiles(*services);
  if (!profiles) return profiles.error();

  std::set<std::string> active;
  for (const auto& p : active_profiles)
    if (!p.empty()) active.insert(p);
  // A service named on the command line is enabled, and its profiles with it
  // (compose-spec 15-profiles), which may enable other services too.
  std::set<std::string> initially_active = active;
  for (const auto& name : selected_services) {
    auto it = profiles->find(name);
    if (it != profiles->end() && !enabled_by(it->second, initially_active))
      active.insert(it->second.begin(), it->second.end());
  }

  std::set<std::string> disabled;
  for (const auto& [name, list] : *profiles)
    if (!enabled_by(list, active)) disabled.insert(name);

  // Sorted by name (ProfileMap order) so the reported error is stable.
  for (const auto& [name, _] : *profiles) {
    if (disabled.count(name)) continue;
    std::string path = join_path("services", name);
    for (const Reference& ref : required_references(*services->find(name), path)) {
      if (!disabled.count(ref.target)) continue;
      const auto& theirs = profiles->at(ref.target);
      std::string hint = theirs.size() == 1 ? "activate profile " + quoted_list(theirs)
                                            : "activate one of its profiles " + quoted_list(theirs);
      return Error(Errc::kValidation,
                   "service \"" + name + "\" depends on undefined service \"" + ref.target + "\": \"" + ref.target +
                       "\" is disabled, " + hint + " to enable it",
                   ref.path, ref.mark.known() ? std::optional<Mark>(ref.mark) : std::nullopt);
    }
  }

  auto& entries = services->entries;
  entries.erase(std::remove_if(entries.begin(), entries.end(), [&](const Entry& e) { return disabled.count(e.key) > 0; }),
                entries.end());
  return ok_status();
}

std::vector<std::string> all_profiles(const Node& doc) {
  std::set<std::string> names;
  if (const Node* services = doc.find("services"); services && services->is_map()) {
    for (const Entry& e : services->entries) {
      const Node* list = e.value.find("profiles");
      if (!list || !list->is_seq()) continue;
      for (const Node& p : list->items)
        if (p.is_scalar()) names.insert(p.scalar);
    }
  }
  return {names.begin(), names.end()};
}

}  // namespace racker::compose
