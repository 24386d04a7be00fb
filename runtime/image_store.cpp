// LocalImageStore: layout, blobs, layers, records and tags. Removal and
// pruning live in image_store_remove.cpp.
#include "racker/runtime/image_store.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <nlohmann/json.hpp>

#include "container_files.h"
#include "image_files.h"
#include "image_store_internal.h"

namespace racker::runtime {

namespace store_internal {

using nlohmann::json;

StoreLock::StoreLock(const std::string& root) {
  std::string path = root + "/lock";
  fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd_ < 0) {
    status_ = Error(Errc::kIo, "open " + path + ": " + std::strerror(errno));
    return;
  }
  while (::flock(fd_, LOCK_EX) != 0) {
    if (errno != EINTR) {
      status_ = Error(Errc::kIo, "lock " + path + ": " + std::strerror(errno));
      return;
    }
  }
}

StoreLock::~StoreLock() {
  if (fd_ >= 0) ::close(fd_);  // closing releases the lock
}

Result<TagMap> read_tags(const std::string& root) {
  auto text = files::read(root + "/repositories.json");
  if (!text) return text.error().code == Errc::kNotFound ? Result<TagMap>(TagMap{}) : Result<TagMap>(text.error());
  try {
    TagMap out;
    json doc = json::parse(*text);
    json tags = doc.value("tags", json::object());
    for (const auto& [tag, id] : tags.items()) {
      auto d = Digest::parse(id.get<std::string>());
      if (!d) return Error(Errc::kParse, root + "/repositories.json: " + d.error().message);
      out[tag] = *d;
    }
    return out;
  } catch (const json::exception& e) {
    return Error(Errc::kParse, root + "/repositories.json: " + e.what());
  }
}

Status write_tags(const std::string& root, const TagMap& tags) {
  json t = json::object();
  for (const auto& [tag, id] : tags) t[tag] = id.str();
  return files::write_atomic(root + "/repositories.json", json{{"tags", t}}.dump(2) + "\n");
}

std::string record_to_json(const ImageRecord& r) {
  json layers = json::array();
  for (const auto& l : r.layers) layers.push_back(l.str());
  return json{{"id", r.id.str()},
              {"repo_digests", r.repo_digests},
              {"manifest_digest", r.manifest_digest.empty() ? "" : r.manifest_digest.str()},
              {"layers", layers},
              {"size", r.size},
              {"created", r.created},
              {"os", r.platform.os},
              {"architecture", r.platform.architecture},
              {"variant", r.platform.variant}}
             .dump(2) + "\n";
}

Result<ImageRecord> record_from_json(const std::string& text) {
  try {
    json doc = json::parse(text);
    ImageRecord r;
    auto id = Digest::parse(doc.value("id", ""));
    if (!id) return id.error();
    r.id = *id;
    r.repo_digests = doc.value("repo_digests", std::vector<std::string>{});
    if (std::string m = doc.value("manifest_digest", ""); !m.empty()) {
      auto d = Digest::parse(m);
      if (!d) return d.error();
      r.manifest_digest = *d;
    }
    for (const auto& l : doc.value("layers", std::vector<std::string>{})) {
      auto d = Digest::parse(l);
      if (!d) return d.error();
      r.layers.push_back(*d);
    }
    r.size = doc.value("size", int64_t{0});
    r.created = doc.value("created", "");
    r.platform.os = doc.value("os", "");
    r.platform.architecture = doc.value("architecture", "");
    r.platform.variant = doc.value("variant", "");
    return r;
  } catch (const json::exception& e) {
    return Error(Errc::kParse, std::string("image record: ") + e.what());
  }
}

std::string familiar_tag(const std::string& full) {
  auto ref = parse_image_ref(full);
  return ref ? ref->familiar() : full;
}

}  // namespace store_internal

using namespace store_internal;

std::string LocalImageStore::default_root() {
  const char* env = std::getenv("RACKER_ROOT");
  return env && *env ? env : "/var/lib/racker";
}

Result<std::unique_ptr<LocalImageStore>> LocalImageStore::open(const std::string& racker_root, const ImageLimits& limits) {
  std::string root = racker_root + "/images";
  // The root is only traversable; the store is root's alone (layers hold
  // setuid binaries and device nodes, blobs may hold credentials in env).
  if (auto st = cfiles::make_private_dir(racker_root, 0711); !st) return st.error();
  if (auto st = cfiles::make_private_dir(root, 0700); !st) return st.error();
  for (const char* sub : {"/blobs/sha256", "/layers", "/images", "/tmp"})
    if (auto st = cfiles::make_dirs(root + sub, 0700); !st) return st.error();
  std::unique_ptr<LocalImageStore> store(new LocalImageStore(racker_root, root, limits));
  // Staging of interrupted writers is garbage. A session directory is
  // flocked by its live owner: if we can take the lock, its process is gone
  // (flocks die with their holders, kill -9 included). Anything else old
  // enough is left over from elsewhere.
  if (DIR* dir = ::opendir((root + "/tmp").c_str())) {
    time_t cutoff = ::time(nullptr) - 24 * 3600;
    while (dirent* e = ::readdir(dir)) {
      std::string name = e->d_name;
      if (name == "." || name == "..") continue;
      std::string path = root + "/tmp/" + name;
      if (name.rfind("session-", 0) == 0) {
        int fd = ::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0) continue;
        if (::flock(fd, LOCK_EX | LOCK_NB) == 0) (void)files::remove_tree(path);
        ::close(fd);
        continue;
      }
      struct stat st {};
      if (::lstat(path.c_str(), &st) == 0 && st.st_mtime < cutoff) (void)files::remove_tree(path);
    }
    ::closedir(dir);
  }
  return store;
}

LocalImageStore::~LocalImageStore() {
  std::lock_guard<std::mutex> lock(session_mu_);
  if (session_fd_ >= 0) {
    (void)files::remove_tree(session_dir_);
    ::close(session_fd_);
  }
}

Result<std::string> LocalImageStore::session_dir() {
  std::lock_guard<std::mutex> lock(session_mu_);
  if (session_fd_ >= 0) return session_dir_;
  for (int attempt = 0; attempt < 5; ++attempt) {
    auto dir = files::make_temp_dir(root_ + "/tmp", "session-");
    if (!dir) return dir.error();
    int fd = ::open(dir->c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return Error(Errc::kIo, "open " + *dir + ": " + std::strerror(errno));
    // Another process opening the store may have taken the new directory for
    // a dead session and removed it before we locked it: check it is still ours.
    struct stat by_fd {}, by_path {};
    if (::flock(fd, LOCK_EX | LOCK_NB) == 0 && ::fstat(fd, &by_fd) == 0 && ::stat(dir->c_str(), &by_path) == 0 &&
        by_fd.st_ino == by_path.st_ino && by_fd.st_dev == by_path.st_dev) {
      session_dir_ = *dir;
      session_fd_ = fd;
      return session_dir_;
    }
    ::close(fd);
  }
  return Error(Errc::kIo, "cannot create a staging directory in " + root_ + "/tmp");
}

// --- blobs ---

bool LocalImageStore::has_blob(const Digest& d) const { return files::exists(root_ + "/blobs/sha256/" + d.hex()); }

Result<std::string> LocalImageStore::read_blob(const Digest& d) const {
  auto bytes = files::read(root_ + "/blobs/sha256/" + d.hex());
  if (!bytes) return bytes.error();
  if (auto st = check_digest(d, sha256_of(*bytes), "stored blob " + d.str()); !st) return st.error();
  return bytes;
}

Status LocalImageStore::write_blob(const Digest& d, const std::string& bytes) {
  if (auto st = check_digest(d, sha256_of(bytes), "blob " + d.str()); !st) return st;
  if (has_blob(d)) return ok_status();
  return files::write_atomic(root_ + "/blobs/sha256/" + d.hex(), bytes, 0600);
}

// --- layers ---

std::string LocalImageStore::layer_dir(const Digest& diff_id) const { return root_ + "/layers/" + diff_id.hex() + "/diff"; }

int64_t LocalImageStore::layer_size(const Digest& diff_id) const {
  auto meta = files::read(root_ + "/layers/" + diff_id.hex() + "/layer.json");
  if (!meta) return 0;
  try {
    return nlohmann::json::parse(*meta).value("size", int64_t{0});
  } catch (const nlohmann::json::exception&) {
    return 0;
  }
}

bool LocalImageStore::has_layer(const Digest& diff_id) const {
  return files::exists(root_ + "/layers/" + diff_id.hex() + "/layer.json");
}

Result<std::string> LocalImageStore::make_scratch_dir() {
  auto session = session_dir();
  if (!session) return session.error();
  return files::make_temp_dir(*session, "scratch-");
}

Result<StagedLayer> LocalImageStore::stage_layer() {
  auto session = session_dir();
  if (!session) return session.error();
  auto dir = files::make_temp_dir(*session, "layer-");
  if (!dir) return dir.error();
  StagedLayer s{*dir, *dir + "/diff"};
  if (::mkdir(s.diff_dir.c_str(), 0755) != 0) return Error(Errc::kIo, "mkdir " + s.diff_dir + ": " + std::strerror(errno));
  return s;
}

void LocalImageStore::drop_staged(const StagedLayer& staged) { (void)files::remove_tree(staged.dir); }

Status LocalImageStore::commit_layer(const StagedLayer& staged, const Digest& diff_id, int64_t size) {
  nlohmann::json meta{{"diff_id", diff_id.str()}, {"size", size}};
  if (auto st = files::write_atomic(staged.dir + "/layer.json", meta.dump() + "\n"); !st) return st;
  // The rename publishes the layer; make its content durable first.
  int fd = ::open(staged.dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd >= 0) {
    ::syncfs(fd);
    ::close(fd);
  }
  std::string final_dir = root_ + "/layers/" + diff_id.hex();
  if (::rename(staged.dir.c_str(), final_dir.c_str()) != 0) {
    int err = errno;
    if ((err == ENOTEMPTY || err == EEXIST) && has_layer(diff_id)) {
      drop_staged(staged);  // another pull won the race with identical content
      return ok_status();
    }
    return Error(Errc::kIo, "commit layer " + diff_id.str() + ": " + std::strerror(err));
  }
  files::sync_dir(root_ + "/layers");
  return ok_status();
}

// --- records and tags ---

Result<ImageRecord> LocalImageStore::read_record(const Digest& id) const {
  auto text = files::read(root_ + "/images/" + id.hex() + ".json");
  if (!text) return text.error();
  return record_from_json(*text);
}

Status LocalImageStore::write_record(const ImageRecord& r) {
  return files::write_atomic(root_ + "/images/" + r.id.hex() + ".json", record_to_json(r));
}

Status LocalImageStore::add_image(const ImageRecord& record, const std::vector<std::string>& documents) {
  StoreLock lock(root_);
  if (!lock.status()) return lock.status();
  // Under the lock, so a prune cannot take them for orphans before the record exists.
  for (const auto& doc : documents)
    if (auto st = write_blob(sha256_of(doc), doc); !st) return st;
  if (!has_blob(record.id)) return Error(Errc::kNotFound, "image " + record.id.str() + ": config blob missing");
  for (const auto& l : record.layers)
    if (!has_layer(l)) return Error(Errc::kNotFound, "image " + record.id.str() + ": layer " + l.str() + " missing");
  ImageRecord merged = record;
  if (auto old = read_record(record.id)) {
    for (const auto& d : old->repo_digests)
      if (std::find(merged.repo_digests.begin(), merged.repo_digests.end(), d) == merged.repo_digests.end())
        merged.repo_digests.push_back(d);
  }
  merged.repo_tags.clear();  // tags live in repositories.json
  if (auto st = write_record(merged); !st) return st;
  auto tags = read_tags(root_);
  if (!tags) return tags.error();
  for (const auto& t : record.repo_tags) (*tags)[t] = record.id;
  return write_tags(root_, *tags);
}

Result<Digest> LocalImageStore::resolve_tag(const std::string& full_tag) {
  auto tags = read_tags(root_);
  if (!tags) return tags.error();
  auto it = tags->find(full_tag);
  if (it == tags->end()) return Error(Errc::kNotFound, "No such image: " + familiar_tag(full_tag));
  return it->second;
}

Result<ImageRecord> LocalImageStore::find_record(std::string_view text) {
  auto tags = read_tags(root_);
  if (!tags) return tags.error();
  auto with_tags = [&](ImageRecord r) {
    for (const auto& [tag, id] : *tags)
      if (id == r.id) r.repo_tags.push_back(tag);
    return r;
  };
  Error missing(Errc::kNotFound, "No such image: " + std::string(text));
  if (looks_like_image_id(text)) {
    std::string prefix(text.substr(0, 7) == "sha256:" ? text.substr(7) : text);
    std::vector<std::string> hits;
    if (DIR* dir = ::opendir((root_ + "/images").c_str())) {
      while (dirent* e = ::readdir(dir)) {
        std::string name = e->d_name;
        if (name.size() == 64 + 5 && name.compare(0, prefix.size(), prefix) == 0) hits.push_back(name.substr(0, 64));
      }
      ::closedir(dir);
    }
    if (hits.size() > 1) return Error(Errc::kInvalidArgument, "ambiguous image id prefix " + std::string(text));
    if (hits.size() == 1) {
      auto r = read_record(Digest::from_hex(hits[0]));
      if (!r) return r.error();
      return with_tags(*r);
    }
    if (text.substr(0, 7) == "sha256:") return missing;
  }
  auto ref = parse_image_ref(text);
  if (!ref) return ref.error();
  if (ref->digest) {
    std::string wanted = ref->repository() + "@" + ref->digest->str();
    auto all = list();
    if (!all) return all.error();
    for (const auto& r : *all)
      if (std::find(r.repo_digests.begin(), r.repo_digests.end(), wanted) != r.repo_digests.end()) return r;
    return missing;
  }
  auto it = tags->find(ref->str());
  if (it == tags->end()) return missing;
  auto r = read_record(it->second);
  if (!r) return r.error();
  return with_tags(*r);
}

Result<Image> LocalImageStore::get(std::string_view ref_or_id) {
  auto record = find_record(ref_or_id);
  if (!record) return record.error();
  auto blob = read_blob(record->id);
  if (!blob) return blob.error().with_context("while reading the config of " + std::string(ref_or_id));
  auto config = parse_image_config(*blob);
  if (!config) return config.error();
  Image image;
  image.record = std::move(*record);
  image.config = std::move(*config);
  for (const auto& l : image.record.layers) {
    if (!has_layer(l)) return Error(Errc::kNotFound, "image " + std::string(ref_or_id) + ": layer " + l.str() + " missing from the store");
    image.layer_dirs.push_back(layer_dir(l));
  }
  return image;
}

Result<std::vector<ImageRecord>> LocalImageStore::list() {
  auto tags = read_tags(root_);
  if (!tags) return tags.error();
  std::vector<ImageRecord> out;
  DIR* dir = ::opendir((root_ + "/images").c_str());
  if (!dir) return Error(Errc::kIo, "open " + root_ + "/images: " + std::strerror(errno));
  while (dirent* e = ::readdir(dir)) {
    std::string name = e->d_name;
    if (name.size() != 64 + 5 || name.substr(64) != ".json") continue;
    auto r = read_record(Digest::from_hex(name.substr(0, 64)));
    if (!r) continue;  // a record being replaced right now; the next listing shows it
    for (const auto& [tag, id] : *tags)
      if (id == r->id) r->repo_tags.push_back(tag);
    out.push_back(std::move(*r));
  }
  ::closedir(dir);
  std::sort(out.begin(), out.end(), [](const ImageRecord& a, const ImageRecord& b) {
    return a.created != b.created ? a.created > b.created : a.id < b.id;
  });
  return out;
}

}  // namespace racker::runtime
