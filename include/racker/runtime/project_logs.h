#pragma once
// A project's container output as `docker compose up` and `logs` show it:
// "web-1  | line", the prefix padded to the longest name and coloured per
// container on a terminal, "web-1 exited with code 0" status lines.
//
// LogPresenter formats (pure). LogFollower tails containers' json-file logs
// (log_writer.h) on an io_context, reading what was appended every 100 ms
// (containers write their logs from their own monitor processes), and
// hands each record to a callback. Loop thread only.

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "racker/runtime/log_reader.h"

namespace racker::runtime {

// "web-1" for "<project>-web-1"; other names (container_name) as they are.
std::string log_name(const std::string& project, const std::string& container_name);

class LogPresenter {
 public:
  LogPresenter(bool color, bool prefix, bool timestamps) : color_(color), prefix_(prefix), timestamps_(timestamps) {}
  // Registers a name (its colour is the next of docker's rainbow).
  void add(const std::string& name);
  // One record as printed lines (the message split at '\n'; each ends in '\n').
  std::string format(const std::string& name, const LogRecord& record);
  // "web-1 exited with code 0\n", coloured like its log lines.
  std::string status(const std::string& name, const std::string& text);

 private:
  std::string prefix_of(const std::string& name);
  std::string paint(const std::string& name, const std::string& text);

  bool color_, prefix_, timestamps_;
  std::map<std::string, std::string> colors_;  // name -> ANSI code
  size_t width_ = 0;
  size_t next_color_ = 0;
};

class LogFollower {
 public:
  using Sink = std::function<void(const std::string& name, const LogRecord& record)>;
  LogFollower(boost::asio::io_context& io, Sink sink, std::chrono::milliseconds interval = std::chrono::milliseconds(100));
  ~LogFollower();

  // Follows `path` from its current end (`from_start`: from the beginning).
  // Following an id again moves it to the new position.
  void follow(const std::string& id, const std::string& name, const std::string& path, bool from_start);
  // Reads what is left and stops following.
  void finish(const std::string& id);
  // Reads everything pending of every file now.
  void drain();
  void stop();

 private:
  struct File {
    std::string name, path;
    int64_t offset = 0;
    std::string partial;  // a line not yet terminated
  };
  void read(File& f);
  void arm();

  boost::asio::io_context& io_;
  Sink sink_;
  std::chrono::milliseconds interval_;
  boost::asio::steady_timer timer_;
  std::map<std::string, File> files_;
  bool armed_ = false, stopped_ = false;
  std::shared_ptr<bool> alive_;
};

}  // namespace racker::runtime
