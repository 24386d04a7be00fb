#pragma once
// Reading a container's json-file log back for `racker logs`: the rotated
// files oldest first, then the live one; --tail, --since, --until, and
// --follow across rotations until the container stops.

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "racker/runtime/log_writer.h"
#include "racker/util/error.h"

namespace racker::runtime {

struct LogRecord {
  LogStream stream = LogStream::kStdout;
  std::string message;  // bytes as the container wrote them, '\n' included
  std::string time;     // RFC 3339 nanos, as stored
};

// One json-file line. kParse on malformed lines.
Result<LogRecord> parse_log_record(const std::string& line);

// Nanoseconds since the epoch of an RFC 3339 time ("2024-01-02T03:04:05.5Z",
// offsets allowed). kInvalidArgument when malformed.
Result<int64_t> parse_rfc3339(const std::string& text);
// docker's --since/--until: RFC 3339, a unix timestamp ("1700000000.5"), or a
// duration before `now_ns` ("10m", "1h30m"). Nanoseconds since the epoch.
Result<int64_t> parse_log_time_bound(const std::string& text, int64_t now_ns);

struct LogReadOptions {
  int tail = -1;                  // last N records; -1: all
  std::optional<int64_t> since;   // ns since epoch, inclusive
  std::optional<int64_t> until;   // ns since epoch, exclusive
  bool follow = false;
  std::chrono::milliseconds poll_interval{50};
};

// The options `logs --tail N|all --since T --until T` ask for (docker's
// flags, shared by `racker logs` and `racker compose logs`).
Result<LogReadOptions> log_read_options(const std::string& tail, const std::string& since, const std::string& until);

// Calls `emit` for each record of `log_path` (and its rotated files) in
// order. With follow, keeps reading new records until `running()` returns
// false and everything written so far was read. `emit` returning false stops.
Status read_logs(const std::string& log_path, int max_files, const LogReadOptions& options,
                 const std::function<bool(const LogRecord&)>& emit, const std::function<bool()>& running);

}  // namespace racker::runtime
