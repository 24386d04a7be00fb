// Layer tarball -> overlay lower directory. Two libarchive readers are
// chained: the first only decompresses (format "raw", any filter) and hashes
// what it hands on, the second parses tar from those bytes. So one pass over
// the blob yields both the tree and the diff-ID.
#include "racker/runtime/layer_unpack.h"

#include <archive.h>
#include <archive_entry.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <set>
#include <vector>

namespace racker::runtime {
namespace {

constexpr std::string_view kWhiteoutPrefix = ".wh.";
constexpr std::string_view kOpaqueMarker = ".wh..wh..opq";
constexpr std::string_view kWhiteoutMetaPrefix = ".wh..wh.";  // aufs internals (.wh..wh.plnk)
constexpr size_t kReadBlock = 1 << 20;
constexpr size_t kTarBlock = 512;

struct ArchiveReadDeleter {
  void operator()(archive* a) const { archive_read_free(a); }
};
struct ArchiveWriteDeleter {
  void operator()(archive* a) const { archive_write_free(a); }
};
using ReadArchive = std::unique_ptr<archive, ArchiveReadDeleter>;
using WriteArchive = std::unique_ptr<archive, ArchiveWriteDeleter>;

Error unsafe(const std::string& name, const char* why) {
  return Error(Errc::kPermission, "layer entry \"" + name + "\" " + why);
}

// "./a//b/./c" -> "a/b/c". Absolute names and ".." components are refused:
// a layer only ever describes paths below its own root.
Result<std::string> clean_entry_path(const std::string& name) {
  if (!name.empty() && name.front() == '/') return unsafe(name, "is an absolute path; refusing to escape the layer root");
  std::string out;
  size_t start = 0;
  while (start <= name.size()) {
    size_t slash = name.find('/', start);
    std::string comp = name.substr(start, slash == std::string::npos ? std::string::npos : slash - start);
    if (comp == "..") return unsafe(name, "escapes the layer root (\"..\")");
    if (!comp.empty() && comp != ".") {
      if (!out.empty()) out += '/';
      out += comp;
    }
    if (slash == std::string::npos) break;
    start = slash + 1;
  }
  return out;
}


// mkdir -p below dest, refusing symlinked components.
Status make_dirs(const std::string& dest, const std::string& rel, const std::string& shown) {
  std::string path = dest;
  size_t start = 0;
  while (start < rel.size()) {
    size_t slash = rel.find('/', start);
    path += "/" + rel.substr(start, slash == std::string::npos ? std::string::npos : slash - start);
    struct stat st {};
    if (::lstat(path.c_str(), &st) == 0) {
      if (S_ISLNK(st.st_mode)) return unsafe(shown, "resolves through a symlink; refusing to escape the layer root");
      if (!S_ISDIR(st.st_mode)) return unsafe(shown, "has a parent that is not a directory");
    } else if (::mkdir(path.c_str(), 0755) != 0 && errno != EEXIST) {
      return Error(Errc::kIo, "mkdir " + path + ": " + std::strerror(errno));
    }
    if (slash == std::string::npos) break;
    start = slash + 1;
  }
  return ok_status();
}

std::string parent_of(const std::string& rel) {
  size_t slash = rel.rfind('/');
  return slash == std::string::npos ? std::string() : rel.substr(0, slash);
}

std::string base_of(const std::string& rel) {
  size_t slash = rel.rfind('/');
  return slash == std::string::npos ? rel : rel.substr(slash + 1);
}

// Feeds the tar reader with decompressed bytes, hashing them on the way.
struct HashingSource {
  archive* raw = nullptr;
  Sha256 hash;
  int64_t bytes = 0;
  bool padded = false;
};

la_ssize_t read_decompressed(archive* outer, void* client, const void** buf) {
  auto* src = static_cast<HashingSource*>(client);
  size_t size = 0;
  la_int64_t offset = 0;
  int r;
  // An empty block is not the end: returning 0 would tell the tar reader EOF.
  do {
    r = archive_read_data_block(src->raw, buf, &size, &offset);
  } while (r == ARCHIVE_OK && size == 0);
  if (r == ARCHIVE_EOF) {
    // Some writers (umoci 0.4 `insert`) end the stream right after the last
    // file's data, without its padding and the end-of-archive blocks. Supply
    // those zeros once, unhashed, as Go's tar reader tolerates their absence:
    // the blob digest already pins what the publisher pushed.
    if (src->padded) return 0;
    src->padded = true;
    size_t pad = (kTarBlock - static_cast<size_t>(src->bytes % kTarBlock)) % kTarBlock + 2 * kTarBlock;
    static const char kZeros[3 * kTarBlock] = {};
    *buf = kZeros;
    return static_cast<la_ssize_t>(pad);
  }
  if (r < ARCHIVE_WARN) {
    archive_set_error(outer, archive_errno(src->raw), "%s", archive_error_string(src->raw));
    return -1;
  }
  src->hash.update(*buf, size);
  src->bytes += static_cast<int64_t>(size);
  return static_cast<la_ssize_t>(size);
}

Error archive_failure(archive* a, const std::string& what) {
  const char* msg = archive_error_string(a);
  return Error(Errc::kIo, what + ": " + (msg ? msg : "unknown libarchive error"));
}

class Unpacker {
 public:
  Unpacker(std::string dest, const LayerUnpackOptions& options) : dest_(std::move(dest)), options_(options) {}

  Result<UnpackedLayer> run(const std::string& blob_path) {
    ReadArchive raw(archive_read_new());
    archive_read_support_filter_all(raw.get());
    archive_read_support_format_raw(raw.get());
    if (archive_read_open_filename(raw.get(), blob_path.c_str(), kReadBlock) != ARCHIVE_OK)
      return archive_failure(raw.get(), "open layer " + blob_path);
    archive_entry* raw_entry = nullptr;
    int r = archive_read_next_header(raw.get(), &raw_entry);
    if (r == ARCHIVE_EOF) return Error(Errc::kIo, "layer " + blob_path + ": empty blob");
    if (r < ARCHIVE_WARN) return archive_failure(raw.get(), "layer " + blob_path);

    HashingSource source;
    source.raw = raw.get();
    ReadArchive tar(archive_read_new());
    archive_read_support_format_tar(tar.get());
    if (archive_read_open2(tar.get(), &source, nullptr, read_decompressed, nullptr, nullptr) != ARCHIVE_OK)
      return archive_failure(tar.get(), "layer " + blob_path);

    WriteArchive disk(archive_write_disk_new());
    // Not ARCHIVE_EXTRACT_SECURE_SYMLINKS: check_parents() does that job
    // with a cache instead of opening every path component of every entry.
    int flags = ARCHIVE_EXTRACT_TIME | ARCHIVE_EXTRACT_PERM | ARCHIVE_EXTRACT_XATTR |
                ARCHIVE_EXTRACT_SECURE_NODOTDOT;
    if (options_.preserve_ownership) flags |= ARCHIVE_EXTRACT_OWNER;
    archive_write_disk_set_options(disk.get(), flags);
    // No name lookup: image uids/gids are numeric and must not map through the host's passwd.

    UnpackedLayer result;
    for (;;) {
      archive_entry* entry = nullptr;
      r = archive_read_next_header(tar.get(), &entry);
      if (r == ARCHIVE_EOF) break;
      if (r < ARCHIVE_WARN) return archive_failure(tar.get(), "layer " + blob_path);
      if (auto st = write_entry(tar.get(), disk.get(), entry, result); !st) return st.error();
    }
    if (archive_write_close(disk.get()) != ARCHIVE_OK) return archive_failure(disk.get(), "layer " + blob_path);
    for (const auto& dir : opaque_dirs_) {
      if (::setxattr(dir.c_str(), "trusted.overlay.opaque", "y", 1, 0) != 0)
        return Error(Errc::kIo, "mark " + dir + " opaque: " + std::strerror(errno));
    }
    // The tar reader stops at the end-of-archive blocks; the diff-ID covers the whole stream.
    const void* buf = nullptr;
    size_t size = 0;
    la_int64_t offset = 0;
    while ((r = archive_read_data_block(raw.get(), &buf, &size, &offset)) == ARCHIVE_OK || r == ARCHIVE_WARN) {
      source.hash.update(buf, size);
      source.bytes += static_cast<int64_t>(size);
    }
    if (r != ARCHIVE_EOF) return archive_failure(raw.get(), "layer " + blob_path);
    result.diff_id = source.hash.finish();
    result.tar_size = source.bytes;
    return result;
  }

 private:
  Status write_entry(archive* tar, archive* disk, archive_entry* entry, UnpackedLayer& result) {
    const char* raw_name = archive_entry_pathname(entry);
    std::string name = raw_name ? raw_name : "";
    auto clean = clean_entry_path(name);
    if (!clean) return clean.error();
    if (clean->empty()) return ok_status();  // the layer root itself

    std::string base = base_of(*clean);
    if (base.compare(0, kWhiteoutPrefix.size(), kWhiteoutPrefix) == 0) return write_whiteout(*clean, base, name);
    if (auto st = check_parents(*clean, name); !st) return st;
    if (archive_entry_filetype(entry) != AE_IFDIR) forget(*clean);
    // libarchive stat()s (follows) an existing path to decide whether to
    // reuse it: a symlink left by an earlier entry must not make it chmod or
    // chown what the link points to. Replace it.
    std::string full = dest_ + "/" + *clean;
    struct stat existing {};
    if (::lstat(full.c_str(), &existing) == 0 && S_ISLNK(existing.st_mode) && ::unlink(full.c_str()) != 0)
      return Error(Errc::kIo, "unlink " + full + ": " + std::strerror(errno));

    if (const char* link = archive_entry_hardlink(entry)) {
      std::string target_name = link;
      auto target = clean_entry_path(target_name);
      if (!target) return unsafe(name, ("is a hard link to \"" + target_name + "\", outside the layer root").c_str());
      if (target->empty()) return unsafe(name, "is a hard link to the layer root");
      if (auto st = check_parents(*target, name); !st) return st;
      archive_entry_set_hardlink(entry, (dest_ + "/" + *target).c_str());
    }
    archive_entry_set_pathname(entry, full.c_str());

    int r = archive_write_header(disk, entry);
    if (r < ARCHIVE_WARN) return archive_failure(disk, "layer entry \"" + name + "\"");
    if (archive_entry_filetype(entry) == AE_IFREG && archive_entry_size(entry) > 0) {
      if (!archive_entry_hardlink(entry)) result.content_size += archive_entry_size(entry);
      const void* buf = nullptr;
      size_t size = 0;
      la_int64_t offset = 0;
      for (;;) {
        r = archive_read_data_block(tar, &buf, &size, &offset);
        if (r == ARCHIVE_EOF) break;
        if (r < ARCHIVE_WARN) return archive_failure(tar, "layer entry \"" + name + "\"");
        if (archive_write_data_block(disk, buf, size, offset) < ARCHIVE_WARN)
          return archive_failure(disk, "layer entry \"" + name + "\"");
      }
    }
    if (archive_write_finish_entry(disk) < ARCHIVE_WARN) return archive_failure(disk, "layer entry \"" + name + "\"");
    return ok_status();
  }

  Status write_whiteout(const std::string& clean, const std::string& base, const std::string& shown) {
    if (!options_.overlay_whiteouts) return ok_status();
    std::string parent = parent_of(clean);
    if (auto st = make_dirs(dest_, parent, shown); !st) return st;
    std::string parent_path = parent.empty() ? dest_ : dest_ + "/" + parent;
    if (base == kOpaqueMarker) {
      opaque_dirs_.push_back(parent_path);
      return ok_status();
    }
    if (base.compare(0, kWhiteoutMetaPrefix.size(), kWhiteoutMetaPrefix) == 0) return ok_status();
    std::string hidden = base.substr(kWhiteoutPrefix.size());
    if (hidden.empty() || hidden == "." || hidden == "..") return unsafe(shown, "is not a valid whiteout");
    std::string path = parent_path + "/" + hidden;
    if (::mknod(path.c_str(), S_IFCHR | 0000, makedev(0, 0)) != 0)
      return Error(Errc::kIo, "whiteout " + path + ": " + std::strerror(errno));
    return ok_status();
  }

  // Every existing component of dest/rel except the last must be a real
  // directory: a symlink there would redirect the write outside dest.
  // Directories already checked are remembered (this is what keeps the
  // unpacker fast: libarchive's own SECURE_SYMLINKS walks every component of
  // every entry); forget() drops them when an entry may replace them.
  Status check_parents(const std::string& rel, const std::string& shown) {
    size_t slash = rel.find('/');
    while (slash != std::string::npos) {
      std::string dir = rel.substr(0, slash);
      if (!real_dirs_.count(dir)) {
        struct stat st {};
        std::string path = dest_ + "/" + dir;
        if (::lstat(path.c_str(), &st) != 0) return ok_status();  // not there yet: libarchive creates real dirs
        if (S_ISLNK(st.st_mode)) return unsafe(shown, "resolves through a symlink; refusing to escape the layer root");
        if (!S_ISDIR(st.st_mode)) return unsafe(shown, "has a parent that is not a directory");
        real_dirs_.insert(dir);
      }
      slash = rel.find('/', slash + 1);
    }
    return ok_status();
  }

  // An entry written at `rel` may have replaced a directory there.
  void forget(const std::string& rel) {
    auto it = real_dirs_.lower_bound(rel);
    while (it != real_dirs_.end() && (*it == rel || it->compare(0, rel.size() + 1, rel + "/") == 0)) it = real_dirs_.erase(it);
  }

  std::string dest_;
  LayerUnpackOptions options_;
  std::vector<std::string> opaque_dirs_;
  std::set<std::string> real_dirs_;  // relative paths known to be real directories
};

}  // namespace

LayerUnpackOptions default_unpack_options() {
  LayerUnpackOptions o;
  o.preserve_ownership = ::geteuid() == 0;
  o.overlay_whiteouts = ::geteuid() == 0;
  return o;
}

Result<UnpackedLayer> unpack_layer(const std::string& blob_path, const std::string& dest,
                                   const LayerUnpackOptions& options) {
  // libarchive refuses to write through symlinks, including ones above dest
  // (/var -> ...): work on the resolved path.
  char resolved[PATH_MAX];
  if (!::realpath(dest.c_str(), resolved)) return Error(Errc::kIo, "layer destination " + dest + ": " + std::strerror(errno));
  Unpacker unpacker(resolved, options);
  return unpacker.run(blob_path);
}

}  // namespace racker::runtime
