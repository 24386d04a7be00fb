// Layer tarball -> overlay lower directory. Two libarchive readers are
// chained: the first only decompresses (format "raw", any filter) and hashes
// what it hands on, the second parses tar from those bytes. So one pass over
// the blob yields both the tree and the diff-ID.
#include "racker/runtime/layer_unpack.h"

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>

#include "layer_writer.h"

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
using ReadArchive = std::unique_ptr<archive, ArchiveReadDeleter>;


// "./a//b/./c" -> "a/b/c". Absolute names and ".." components are refused:
// a layer only ever describes paths below its own root.
Result<std::string> clean_entry_path(const std::string& name) {
  if (!name.empty() && name.front() == '/') return unsafe_layer_entry(name, "is an absolute path; refusing to escape the layer root");
  std::string out;
  size_t start = 0;
  while (start <= name.size()) {
    size_t slash = name.find('/', start);
    std::string comp = name.substr(start, slash == std::string::npos ? std::string::npos : slash - start);
    if (comp == "..") return unsafe_layer_entry(name, "escapes the layer root (\"..\")");
    if (!comp.empty() && comp != ".") {
      if (!out.empty()) out += '/';
      out += comp;
    }
    if (slash == std::string::npos) break;
    start = slash + 1;
  }
  return out;
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
  int64_t max_bytes = 0;
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
  if (src->bytes > src->max_bytes) {
    archive_set_error(outer, EFBIG, "decompresses to more than %jd bytes, the limit", static_cast<intmax_t>(src->max_bytes));
    return -1;
  }
  return static_cast<la_ssize_t>(size);
}

Error archive_failure(archive* a, const std::string& what) {
  const char* msg = archive_error_string(a);
  return Error(Errc::kIo, what + ": " + (msg ? msg : "unknown libarchive error"));
}

class Unpacker {
 public:
  Unpacker(UniqueFd root, const LayerUnpackOptions& options) : options_(options), writer_(std::move(root), options) {}

  Result<UnpackedLayer> run(int blob_fd, const std::string& shown) {
    ReadArchive raw(archive_read_new());
    archive_read_support_filter_all(raw.get());
    archive_read_support_format_raw(raw.get());
    if (archive_read_open_fd(raw.get(), blob_fd, kReadBlock) != ARCHIVE_OK)
      return archive_failure(raw.get(), "open layer " + shown);
    archive_entry* raw_entry = nullptr;
    int r = archive_read_next_header(raw.get(), &raw_entry);
    if (r == ARCHIVE_EOF) return Error(Errc::kIo, "layer " + shown + ": empty blob");
    if (r < ARCHIVE_WARN) return archive_failure(raw.get(), "layer " + shown);

    HashingSource source;
    source.raw = raw.get();
    source.max_bytes = options_.max_bytes;
    ReadArchive tar(archive_read_new());
    archive_read_support_format_tar(tar.get());
    if (archive_read_open2(tar.get(), &source, nullptr, read_decompressed, nullptr, nullptr) != ARCHIVE_OK)
      return archive_failure(tar.get(), "layer " + shown);

    UnpackedLayer result;
    for (;;) {
      archive_entry* entry = nullptr;
      r = archive_read_next_header(tar.get(), &entry);
      if (r == ARCHIVE_EOF) break;
      if (r < ARCHIVE_WARN) return archive_failure(tar.get(), "layer " + shown);
      auto added = write_entry(tar.get(), entry);
      if (!added) return added.error();
      result.content_size += *added;
    }
    if (auto st = writer_.finish(); !st) return st.error();
    // The tar reader stops at the end-of-archive blocks; the diff-ID covers the whole stream.
    const void* buf = nullptr;
    size_t size = 0;
    la_int64_t offset = 0;
    while ((r = archive_read_data_block(raw.get(), &buf, &size, &offset)) == ARCHIVE_OK || r == ARCHIVE_WARN) {
      source.hash.update(buf, size);
      source.bytes += static_cast<int64_t>(size);
      if (source.bytes > source.max_bytes)
        return Error(Errc::kIo, "layer " + shown + ": decompresses to more than " + std::to_string(source.max_bytes) +
                                    " bytes, the limit");
    }
    if (r != ARCHIVE_EOF) return archive_failure(raw.get(), "layer " + shown);
    result.diff_id = source.hash.finish();
    result.tar_size = source.bytes;
    return result;
  }

 private:
  Result<int64_t> write_entry(archive* tar, archive_entry* entry) {
    const char* raw_name = archive_entry_pathname(entry);
    if (!raw_name) return Error(Errc::kPermission, "layer entry with an unreadable name");
    std::string name = raw_name;
    auto clean = clean_entry_path(name);
    if (!clean) return clean.error();
    if (clean->empty()) return int64_t{0};  // the layer root itself

    std::string base = base_of(*clean);
    if (base.compare(0, kWhiteoutPrefix.size(), kWhiteoutPrefix) == 0) {
      if (auto st = write_whiteout(*clean, base, name); !st) return st.error();
      return int64_t{0};
    }
    const char* link = archive_entry_hardlink(entry);
    if (link) {
      std::string target_name = link;
      auto target = clean_entry_path(target_name);
      if (!target) return unsafe_layer_entry(name, ("is a hard link to \"" + target_name + "\", outside the layer root").c_str());
      if (target->empty()) return unsafe_layer_entry(name, "is a hard link to the layer root");
      archive_entry_set_hardlink(entry, target->c_str());
    }
    return writer_.add(tar, entry, *clean, name);
  }

  Status write_whiteout(const std::string& clean, const std::string& base, const std::string& shown) {
    if (!options_.overlay_whiteouts) return ok_status();
    if (base != kOpaqueMarker && base.compare(0, kWhiteoutMetaPrefix.size(), kWhiteoutMetaPrefix) == 0)
      return ok_status();  // aufs bookkeeping
    std::string hidden = base.substr(kWhiteoutPrefix.size());
    if (base != kOpaqueMarker && (hidden.empty() || hidden == "." || hidden == ".."))
      return unsafe_layer_entry(shown, "is not a valid whiteout");
    size_t slash = clean.rfind('/');
    return writer_.add_whiteout(slash == std::string::npos ? "" : clean.substr(0, slash), base, shown);
  }

  LayerUnpackOptions options_;
  LayerWriter writer_;
};

}  // namespace

LayerUnpackOptions default_unpack_options() {
  LayerUnpackOptions o;
  o.preserve_ownership = ::geteuid() == 0;
  o.overlay_whiteouts = ::geteuid() == 0;
  return o;
}

Result<UnpackedLayer> unpack_layer_fd(int blob_fd, const std::string& shown, const std::string& dest,
                                      const LayerUnpackOptions& options) {
  UniqueFd root(::open(dest.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!root.valid()) return Error(Errc::kIo, "layer destination " + dest + ": " + std::strerror(errno));
  Unpacker unpacker(std::move(root), options);
  return unpacker.run(blob_fd, shown);
}

Result<UnpackedLayer> unpack_layer(const std::string& blob_path, const std::string& dest,
                                   const LayerUnpackOptions& options) {
  UniqueFd blob(::open(blob_path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!blob.valid()) return Error(Errc::kIo, "open layer " + blob_path + ": " + std::strerror(errno));
  return unpack_layer_fd(blob.get(), blob_path, dest, options);
}

}  // namespace racker::runtime
