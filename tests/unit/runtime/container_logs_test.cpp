#include <catch2/catch.hpp>
#include <filesystem>

#include "racker/runtime/container_inspect.h"
#include "racker/runtime/log_reader.h"
#include "racker/runtime/log_writer.h"
#include "support/image_tar_builder.h"

using namespace racker;
using namespace racker::runtime;

TEST_CASE("records are docker's json-file lines", "[container_logs]") {
  CHECK(format_log_record(LogStream::kStderr, "a \"q\"\n", "2024-01-01T00:00:00Z") ==
        "{\"log\":\"a \\\"q\\\"\\n\",\"stream\":\"stderr\",\"time\":\"2024-01-01T00:00:00Z\"}\n");
  auto back = parse_log_record("{\"log\":\"x\\n\",\"stream\":\"stderr\",\"time\":\"t\"}");
  REQUIRE(back);
  CHECK(back->stream == LogStream::kStderr);
  CHECK(back->message == "x\n");
}

TEST_CASE("output splits at newlines and at 16 KiB", "[container_logs]") {
  LineSplitter s;
  std::vector<std::string> got;
  auto emit = [&](std::string_view r) { got.emplace_back(r); };
  s.feed("a\nb", emit);
  s.feed("c\n", emit);
  s.feed(std::string(kMaxLogRecord + 5, 'x'), emit);
  s.flush(emit);
  REQUIRE(got.size() == 4);
  CHECK(got[0] == "a\n");
  CHECK(got[1] == "bc\n");
  CHECK(got[2].size() == kMaxLogRecord);
  CHECK(got[3] == "xxxxx");
}

TEST_CASE("the log rotates by size and reads back in order with tail", "[container_logs]") {
  test::TempDir dir;
  std::string path = dir / "c-json.log";
  auto log = JsonFileLog::open(path, LogSpec{300, 3});
  REQUIRE(log);
  for (int i = 0; i < 20; ++i)
    REQUIRE((*log)->append(LogStream::kStdout, "line " + std::to_string(i) + "\n", "2024-01-01T00:00:0" + std::to_string(i % 10) + "Z"));
  CHECK(std::filesystem::exists(path + ".1"));
  CHECK(std::filesystem::exists(path + ".2"));
  CHECK_FALSE(std::filesystem::exists(path + ".3"));
  std::vector<std::string> all;
  LogReadOptions options;
  REQUIRE(read_logs(path, 3, options, [&](const LogRecord& r) { all.push_back(r.message); return true; }, [] { return false; }));
  REQUIRE_FALSE(all.empty());
  CHECK(all.back() == "line 19\n");
  for (size_t i = 1; i < all.size(); ++i) CHECK(std::stoi(all[i].substr(5)) == std::stoi(all[i - 1].substr(5)) + 1);
  std::vector<std::string> tail;
  options.tail = 2;
  REQUIRE(read_logs(path, 3, options, [&](const LogRecord& r) { tail.push_back(r.message); return true; }, [] { return false; }));
  CHECK(tail == std::vector<std::string>{"line 18\n", "line 19\n"});
}

TEST_CASE("logs --since takes RFC 3339, unix time and durations", "[container_logs]") {
  CHECK(*parse_rfc3339("1970-01-01T00:00:01.5Z") == 1500000000);
  CHECK(*parse_rfc3339("1970-01-01T01:00:00+01:00") == 0);
  CHECK(*parse_log_time_bound("10m", 3600000000000LL) == 3000000000000LL);
  CHECK(*parse_log_time_bound("1700000000", 0) == 1700000000000000000LL);
  CHECK(parse_log_time_bound("yesterday", 0).error().message ==
        "invalid value for \"since\": failed to parse value as time or duration: \"yesterday\"");
}

TEST_CASE("inspect --format evaluates field paths and json", "[container_logs]") {
  std::string json = R"({"State":{"ExitCode":3,"Running":false},"Name":"/web","Args":["a","b"]})";
  CHECK(*format_inspect(json, "{{.State.ExitCode}}") == "3");
  CHECK(*format_inspect(json, "{{ .Name }} {{.State.Running}}") == "/web false");
  CHECK(*format_inspect(json, "{{json .State}}") == R"({"ExitCode":3,"Running":false})");
  CHECK(*format_inspect(json, "{{.Args}}") == "[a b]");
  CHECK_FALSE(format_inspect(json, "{{.Nope}}"));
}
