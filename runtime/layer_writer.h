#pragma once
// The disk side of the layer unpacker: creates one tar entry at a time below
// a root directory fd, never by a host path. Every directory on the way is
// opened component by component with openat2(RESOLVE_BENEATH |
// RESOLVE_NO_SYMLINKS), so neither a symlink an earlier entry left nor a
// name longer than PATH_MAX can lead outside the root; owners, modes, xattrs
// and times are set through the new entry's own fd (or relative to its
// parent's fd with AT_SYMLINK_NOFOLLOW) as soon as it exists.
//
// One writer per destination, used from one thread; small regular files are
// created by its FileWriterPool (file_writer_pool.h) while it reads on.

#include <archive.h>
#include <archive_entry.h>
#include <sys/stat.h>

#include <map>
#include <memory>
#include <string>
#include <unordered_set>
#include <vector>

#include "beneath.h"
#include "file_writer_pool.h"
#include "racker/runtime/layer_unpack.h"

namespace racker::runtime {

// kPermission: "layer entry \"NAME\" WHY", for entries refused as unsafe.
Error unsafe_layer_entry(const std::string& name, const char* why);

class LayerWriter {
 public:
  // REQUIRES: root is an open directory that only this writer changes.
  LayerWriter(UniqueFd root, const LayerUnpackOptions& options);

  // Creates the entry at `rel` (clean: no "", ".", ".." or "/" parts), reading
  // a regular file's data from `tar`. `shown` is the name as the tar has it.
  // Returns the bytes of content a regular file added (0 for anything else).
  Result<int64_t> add(archive* tar, archive_entry* entry, const std::string& rel, const std::string& shown);

  // ".wh.NAME" in dir `parent`: an overlay whiteout for NAME, or for the
  // opaque marker, trusted.overlay.opaque=y on `parent` itself, set at once.
  Status add_whiteout(const std::string& parent, const std::string& marker, const std::string& shown);

  // Waits for the queued files, then sets the directories' times, which
  // their children's creation changed.
  Status finish();

 private:
  enum class Create { kMissing, kNever };
  struct OpenDir {
    std::string name;
    UniqueFd fd;
  };
  struct Times {
    timespec atime, mtime;
  };

  // The directory at `rel` (the root for ""), made when missing and allowed.
  Result<int> dir_at(const std::string& rel, Create create, const std::string& shown);
  // Removes what stands at parent/name unless both it and the new entry are directories.
  Status clear_place(int parent, const std::string& name, bool new_is_dir, const std::string& shown);
  Status add_directory(int parent, const std::string& name, const std::string& rel, archive_entry* entry,
                       const std::string& shown);
  Result<int64_t> add_regular(archive* tar, int parent, const std::string& name, const std::string& rel,
                              archive_entry* entry, const std::string& shown);
  // Reads the file's blocks and hands it to the pool.
  Result<int64_t> queue_regular(archive* tar, int parent, const std::string& name, const std::string& rel,
                                archive_entry* entry, const std::string& shown);
  Status add_hardlink(int parent, const std::string& name, const std::string& rel, const std::string& target,
                      const std::string& shown);
  Status add_node(int parent, const std::string& name, archive_entry* entry, const std::string& shown);
  EntryMeta entry_meta(archive_entry* entry) const;
  // Waits for the pool when `rel` or a directory above it is still queued.
  Status settle_for(const std::string& rel);
  Status drain();

  UniqueFd root_;
  LayerUnpackOptions options_;
  // Open fds of the directories from the root down to the last one used:
  // tar streams list a directory's entries together, so most entries reuse
  // the whole chain and open nothing.
  std::vector<OpenDir> chain_;
  std::map<std::string, Times> dir_times_;  // applied by finish()
  std::unique_ptr<FileWriterPool> pool_;    // null: files are written inline
  std::unordered_set<std::string> queued_;  // paths handed to the pool since it was last drained
};

}  // namespace racker::runtime
