#include "racker/runtime/log_reader.h"

#include <sys/stat.h>

#include <cctype>
#include <chrono>
#include <cstdlib>
#include <ctime>
#include <deque>
#include <fstream>
#include <nlohmann/json.hpp>
#include <thread>
#include <vector>

namespace racker::runtime {

Result<LogRecord> parse_log_record(const std::string& line) {
  try {
    auto j = nlohmann::json::parse(line);
    LogRecord r;
    r.message = j.value("log", "");
    r.stream = j.value("stream", "stdout") == "stderr" ? LogStream::kStderr : LogStream::kStdout;
    r.time = j.value("time", "");
    return r;
  } catch (const std::exception& e) {
    return Error(Errc::kParse, std::string("malformed log record: ") + e.what());
  }
}

Result<int64_t> parse_rfc3339(const std::string& text) {
  auto bad = [&] { return Error(Errc::kInvalidArgument, "invalid time: " + text); };
  struct tm tm {};
  const char* rest = ::strptime(text.c_str(), "%Y-%m-%dT%H:%M:%S", &tm);
  if (!rest) return bad();
  int64_t nanos = 0;
  if (*rest == '.') {
    ++rest;
    int digits = 0;
    while (std::isdigit(static_cast<unsigned char>(*rest))) {
      if (digits < 9) nanos = nanos * 10 + (*rest - '0');
      ++digits;
      ++rest;
    }
    for (; digits < 9; ++digits) nanos *= 10;
  }
  int64_t offset = 0;
  if (*rest == 'Z' || *rest == 'z') ++rest;
  else if (*rest == '+' || *rest == '-') {
    int sign = *rest == '-' ? -1 : 1;
    int hh = 0, mm = 0;
    if (std::sscanf(rest + 1, "%2d:%2d", &hh, &mm) != 2) return bad();
    offset = sign * (hh * 3600 + mm * 60);
    rest += 6;
  } else if (*rest != '\0') {
    return bad();
  }
  if (*rest != '\0') return bad();
  int64_t secs = static_cast<int64_t>(::timegm(&tm)) - offset;
  return secs * 1000000000 + nanos;
}

namespace {
// Go durations as docker reads --since: "10m", "1h30m", "45s", "1.5h".
std::optional<int64_t> parse_go_duration(const std::string& text) {
  if (text.empty()) return std::nullopt;
  size_t i = 0;
  double total = 0;
  while (i < text.size()) {
    size_t start = i;
    while (i < text.size() && (std::isdigit(static_cast<unsigned char>(text[i])) || text[i] == '.')) ++i;
    if (start == i) return std::nullopt;
    double value = std::strtod(text.substr(start, i - start).c_str(), nullptr);
    size_t unit_start = i;
    while (i < text.size() && std::isalpha(static_cast<unsigned char>(text[i]))) ++i;
    std::string unit = text.substr(unit_start, i - unit_start);
    double scale = unit == "ns" ? 1 : unit == "us" ? 1e3 : unit == "ms" ? 1e6 : unit == "s" ? 1e9
                 : unit == "m" ? 60e9 : unit == "h" ? 3600e9 : -1;
    if (scale < 0) return std::nullopt;
    total += value * scale;
  }
  return static_cast<int64_t>(total);
}
}  // namespace

Result<int64_t> parse_log_time_bound(const std::string& text, int64_t now_ns) {
  if (auto d = parse_go_duration(text)) return now_ns - *d;
  if (!text.empty() && text.find_first_not_of("0123456789.") == std::string::npos) {
    double secs = std::strtod(text.c_str(), nullptr);
    return static_cast<int64_t>(secs * 1e9);
  }
  if (auto t = parse_rfc3339(text)) return *t;
  // A date alone, as docker allows.
  if (auto t = parse_rfc3339(text + "T00:00:00Z")) return *t;
  return Error(Errc::kInvalidArgument,
               "invalid value for \"since\": failed to parse value as time or duration: \"" + text + "\"");
}

namespace {

bool in_window(const LogRecord& r, const LogReadOptions& o) {
  if (!o.since && !o.until) return true;
  auto t = parse_rfc3339(r.time);
  if (!t) return true;
  if (o.since && *t < *o.since) return false;
  if (o.until && *t >= *o.until) return false;
  return true;
}

ino_t inode_of(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 ? st.st_ino : 0;
}

}  // namespace

Status read_logs(const std::string& log_path, int max_files, const LogReadOptions& options,
                 const std::function<bool(const LogRecord&)>& emit, const std::function<bool()>& running) {
  std::vector<std::string> files;
  for (int i = std::max(1, max_files) - 1; i >= 1; --i) {
    std::string rotated = log_path + "." + std::to_string(i);
    if (inode_of(rotated) != 0) files.push_back(rotated);
  }
  files.push_back(log_path);

  // Past records first (with --tail keeping only the last N).
  std::deque<LogRecord> kept;
  for (const auto& file : files) {
    if (file == log_path) break;
    std::ifstream in(file);
    std::string line;
    while (std::getline(in, line)) {
      auto r = parse_log_record(line);
      if (!r || !in_window(*r, options)) continue;
      kept.push_back(std::move(*r));
      if (options.tail >= 0 && kept.size() > static_cast<size_t>(options.tail)) kept.pop_front();
    }
  }
  std::ifstream live(log_path);
  ino_t live_inode = inode_of(log_path);
  std::string partial, line;
  auto drain = [&](std::ifstream& in, auto&& each) {
    char buf[8192];
    for (;;) {
      in.read(buf, sizeof buf);
      std::streamsize n = in.gcount();
      if (n <= 0) break;
      partial.append(buf, static_cast<size_t>(n));
      size_t pos;
      while ((pos = partial.find('\n')) != std::string::npos) {
        std::string l = partial.substr(0, pos);
        partial.erase(0, pos + 1);
        auto r = parse_log_record(l);
        if (r && in_window(*r, options) && !each(std::move(*r))) return false;
      }
    }
    in.clear();
    return true;
  };
  drain(live, [&](LogRecord r) {
    kept.push_back(std::move(r));
    if (options.tail >= 0 && kept.size() > static_cast<size_t>(options.tail)) kept.pop_front();
    return true;
  });
  for (const auto& r : kept)
    if (!emit(r)) return ok_status();
  if (!options.follow) return ok_status();

  auto emit_new = [&](LogRecord r) { return emit(r); };
  for (;;) {
    bool alive = running();  // sampled before reading so the last records are not lost
    if (!drain(live, emit_new)) return ok_status();
    ino_t now = inode_of(log_path);
    if (now != 0 && now != live_inode) {  // rotated: finish the old file, continue with the new one
      if (!drain(live, emit_new)) return ok_status();
      live = std::ifstream(log_path);
      live_inode = now;
      partial.clear();
      continue;
    }
    if (!alive) return ok_status();
    std::this_thread::sleep_for(options.poll_interval);
  }
}

Result<LogReadOptions> log_read_options(const std::string& tail, const std::string& since, const std::string& until) {
  LogReadOptions options;
  if (tail != "all") {
    char* end = nullptr;
    long n = std::strtol(tail.c_str(), &end, 10);
    options.tail = *end == '\0' && n >= 0 ? static_cast<int>(n) : -1;
  }
  int64_t now = std::chrono::duration_cast<std::chrono::nanoseconds>(
                    std::chrono::system_clock::now().time_since_epoch()).count();
  if (!since.empty()) {
    auto t = parse_log_time_bound(since, now);
    if (!t) return t.error();
    options.since = *t;
  }
  if (!until.empty()) {
    auto t = parse_log_time_bound(until, now);
    if (!t) return t.error();
    options.until = *t;
  }
  return options;
}

}  // namespace racker::runtime
