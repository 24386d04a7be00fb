#pragma once
// Writes the small regular files of a layer on worker threads (internal to
// the layer unpacker). Creating a file costs far more than its bytes on most
// filesystems (journal and inode work, a VM's block layer), and that cost
// overlaps across threads, so the reader decompresses and queues while a few
// workers create. Each job carries its own fd of the parent directory,
// already resolved beneath the layer root, and a single-component name it
// creates with O_CREAT | O_EXCL | O_NOFOLLOW: a worker never resolves a path.
//
// The writer (layer_writer.h) keeps the order a tar stream implies: it drains
// the pool before anything that could meet a queued file (a later entry on
// the same path or below it, a hard link to it, a removal).

#include <sys/stat.h>
#include <sys/types.h>

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "beneath.h"
#include "racker/util/error.h"

namespace racker::runtime {

// Owner, mode, xattrs and times of a layer entry, read off the tar header.
struct EntryMeta {
  std::optional<std::pair<uid_t, gid_t>> owner;  // unset: left as created
  mode_t perm = 0;
  std::vector<std::pair<std::string, std::string>> xattrs;  // trusted.* already dropped
  timespec atime{}, mtime{};
};

// Applies `meta` through `fd`: chown before chmod (chown clears the setuid
// and setgid bits), xattrs the kernel refuses are skipped, times only when
// asked (a directory's change with each child and are set last).
Status apply_entry_meta(int fd, const EntryMeta& meta, const std::string& shown, bool with_times);

struct FileJob {
  UniqueFd parent;
  std::string name, shown;
  std::string data;                              // the content's blocks, back to back
  std::vector<std::pair<int64_t, size_t>> blocks;  // (file offset, length) of each, in `data` order
  int64_t size = 0;                              // the declared size: a trailing hole reaches it
  EntryMeta meta;
};

// pwrite until all of p[0..size) is at `offset` of fd.
Status write_all_at(int fd, const char* p, size_t size, int64_t offset, const std::string& shown);

// Creates job.name below job.parent and writes it whole.
Status write_file_job(const FileJob& job);

class FileWriterPool {
 public:
  // `workers` threads, started at the first submit; submit blocks while
  // more than `max_queued_bytes` of content waits.
  FileWriterPool(int workers, size_t max_queued_bytes);
  ~FileWriterPool();  // drops what is still queued and joins the workers
  FileWriterPool(const FileWriterPool&) = delete;
  FileWriterPool& operator=(const FileWriterPool&) = delete;

  void submit(FileJob job);
  // Waits until every submitted job has run; the first error any had.
  Status drain();
  // The first error so far, without waiting.
  Status error();

 private:
  void work();

  const int workers_;
  const size_t max_queued_bytes_;
  std::mutex mu_;
  std::condition_variable queued_, progressed_;
  std::deque<FileJob> jobs_;
  size_t queued_bytes_ = 0;
  int running_ = 0;
  bool stopping_ = false;
  std::optional<Error> first_error_;
  std::vector<std::thread> threads_;
};

}  // namespace racker::runtime
