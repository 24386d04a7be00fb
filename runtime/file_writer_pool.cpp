#include "file_writer_pool.h"

#include <fcntl.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace racker::runtime {
namespace {

Error write_error(const std::string& shown, const char* what, int err) {
  return Error(Errc::kIo, "layer entry \"" + shown + "\": " + what + ": " + std::strerror(err));
}

}  // namespace

Status apply_entry_meta(int fd, const EntryMeta& meta, const std::string& shown, bool with_times) {
  if (meta.owner && ::fchown(fd, meta.owner->first, meta.owner->second) != 0)
    return write_error(shown, "chown", errno);
  if (::fchmod(fd, meta.perm) != 0) return write_error(shown, "chmod", errno);
  // As libarchive did: a filesystem or an attribute the kernel refuses costs only the attribute.
  for (const auto& [name, value] : meta.xattrs) (void)::fsetxattr(fd, name.c_str(), value.data(), value.size(), 0);
  if (with_times) {
    timespec times[2] = {meta.atime, meta.mtime};
    if (::futimens(fd, times) != 0) return write_error(shown, "set times", errno);
  }
  return ok_status();
}

Status write_all_at(int fd, const char* p, size_t size, int64_t offset, const std::string& shown) {
  while (size > 0) {
    ssize_t n = ::pwrite(fd, p, size, offset);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return write_error(shown, "write", errno);
    p += n;
    offset += n;
    size -= static_cast<size_t>(n);
  }
  return ok_status();
}

Status write_file_job(const FileJob& job) {
  UniqueFd fd(::openat(job.parent.get(), job.name.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
  if (!fd.valid()) return write_error(job.shown, "create", errno);
  size_t at = 0;
  int64_t end = 0;
  for (const auto& [offset, length] : job.blocks) {
    if (auto st = write_all_at(fd.get(), job.data.data() + at, length, offset, job.shown); !st) return st;
    at += length;
    end = std::max(end, offset + static_cast<int64_t>(length));
  }
  if (end != job.size && ::ftruncate(fd.get(), job.size) != 0) return write_error(job.shown, "truncate", errno);
  return apply_entry_meta(fd.get(), job.meta, job.shown, true);
}

FileWriterPool::FileWriterPool(int workers, size_t max_queued_bytes)
    : workers_(workers), max_queued_bytes_(max_queued_bytes) {}

FileWriterPool::~FileWriterPool() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
    jobs_.clear();
  }
  queued_.notify_all();
  progressed_.notify_all();
  for (auto& t : threads_) t.join();
}

void FileWriterPool::submit(FileJob job) {
  std::unique_lock<std::mutex> lock(mu_);
  if (threads_.empty())
    for (int i = 0; i < workers_; ++i) threads_.emplace_back([this] { work(); });
  // One job always fits, however big: the bound only stops the queue growing.
  progressed_.wait(lock, [&] { return queued_bytes_ == 0 || queued_bytes_ + job.data.size() <= max_queued_bytes_; });
  queued_bytes_ += job.data.size();
  jobs_.push_back(std::move(job));
  queued_.notify_one();
}

Status FileWriterPool::drain() {
  std::unique_lock<std::mutex> lock(mu_);
  progressed_.wait(lock, [&] { return jobs_.empty() && running_ == 0; });
  if (first_error_) return *first_error_;
  return ok_status();
}

Status FileWriterPool::error() {
  std::lock_guard<std::mutex> lock(mu_);
  if (first_error_) return *first_error_;
  return ok_status();
}

void FileWriterPool::work() {
  std::unique_lock<std::mutex> lock(mu_);
  for (;;) {
    queued_.wait(lock, [&] { return stopping_ || !jobs_.empty(); });
    if (stopping_) return;
    FileJob job = std::move(jobs_.front());
    jobs_.pop_front();
    ++running_;
    // After an error the rest only has to leave the queue: the unpack fails.
    bool skip = first_error_.has_value();
    lock.unlock();
    Status st = skip ? ok_status() : write_file_job(job);
    size_t bytes = job.data.size();
    job = FileJob{};  // its fd and buffer go before the lock is taken again
    lock.lock();
    --running_;
    queued_bytes_ -= bytes;
    if (!st && !first_error_) first_error_ = st.error();
    progressed_.notify_all();
  }
}

}  // namespace racker::runtime
