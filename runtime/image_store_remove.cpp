// rmi and prune for LocalImageStore, with the "image in use" check against
// $RACKER_ROOT/containers/*/config.json (contract in image_store.h).
#include <dirent.h>
#include <sys/stat.h>

#include <algorithm>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <set>

#include "image_files.h"
#include "image_store_internal.h"
#include "racker/runtime/image_store.h"

namespace racker::runtime {

using namespace store_internal;

Result<std::vector<std::string>> LocalImageStore::containers_using(const ImageRecord& r) const {
  std::vector<std::string> users;
  std::string dir_path = racker_root_ + "/containers";
  DIR* dir = ::opendir(dir_path.c_str());
  if (!dir) return users;  // no containers yet
  while (dirent* e = ::readdir(dir)) {
    std::string name = e->d_name;
    if (name == "." || name == "..") continue;
    auto text = files::read(dir_path + "/" + name + "/config.json");
    if (!text) continue;
    try {
      auto doc = nlohmann::json::parse(*text);
      if (!doc.is_object()) continue;
      bool uses = doc.value("ImageID", "") == r.id.str();
      if (!uses) {
        std::string image = doc.value("Image", "");
        if (image == r.id.str() || (looks_like_image_id(image) && r.id.hex().rfind(image, 0) == 0)) uses = true;
        if (auto ref = parse_image_ref(image); !uses && ref)
          uses = std::find(r.repo_tags.begin(), r.repo_tags.end(), ref->str()) != r.repo_tags.end();
      }
      if (uses) users.push_back(name);
    } catch (const nlohmann::json::exception&) {
      continue;  // a container being written; it names its image once complete
    }
  }
  ::closedir(dir);
  std::sort(users.begin(), users.end());
  return users;
}

Result<std::vector<std::string>> LocalImageStore::delete_unused_layers(int64_t* reclaimed) {
  std::set<std::string> used;
  auto records = list();
  if (!records) return records.error();
  for (const auto& r : *records)
    for (const auto& l : r.layers) used.insert(l.hex());
  std::vector<std::string> deleted;
  DIR* dir = ::opendir((root_ + "/layers").c_str());
  if (!dir) return deleted;
  std::vector<std::string> names;
  while (dirent* e = ::readdir(dir)) names.emplace_back(e->d_name);
  ::closedir(dir);
  std::sort(names.begin(), names.end());
  for (const auto& name : names) {
    if (name.size() != 64 || used.count(name)) continue;
    if (reclaimed) {
      if (auto meta = files::read(root_ + "/layers/" + name + "/layer.json")) {
        try {
          *reclaimed += nlohmann::json::parse(*meta).value("size", int64_t{0});
        } catch (const nlohmann::json::exception&) {
        }
      }
    }
    // Renaming first makes the layer vanish at once; the slow delete follows.
    std::string doomed = root_ + "/tmp/deleting-" + name;
    if (::rename((root_ + "/layers/" + name).c_str(), doomed.c_str()) != 0) continue;
    (void)files::remove_tree(doomed);
    deleted.push_back("Deleted: sha256:" + name);
  }
  return deleted;
}

Status LocalImageStore::delete_unused_blobs(int64_t* reclaimed) {
  std::set<std::string> used;
  auto records = list();
  if (!records) return records.error();
  for (const auto& r : *records) {
    used.insert(r.id.hex());
    if (!r.manifest_digest.empty()) used.insert(r.manifest_digest.hex());
  }
  std::string dir_path = root_ + "/blobs/sha256";
  DIR* dir = ::opendir(dir_path.c_str());
  if (!dir) return ok_status();
  std::vector<std::string> doomed;
  while (dirent* e = ::readdir(dir)) {
    std::string name = e->d_name;
    if (name == "." || name == ".." || used.count(name)) continue;
    doomed.push_back(dir_path + "/" + name);  // unreferenced digests and stray temporary files alike
  }
  ::closedir(dir);
  for (const auto& path : doomed) {
    struct stat st {};
    if (reclaimed && ::lstat(path.c_str(), &st) == 0) *reclaimed += st.st_size;
    std::remove(path.c_str());
  }
  return ok_status();
}

Result<std::vector<std::string>> LocalImageStore::remove(std::string_view text, bool force) {
  StoreLock lock(root_);
  if (!lock.status()) return lock.status().error();
  auto record = find_record(text);
  if (!record) return record.error();
  auto tags = read_tags(root_);
  if (!tags) return tags.error();
  auto users = containers_using(*record);
  if (!users) return users.error();

  std::vector<std::string> out;
  std::string by_tag;
  if (auto ref = parse_image_ref(text); ref && !ref->digest && !looks_like_image_id(text) && tags->count(ref->str()))
    by_tag = ref->str();

  if (!force && !users->empty()) {
    if (!by_tag.empty())
      return Error(Errc::kConflict, "conflict: unable to remove repository reference \"" + std::string(text) +
                                        "\" (must force) - container " + users->front() +
                                        " is using its referenced image " + record->id.short_id());
    return Error(Errc::kConflict, "conflict: unable to delete " + record->id.short_id() +
                                      " (must be forced) - image is being used by container " + users->front());
  }
  if (by_tag.empty() && !force && record->repo_tags.size() > 1)
    return Error(Errc::kConflict, "conflict: unable to delete " + record->id.short_id() +
                                      " (must be forced) - image is referenced in multiple repositories");

  // Untag: just the named tag, or all of them when named by id or digest.
  std::vector<std::string> untag = by_tag.empty() ? record->repo_tags : std::vector<std::string>{by_tag};
  for (const auto& t : untag) {
    tags->erase(t);
    out.push_back("Untagged: " + familiar_tag(t));
  }
  if (auto st = write_tags(root_, *tags); !st) return st.error();
  bool still_tagged = std::any_of(tags->begin(), tags->end(), [&](const auto& kv) { return kv.second == record->id; });
  if (still_tagged) return out;
  if (!users->empty() && !force) return out;

  for (const auto& d : record->repo_digests) out.push_back("Untagged: " + familiar_tag(d));
  std::remove((root_ + "/images/" + record->id.hex() + ".json").c_str());
  std::remove((root_ + "/blobs/sha256/" + record->id.hex()).c_str());
  if (!record->manifest_digest.empty()) std::remove((root_ + "/blobs/sha256/" + record->manifest_digest.hex()).c_str());
  out.push_back("Deleted: " + record->id.str());
  auto layers = delete_unused_layers(nullptr);
  if (!layers) return layers.error();
  out.insert(out.end(), layers->begin(), layers->end());
  return out;
}

Result<LocalImageStore::PruneReport> LocalImageStore::prune() {
  StoreLock lock(root_);
  if (!lock.status()) return lock.status().error();
  PruneReport report;
  auto records = list();
  if (!records) return records.error();
  for (const auto& r : *records) {
    if (!r.repo_tags.empty()) continue;
    auto users = containers_using(r);
    if (!users) return users.error();
    if (!users->empty()) continue;
    std::remove((root_ + "/images/" + r.id.hex() + ".json").c_str());
    std::remove((root_ + "/blobs/sha256/" + r.id.hex()).c_str());
    if (!r.manifest_digest.empty()) std::remove((root_ + "/blobs/sha256/" + r.manifest_digest.hex()).c_str());
    report.deleted.push_back("deleted: " + r.id.str());
  }
  auto layers = delete_unused_layers(&report.reclaimed);
  if (!layers) return layers.error();
  for (const auto& l : *layers) report.deleted.push_back("deleted: " + l.substr(std::string("Deleted: ").size()));
  if (auto st = delete_unused_blobs(&report.reclaimed); !st) return st.error();
  return report;
}

}  // namespace racker::runtime
