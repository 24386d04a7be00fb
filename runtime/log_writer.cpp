#include "racker/runtime/log_writer.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#define SD_JOURNAL_SUPPRESS_LOCATION
#include <systemd/sd-journal.h>

#include <cerrno>
#include <cstdio>
#include <nlohmann/json.hpp>

#include "container_files.h"

namespace racker::runtime {

const char* log_stream_name(LogStream s) { return s == LogStream::kStdout ? "stdout" : "stderr"; }

std::string format_log_record(LogStream stream, std::string_view message, const std::string& time) {
  nlohmann::json j = {{"log", std::string(message)}, {"stream", log_stream_name(stream)}, {"time", time}};
  // Invalid UTF-8 becomes U+FFFD, as Go's encoder does for docker.
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

Result<std::unique_ptr<JsonFileLog>> JsonFileLog::open(const std::string& path, const LogSpec& spec) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
  if (fd < 0) return cfiles::errno_error("open log " + path, errno);
  struct stat st {};
  ::fstat(fd, &st);
  return std::unique_ptr<JsonFileLog>(new JsonFileLog(path, spec, fd, st.st_size));
}

JsonFileLog::~JsonFileLog() {
  if (fd_ >= 0) ::close(fd_);
}

Status JsonFileLog::rotate() {
  ::close(fd_);
  fd_ = -1;
  if (spec_.max_files <= 1) {
    ::truncate(path_.c_str(), 0);
  } else {
    for (int i = spec_.max_files - 1; i > 1; --i)
      ::rename((path_ + "." + std::to_string(i - 1)).c_str(), (path_ + "." + std::to_string(i)).c_str());
    ::rename(path_.c_str(), (path_ + ".1").c_str());
  }
  fd_ = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
  if (fd_ < 0) return cfiles::errno_error("reopen log " + path_, errno);
  size_ = 0;
  return ok_status();
}

Status JsonFileLog::append(LogStream stream, std::string_view message, const std::string& time) {
  std::string line = format_log_record(stream, message, time);
  if (spec_.max_size > 0 && size_ > 0 && size_ + static_cast<int64_t>(line.size()) > spec_.max_size)
    if (auto st = rotate(); !st) return st;
  size_t done = 0;
  while (done < line.size()) {
    ssize_t n = ::write(fd_, line.data() + done, line.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return cfiles::errno_error("write log " + path_, errno);
    done += static_cast<size_t>(n);
  }
  size_ += static_cast<int64_t>(line.size());
  return ok_status();
}

bool JournalLog::available() { return ::access("/run/systemd/journal/socket", F_OK) == 0; }

void JournalLog::append(LogStream stream, std::string_view message) {
  std::string text(message);
  if (!text.empty() && text.back() == '\n') text.pop_back();
  std::string short_id = id_.substr(0, 12);
  sd_journal_send("MESSAGE=%s", text.c_str(), "PRIORITY=%d", stream == LogStream::kStdout ? 6 : 3,
                  "CONTAINER_ID=%s", short_id.c_str(), "CONTAINER_ID_FULL=%s", id_.c_str(), "CONTAINER_NAME=%s",
                  name_.c_str(), "CONTAINER_TAG=%s", short_id.c_str(), "IMAGE_NAME=%s", image_.c_str(),
                  "SYSLOG_IDENTIFIER=%s", short_id.c_str(), nullptr);
}

}  // namespace racker::runtime
