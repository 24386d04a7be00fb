#include "racker/runtime/container_process.h"

#include <dirent.h>
#include <poll.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstdlib>
#include <fstream>
#include <sstream>

namespace racker::runtime {

Result<ProcStat> parse_proc_stat(const std::string& line) {
  // "pid (comm) state ppid ...": comm may contain ") ", so split at the last ')'.
  size_t open = line.find('(');
  size_t close = line.rfind(')');
  if (open == std::string::npos || close == std::string::npos || close < open)
    return Error(Errc::kParse, "malformed /proc stat line");
  ProcStat st;
  st.pid = std::atoi(line.c_str());
  st.comm = line.substr(open + 1, close - open - 1);
  std::istringstream rest(line.substr(close + 1));
  std::string field;
  // Fields after comm start at 3 (state); start_time is field 22.
  for (int index = 3; rest >> field; ++index) {
    if (index == 3) st.state = field.empty() ? '?' : field[0];
    else if (index == 4) st.ppid = std::atoi(field.c_str());
    else if (index == 22) {
      st.start_time = std::strtoull(field.c_str(), nullptr, 10);
      return st;
    }
  }
  return Error(Errc::kParse, "short /proc stat line");
}

Result<ProcStat> read_proc_stat(int pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  if (!in || !std::getline(in, line)) return Error(Errc::kNotFound, "no process " + std::to_string(pid));
  return parse_proc_stat(line);
}

bool process_alive(int pid, uint64_t start_time) {
  if (pid <= 0) return false;
  auto st = read_proc_stat(pid);
  if (!st) return false;
  if (st->state == 'Z' || st->state == 'X') return false;
  return start_time == 0 || st->start_time == start_time;
}

int open_pidfd(int pid) { return static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)); }

bool wait_process_gone(int pid, uint64_t start_time, std::chrono::milliseconds timeout) {
  if (!process_alive(pid, start_time)) return true;
  int fd = open_pidfd(pid);
  // The pidfd may name a recycled pid opened after the check: check again.
  if (fd < 0 || !process_alive(pid, start_time)) {
    if (fd >= 0) ::close(fd);
    return !process_alive(pid, start_time);
  }
  auto deadline = std::chrono::steady_clock::now() + timeout;
  bool gone = false;
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() < 0) break;
    pollfd p{fd, POLLIN, 0};
    int n = ::poll(&p, 1, static_cast<int>(std::min<long long>(left.count(), INT_MAX)));
    if (n > 0) {
      gone = true;
      break;
    }
    if (n < 0 && errno != EINTR) break;
  }
  ::close(fd);
  return gone || !process_alive(pid, start_time);
}

std::vector<int> child_pids(int pid) {
  std::vector<int> out;
  std::string task_dir = "/proc/" + std::to_string(pid) + "/task";
  DIR* dir = ::opendir(task_dir.c_str());
  if (!dir) return out;
  while (auto* entry = ::readdir(dir)) {
    if (entry->d_name[0] == '.') continue;
    std::ifstream in(task_dir + "/" + entry->d_name + "/children");
    int child = 0;
    while (in >> child) out.push_back(child);
  }
  ::closedir(dir);
  return out;
}

int child_in_cgroup(int pid, const std::string& leaf) {
  const std::string suffix = "/" + leaf;
  for (int child : child_pids(pid)) {
    std::ifstream in("/proc/" + std::to_string(child) + "/cgroup");
    for (std::string line; std::getline(in, line);)  // "9:name=systemd:/.../system.slice/racker-web.service"
      if (line.size() > suffix.size() && line.compare(line.size() - suffix.size(), suffix.size(), suffix) == 0)
        return child;
  }
  return 0;
}

namespace {
ino_t pid_namespace_inode(int pid) {
  struct stat st {};
  std::string path = "/proc/" + std::to_string(pid) + "/ns/pid";
  if (::stat(path.c_str(), &st) != 0) return 0;
  return st.st_ino;
}
}  // namespace

std::vector<int> pids_in_namespace_of(int pid) {
  std::vector<int> out;
  ino_t ns = pid_namespace_inode(pid);
  if (ns == 0) return out;
  DIR* dir = ::opendir("/proc");
  if (!dir) return out;
  while (auto* entry = ::readdir(dir)) {
    char* end = nullptr;
    long candidate = std::strtol(entry->d_name, &end, 10);
    if (*end != '\0' || candidate <= 0) continue;
    if (pid_namespace_inode(static_cast<int>(candidate)) == ns) out.push_back(static_cast<int>(candidate));
  }
  ::closedir(dir);
  return out;
}

std::string self_executable() {
  char buf[PATH_MAX];
  ssize_t n = ::readlink("/proc/self/exe", buf, sizeof buf - 1);
  if (n <= 0) return {};
  return std::string(buf, static_cast<size_t>(n));
}

}  // namespace racker::runtime
