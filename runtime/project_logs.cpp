#include "racker/runtime/project_logs.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace racker::runtime {

namespace {

// docker compose's rainbow: cyan, yellow, green, magenta, blue, then bold.
const char* const kRainbow[] = {"36", "33", "32", "35", "34", "36;1", "33;1", "32;1", "35;1", "34;1"};

}  // namespace

std::string log_name(const std::string& project, const std::string& container_name) {
  std::string prefix = project + "-";
  if (container_name.size() > prefix.size() && container_name.compare(0, prefix.size(), prefix) == 0)
    return container_name.substr(prefix.size());
  return container_name;
}

void LogPresenter::add(const std::string& name) {
  if (colors_.count(name)) return;
  colors_[name] = kRainbow[next_color_++ % (sizeof kRainbow / sizeof kRainbow[0])];
  width_ = std::max(width_, name.size() + 1);
}

std::string LogPresenter::paint(const std::string& name, const std::string& text) {
  if (!color_) return text;
  add(name);
  return "\033[" + colors_[name] + "m" + text + "\033[0m";
}

std::string LogPresenter::prefix_of(const std::string& name) {
  if (!prefix_) return "";
  add(name);
  std::string padded = name;
  if (padded.size() < width_) padded += std::string(width_ - padded.size(), ' ');
  return paint(name, padded + " | ");
}

std::string LogPresenter::format(const std::string& name, const LogRecord& record) {
  std::string message = record.message;
  if (!message.empty() && message.back() == '\n') message.pop_back();
  std::string out;
  std::string prefix = prefix_of(name);
  size_t start = 0;
  for (;;) {
    size_t nl = message.find('\n', start);
    std::string line = message.substr(start, nl == std::string::npos ? std::string::npos : nl - start);
    out += prefix;
    if (timestamps_) out += record.time + " ";
    out += line + "\n";
    if (nl == std::string::npos) break;
    start = nl + 1;
  }
  return out;
}

std::string LogPresenter::status(const std::string& name, const std::string& text) {
  return paint(name, name + " " + text) + "\n";
}

LogFollower::LogFollower(boost::asio::io_context& io, Sink sink, std::chrono::milliseconds interval)
    : io_(io), sink_(std::move(sink)), interval_(interval), timer_(io), alive_(std::make_shared<bool>(true)) {}

LogFollower::~LogFollower() { stop(); }

void LogFollower::stop() {
  stopped_ = true;
  *alive_ = false;
  timer_.cancel();
}

void LogFollower::follow(const std::string& id, const std::string& name, const std::string& path, bool from_start) {
  File f;
  f.name = name;
  f.path = path;
  struct stat st{};
  if (!from_start && ::stat(path.c_str(), &st) == 0) f.offset = st.st_size;
  files_[id] = std::move(f);
  arm();
}

void LogFollower::finish(const std::string& id) {
  auto it = files_.find(id);
  if (it == files_.end()) return;
  read(it->second);
  files_.erase(it);
}

void LogFollower::drain() {
  for (auto& [id, f] : files_) read(f);
}

void LogFollower::read(File& f) {
  int fd = ::open(f.path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return;
  struct stat st{};
  if (::fstat(fd, &st) == 0 && st.st_size < f.offset) {
    f.offset = 0;  // rotated: the live file starts over
    f.partial.clear();
  }
  char buf[65536];
  for (;;) {
    ssize_t n = ::pread(fd, buf, sizeof buf, f.offset);
    if (n <= 0) break;
    f.offset += n;
    f.partial.append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  size_t start = 0;
  for (;;) {
    size_t nl = f.partial.find('\n', start);
    if (nl == std::string::npos) break;
    auto record = parse_log_record(f.partial.substr(start, nl - start));
    if (record) sink_(f.name, *record);
    start = nl + 1;
  }
  f.partial.erase(0, start);
}

void LogFollower::arm() {
  if (armed_ || stopped_) return;
  armed_ = true;
  timer_.expires_after(interval_);
  auto alive = alive_;
  timer_.async_wait([this, alive](const boost::system::error_code& ec) {
    if (ec || !*alive) return;
    armed_ = false;
    drain();
    if (!files_.empty()) arm();
  });
}

}  // namespace racker::runtime
