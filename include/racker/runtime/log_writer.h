#pragma once
// Container output, as docker's json-file driver keeps it: one JSON object
// per line, {"log":"text\n","stream":"stdout","time":"<RFC 3339 nanos>"}.
// Output is split into records at newlines and at 16 KiB (docker's buffer),
// a record without a trailing newline being a partial line. With a size
// limit the file rotates: <log>.1 is the newest old file, <log>.<max-1>
// the oldest, as docker names them. Each record can also go to the journal
// (sd_journal_send with docker's journald fields) when journald runs.
//
// Not thread safe: one writer per container (its monitor).

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "racker/runtime/container_spec.h"
#include "racker/util/error.h"

namespace racker::runtime {

enum class LogStream { kStdout, kStderr };
const char* log_stream_name(LogStream s);

inline constexpr size_t kMaxLogRecord = 16 * 1024;

// Formats one json-file line (with its trailing '\n').
std::string format_log_record(LogStream stream, std::string_view message, const std::string& time);

class JsonFileLog {
 public:
  // Opens `path` for appending (creating it). kIo on failure.
  static Result<std::unique_ptr<JsonFileLog>> open(const std::string& path, const LogSpec& spec);
  ~JsonFileLog();
  JsonFileLog(const JsonFileLog&) = delete;
  JsonFileLog& operator=(const JsonFileLog&) = delete;

  Status append(LogStream stream, std::string_view message, const std::string& time);

 private:
  JsonFileLog(std::string path, LogSpec spec, int fd, int64_t size)
      : path_(std::move(path)), spec_(spec), fd_(fd), size_(size) {}
  Status rotate();

  std::string path_;
  LogSpec spec_;
  int fd_;
  int64_t size_;
};

// Docker's journald log driver: MESSAGE, CONTAINER_ID (12), CONTAINER_ID_FULL,
// CONTAINER_NAME, CONTAINER_TAG, IMAGE_NAME, SYSLOG_IDENTIFIER, PRIORITY
// (6 for stdout, 3 for stderr).
class JournalLog {
 public:
  // True when journald's socket exists (/run/systemd/journal/socket).
  static bool available();
  JournalLog(std::string id, std::string name, std::string image)
      : id_(std::move(id)), name_(std::move(name)), image_(std::move(image)) {}
  void append(LogStream stream, std::string_view message);

 private:
  std::string id_, name_, image_;
};

// Cuts a byte stream into log records: at each '\n' (kept) and every
// kMaxLogRecord bytes; `flush` returns a final partial line.
class LineSplitter {
 public:
  template <class Emit>
  void feed(std::string_view bytes, Emit&& emit) {
    for (char c : bytes) {
      pending_ += c;
      if (c == '\n' || pending_.size() >= kMaxLogRecord) {
        emit(std::string_view(pending_));
        pending_.clear();
      }
    }
  }
  template <class Emit>
  void flush(Emit&& emit) {
    if (!pending_.empty()) emit(std::string_view(pending_));
    pending_.clear();
  }

 private:
  std::string pending_;
};

}  // namespace racker::runtime
