#include "layer_writer.h"

#include <fcntl.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string_view>

namespace racker::runtime {
namespace {

// Deeper than any real image; bounds the open fds of the directory chain.
constexpr size_t kMaxDepth = 256;

Error io_error(const std::string& shown, const char* what, int err) {
  return Error(Errc::kIo, "layer entry \"" + shown + "\": " + what + ": " + std::strerror(err));
}

std::vector<std::string> components(const std::string& rel) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start < rel.size()) {
    size_t slash = rel.find('/', start);
    if (slash == std::string::npos) slash = rel.size();
    out.push_back(rel.substr(start, slash - start));
    start = slash + 1;
  }
  return out;
}

Error open_dir_error(const std::string& shown, int err) {
  if (err == ELOOP || err == EXDEV) return unsafe_layer_entry(shown, "resolves through a symlink; refusing to escape the layer root");
  if (err == ENOTDIR) return unsafe_layer_entry(shown, "has a parent that is not a directory");
  return io_error(shown, "open parent directory", err);
}

timespec entry_mtime(archive_entry* entry) {
  return {static_cast<time_t>(archive_entry_mtime(entry)), archive_entry_mtime_nsec(entry)};
}

timespec entry_atime(archive_entry* entry) {
  if (!archive_entry_atime_is_set(entry)) return entry_mtime(entry);
  return {static_cast<time_t>(archive_entry_atime(entry)), archive_entry_atime_nsec(entry)};
}

mode_t entry_perm(archive_entry* entry) { return static_cast<mode_t>(archive_entry_perm(entry)) & 07777; }

bool is_special(unsigned type) { return type == AE_IFCHR || type == AE_IFBLK || type == AE_IFIFO; }

// Calls fn(data, size, offset) for each non-empty block of the current
// entry's content, stopping at its first error.
template <class Fn>
Status for_each_data_block(archive* tar, const std::string& shown, Fn fn) {
  const void* buf = nullptr;
  size_t size = 0;
  la_int64_t offset = 0;
  for (;;) {
    int r = archive_read_data_block(tar, &buf, &size, &offset);
    if (r == ARCHIVE_EOF) return ok_status();
    if (r < ARCHIVE_WARN) {
      const char* msg = archive_error_string(tar);
      return Error(Errc::kIo, "layer entry \"" + shown + "\": " + (msg ? msg : "unreadable data"));
    }
    if (size == 0) continue;
    if (Status st = fn(static_cast<const char*>(buf), size, static_cast<int64_t>(offset)); !st) return st;
  }
}

}  // namespace

Error unsafe_layer_entry(const std::string& name, const char* why) {
  return Error(Errc::kPermission, "layer entry \"" + name + "\" " + why);
}

// Files up to this size go to the pool; bigger ones stream from the archive
// on the reading thread (their bytes, not their creation, cost the time).
constexpr int64_t kQueuedFileMax = 1 << 20;
constexpr size_t kQueuedBytesMax = 16 << 20;

LayerWriter::LayerWriter(UniqueFd root, const LayerUnpackOptions& options) : root_(std::move(root)), options_(options) {
  if (options_.file_writers > 0) pool_ = std::make_unique<FileWriterPool>(options_.file_writers, kQueuedBytesMax);
}

EntryMeta LayerWriter::entry_meta(archive_entry* entry) const {
  EntryMeta meta;
  if (options_.preserve_ownership)
    meta.owner = {static_cast<uid_t>(archive_entry_uid(entry)), static_cast<gid_t>(archive_entry_gid(entry))};
  meta.perm = entry_perm(entry);
  archive_entry_xattr_reset(entry);
  const char* name = nullptr;
  const void* value = nullptr;
  size_t size = 0;
  while (archive_entry_xattr_next(entry, &name, &value, &size) == ARCHIVE_OK) {
    // trusted.* is the host's own state (overlayfs keeps whiteouts and
    // redirects there): an image must not set it, as containerd also refuses.
    if (std::string_view(name).substr(0, 8) == "trusted.") continue;
    meta.xattrs.emplace_back(name, std::string(static_cast<const char*>(value), size));
  }
  meta.atime = entry_atime(entry);
  meta.mtime = entry_mtime(entry);
  return meta;
}

Status LayerWriter::drain() {
  queued_.clear();
  return pool_ ? pool_->drain() : ok_status();
}

Status LayerWriter::settle_for(const std::string& rel) {
  if (queued_.empty()) return ok_status();
  for (size_t end = rel.find('/'); ; end = rel.find('/', end + 1)) {
    if (queued_.count(end == std::string::npos ? rel : rel.substr(0, end))) return drain();
    if (end == std::string::npos) return ok_status();
  }
}

Result<int> LayerWriter::dir_at(const std::string& rel, Create create, const std::string& shown) {
  std::vector<std::string> parts = components(rel);
  if (parts.size() > kMaxDepth) return unsafe_layer_entry(shown, "is nested deeper than 256 directories");
  size_t keep = 0;
  while (keep < chain_.size() && keep < parts.size() && chain_[keep].name == parts[keep]) ++keep;
  if (keep == parts.size()) return keep == 0 ? root_.get() : chain_[keep - 1].fd.get();  // open already
  chain_.erase(chain_.begin() + static_cast<std::ptrdiff_t>(keep), chain_.end());
  int current = chain_.empty() ? root_.get() : chain_.back().fd.get();
  for (size_t i = keep; i < parts.size(); ++i) {
    int fd = open_beneath(current, parts[i], O_RDONLY | O_DIRECTORY, Symlinks::kRefuse);
    if (fd < 0 && errno == ENOENT && create == Create::kMissing) {
      // Parents a tar leaves implicit are made as docker makes them.
      if (::mkdirat(current, parts[i].c_str(), 0755) != 0 && errno != EEXIST) return io_error(shown, "mkdir", errno);
      fd = open_beneath(current, parts[i], O_RDONLY | O_DIRECTORY, Symlinks::kRefuse);
    }
    if (fd < 0) return open_dir_error(shown, errno);
    chain_.push_back({parts[i], UniqueFd(fd)});
    current = fd;
  }
  return current;
}

Status LayerWriter::clear_place(int parent, const std::string& name, bool new_is_dir, const std::string& shown) {
  struct stat st {};
  if (::fstatat(parent, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
    if (errno == ENOENT) return ok_status();
    return io_error(shown, "stat", errno);
  }
  if (new_is_dir && S_ISDIR(st.st_mode)) return ok_status();  // directories merge, as in docker
  // The chain may hold fds inside a directory about to go: drop it whole
  // (the caller looks its parent up again).
  if (S_ISDIR(st.st_mode)) chain_.clear();
  // Queued files may be on their way into what goes.
  if (auto drained = drain(); !drained) return drained;
  if (int err = remove_at(parent, name.c_str()); err != 0) return io_error(shown, "remove the earlier entry", err);
  return ok_status();
}

Status LayerWriter::add_directory(int parent, const std::string& name, const std::string& rel, archive_entry* entry,
                                  const std::string& shown) {
  if (::mkdirat(parent, name.c_str(), 0700) != 0 && errno != EEXIST) return io_error(shown, "mkdir", errno);
  UniqueFd fd(open_beneath(parent, name, O_RDONLY | O_DIRECTORY, Symlinks::kRefuse));
  if (!fd.valid()) return open_dir_error(shown, errno);
  if (auto st = apply_entry_meta(fd.get(), entry_meta(entry), shown, false); !st) return st;
  dir_times_[rel] = {entry_atime(entry), entry_mtime(entry)};
  return ok_status();
}

Result<int64_t> LayerWriter::queue_regular(archive* tar, int parent, const std::string& name, const std::string& rel,
                                           archive_entry* entry, const std::string& shown) {
  FileJob job;
  job.parent = UniqueFd(::fcntl(parent, F_DUPFD_CLOEXEC, 0));
  if (!job.parent.valid()) return io_error(shown, "dup", errno);
  job.name = name;
  job.shown = shown;
  job.size = archive_entry_size(entry);
  job.meta = entry_meta(entry);
  Status read = for_each_data_block(tar, shown, [&](const char* data, size_t size, int64_t offset) -> Status {
    if (offset + static_cast<int64_t>(size) > job.size) return unsafe_layer_entry(shown, "has more data than its size");
    job.data.append(data, size);
    job.blocks.emplace_back(offset, size);
    return ok_status();
  });
  if (!read) return read.error();
  pool_->submit(std::move(job));
  queued_.insert(rel);
  return archive_entry_size(entry);
}

Result<int64_t> LayerWriter::add_regular(archive* tar, int parent, const std::string& name, const std::string& rel,
                                         archive_entry* entry, const std::string& shown) {
  if (pool_ && archive_entry_size(entry) <= kQueuedFileMax) return queue_regular(tar, parent, name, rel, entry, shown);
  UniqueFd fd(::openat(parent, name.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
  if (!fd.valid()) return io_error(shown, "create", errno);
  // Blocks come with their offsets: holes of sparse files stay holes.
  int64_t end = 0;
  Status written = for_each_data_block(tar, shown, [&](const char* data, size_t size, int64_t offset) {
    end = offset + static_cast<int64_t>(size);
    return write_all_at(fd.get(), data, size, offset, shown);
  });
  if (!written) return written.error();
  int64_t declared = archive_entry_size(entry);
  if (end != declared && ::ftruncate(fd.get(), declared) != 0) return io_error(shown, "truncate", errno);  // a trailing hole
  if (auto st = apply_entry_meta(fd.get(), entry_meta(entry), shown, true); !st) return st.error();
  return declared;
}

Status LayerWriter::add_hardlink(int parent, const std::string& name, const std::string& rel,
                                 const std::string& target, const std::string& shown) {
  if (target == rel) return ok_status();  // a link to itself: already there
  size_t slash = target.rfind('/');
  std::string target_dir = slash == std::string::npos ? "" : target.substr(0, slash);
  std::string target_name = slash == std::string::npos ? target : target.substr(slash + 1);
  // Resolved on its own fd: the chain holds the new entry's parent.
  UniqueFd dir(open_beneath(root_.get(), target_dir, O_PATH | O_DIRECTORY, Symlinks::kRefuse));
  if (!dir.valid()) {
    if (errno == ENAMETOOLONG) return unsafe_layer_entry(shown, "is a hard link whose target path is too long");
    return open_dir_error(shown, errno);
  }
  // flags 0: a symlink target is linked itself, never followed.
  if (::linkat(dir.get(), target_name.c_str(), parent, name.c_str(), 0) != 0) {
    if (errno == ENOENT) return unsafe_layer_entry(shown, ("is a hard link to \"" + target + "\", which the layer does not hold").c_str());
    return io_error(shown, "hard link", errno);
  }
  return ok_status();
}

Status LayerWriter::add_node(int parent, const std::string& name, archive_entry* entry, const std::string& shown) {
  unsigned type = archive_entry_filetype(entry);
  const char* cname = name.c_str();
  if (type == AE_IFLNK) {
    const char* target = archive_entry_symlink(entry);
    if (!target) return unsafe_layer_entry(shown, "is a symlink without a target");
    if (::symlinkat(target, parent, cname) != 0) return io_error(shown, "symlink", errno);
  } else {
    dev_t dev = makedev(archive_entry_rdevmajor(entry), archive_entry_rdevminor(entry));
    mode_t kind = type == AE_IFCHR ? S_IFCHR : type == AE_IFBLK ? S_IFBLK : S_IFIFO;
    if (::mknodat(parent, cname, kind | 0600, dev) != 0) return io_error(shown, "mknod", errno);
  }
  // By name below the parent's fd, never following: the node is ours, made
  // a moment ago in a directory no one else writes.
  if (options_.preserve_ownership &&
      ::fchownat(parent, cname, static_cast<uid_t>(archive_entry_uid(entry)), static_cast<gid_t>(archive_entry_gid(entry)),
                 AT_SYMLINK_NOFOLLOW) != 0)
    return io_error(shown, "chown", errno);
  if (type != AE_IFLNK && ::fchmodat(parent, cname, entry_perm(entry), 0) != 0) return io_error(shown, "chmod", errno);
  timespec times[2] = {entry_atime(entry), entry_mtime(entry)};
  if (::utimensat(parent, cname, times, AT_SYMLINK_NOFOLLOW) != 0) return io_error(shown, "set times", errno);
  return ok_status();
}

Result<int64_t> LayerWriter::add(archive* tar, archive_entry* entry, const std::string& rel, const std::string& shown) {
  unsigned type = archive_entry_filetype(entry);
  const char* link = archive_entry_hardlink(entry);
  bool plain_only = options_.entries == LayerEntries::kPlainFiles;
  if (!link && (type == AE_IFSOCK || (is_special(type) && plain_only))) return int64_t{0};  // nothing to make
  if (!link && type != AE_IFREG && type != AE_IFDIR && type != AE_IFLNK && !is_special(type))
    return unsafe_layer_entry(shown, "has an unknown file type");

  if (pool_)
    if (auto st = pool_->error(); !st) return st.error();
  if (auto st = settle_for(rel); !st) return st.error();
  if (link)
    if (auto st = settle_for(link); !st) return st.error();  // its target may still be queued

  size_t slash = rel.rfind('/');
  std::string parent_rel = slash == std::string::npos ? "" : rel.substr(0, slash);
  std::string name = slash == std::string::npos ? rel : rel.substr(slash + 1);
  auto parent = dir_at(parent_rel, Create::kMissing, shown);
  if (!parent) return parent.error();
  bool is_dir = !link && type == AE_IFDIR;
  if (!(link && *link && rel == link)) {
    if (auto st = clear_place(*parent, name, is_dir, shown); !st) return st.error();
  }
  // clear_place may have dropped the chain: look the parent up again (free when it did not).
  parent = dir_at(parent_rel, Create::kNever, shown);
  if (!parent) return parent.error();

  if (link) {
    if (auto st = add_hardlink(*parent, name, rel, link, shown); !st) return st.error();
    return int64_t{0};
  }
  if (is_dir) {
    if (auto st = add_directory(*parent, name, rel, entry, shown); !st) return st.error();
    return int64_t{0};
  }
  if (type == AE_IFREG) return add_regular(tar, *parent, name, rel, entry, shown);
  if (auto st = add_node(*parent, name, entry, shown); !st) return st.error();
  return int64_t{0};
}

Status LayerWriter::add_whiteout(const std::string& parent_rel, const std::string& marker, const std::string& shown) {
  std::string target = marker == ".wh..wh..opq" ? parent_rel
                       : parent_rel.empty()     ? marker.substr(4)
                                                : parent_rel + "/" + marker.substr(4);
  if (auto st = settle_for(target); !st) return st;
  auto parent = dir_at(parent_rel, Create::kMissing, shown);
  if (!parent) return parent.error();
  if (marker == ".wh..wh..opq") {
    if (::fsetxattr(*parent, "trusted.overlay.opaque", "y", 1, 0) != 0) return io_error(shown, "mark opaque", errno);
    return ok_status();
  }
  std::string hidden = marker.substr(4);  // after ".wh."
  if (auto st = clear_place(*parent, hidden, false, shown); !st) return st;
  parent = dir_at(parent_rel, Create::kNever, shown);
  if (!parent) return parent.error();
  if (::mknodat(*parent, hidden.c_str(), S_IFCHR | 0000, makedev(0, 0)) != 0) return io_error(shown, "whiteout", errno);
  return ok_status();
}

Status LayerWriter::finish() {
  if (auto st = drain(); !st) return st;
  for (const auto& [rel, times] : dir_times_) {
    // A directory a later entry replaced or removed has no times to get.
    auto dir = dir_at(rel, Create::kNever, rel);
    if (!dir) continue;
    timespec ts[2] = {times.atime, times.mtime};
    if (::futimens(*dir, ts) != 0) return io_error(rel, "set times", errno);
  }
  chain_.clear();
  return ok_status();
}

}  // namespace racker::runtime
