#include "support/container_harness.h"

#include <sys/mount.h>
#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "racker/runtime/overlay.h"
#include "support/container_images.h"

namespace racker::test {


CommandResult run_command(const std::vector<std::string>& argv, const std::vector<std::string>& env_overrides,
                          const std::string& input, std::chrono::milliseconds timeout) {
  CommandResult r;
  int in[2], out[2], err[2];
  if (::pipe2(in, O_CLOEXEC) || ::pipe2(out, O_CLOEXEC) || ::pipe2(err, O_CLOEXEC)) return r;
  std::vector<std::string> env;
  for (char** e = ::environ; *e; ++e) {
    std::string entry = *e;
    bool overridden = false;
    for (const auto& o : env_overrides)
      if (entry.compare(0, o.find('=') + 1, o.substr(0, o.find('=') + 1)) == 0) overridden = true;
    if (!overridden) env.push_back(entry);
  }
  env.insert(env.end(), env_overrides.begin(), env_overrides.end());
  std::vector<char*> args, envp;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  for (auto& e : env) envp.push_back(e.data());
  envp.push_back(nullptr);
  pid_t pid = ::fork();
  if (pid == 0) {
    ::dup2(in[0], 0);
    ::dup2(out[1], 1);
    ::dup2(err[1], 2);
    ::execve(args[0], args.data(), envp.data());
    ::_exit(127);
  }
  ::close(in[0]);
  ::close(out[1]);
  ::close(err[1]);
  if (!input.empty()) (void)!::write(in[1], input.data(), input.size());
  ::close(in[1]);
  auto deadline = std::chrono::steady_clock::now() + timeout;
  int open_fds = 2;
  pollfd fds[2] = {{out[0], POLLIN, 0}, {err[0], POLLIN, 0}};
  char buf[65536];
  while (open_fds > 0) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      r.timed_out = true;
      ::kill(pid, SIGKILL);
      break;
    }
    if (::poll(fds, 2, static_cast<int>(left.count())) <= 0) continue;
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      ssize_t n = ::read(fds[i].fd, buf, sizeof buf);
      if (n > 0) (i == 0 ? r.out : r.err).append(buf, static_cast<size_t>(n));
      else {
        ::close(fds[i].fd);
        fds[i].fd = -1;
        --open_fds;
      }
    }
  }
  for (auto& p : fds)
    if (p.fd >= 0) ::close(p.fd);
  int status = 0;
  ::waitpid(pid, &status, 0);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return r;
}

void reap_orphans() {
  while (::waitpid(-1, nullptr, WNOHANG) > 0) {
  }
}

RackerRoot::RackerRoot() {
  ::prctl(PR_SET_CHILD_SUBREAPER, 1);
  char tmpl[] = "/var/tmp/racker-ct-XXXXXX";
  path_ = ::mkdtemp(tmpl);
}

RackerRoot::~RackerRoot() {
  auto ps = racker({"ps", "-a", "-q", "--no-trunc"});
  std::istringstream ids(ps.out);
  std::string id;
  while (ids >> id) racker({"rm", "-f", "-v", id});
  reap_orphans();
  for (const auto& m : runtime::mounts_under(path_)) ::umount2(m.c_str(), MNT_DETACH);
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

CommandResult RackerRoot::racker(const std::vector<std::string>& args, const std::string& input,
                                 std::chrono::milliseconds timeout) const {
  std::vector<std::string> argv = {RACKER_BINARY};
  argv.insert(argv.end(), args.begin(), args.end());
  auto r = run_command(argv, {"RACKER_ROOT=" + path_}, input, timeout);
  reap_orphans();
  return r;
}

std::vector<std::string> mounts_with_prefix(const std::string& prefix) {
  std::vector<std::string> out;
  std::ifstream in("/proc/self/mountinfo");
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream f(line);
    std::string a, b, c, root, mp;
    f >> a >> b >> c >> root >> mp;
    mp = runtime::unescape_mount_path(mp);
    if (mp.compare(0, prefix.size(), prefix) == 0) out.push_back(mp);
  }
  return out;
}

BusyboxRoot::BusyboxRoot() {
  TestImage image;
  image.tag = "rk-busybox:latest";
  auto id = add_busybox_image(root.path(), image);
  if (!id) FAIL(id.error().to_string());
}

bool link_exists(const std::string& ifname) {
  return !ifname.empty() && std::filesystem::exists("/sys/class/net/" + ifname);
}

int shell(const std::string& command, std::string* output) {
  FILE* p = ::popen(("(" + command + ") 2>&1").c_str(), "r");
  if (!p) return -1;
  char buf[4096];
  std::string out;
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  int status = ::pclose(p);
  if (output) *output = out;
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

std::string shell_output(const std::string& command) {
  std::string out;
  shell(command, &out);
  return out;
}

bool process_alive(long pid) {
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  if (!std::getline(stat, line)) return false;
  size_t paren = line.rfind(')');
  return paren != std::string::npos && paren + 2 < line.size() && line[paren + 2] != 'Z';
}

std::vector<std::string> processes_matching(const std::string& needle) {
  std::vector<std::string> out;
  DIR* d = ::opendir("/proc");
  if (!d) return out;
  int self = ::getpid();
  while (auto* e = ::readdir(d)) {
    int pid = std::atoi(e->d_name);
    if (pid <= 0 || pid == self) continue;
    std::ifstream cmd("/proc/" + std::to_string(pid) + "/cmdline");
    std::string text((std::istreambuf_iterator<char>(cmd)), std::istreambuf_iterator<char>());
    for (auto& c : text)
      if (c == '\0') c = ' ';
    std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
    std::string stat_line;
    std::getline(stat, stat_line);
    auto close = stat_line.rfind(')');
    char state = close != std::string::npos && close + 2 < stat_line.size() ? stat_line[close + 2] : '?';
    if (text.find(needle) != std::string::npos || (state == 'Z' && stat_line.find(needle) != std::string::npos))
      out.push_back(std::to_string(pid) + " " + state + " " + text);
  }
  ::closedir(d);
  return out;
}

}  // namespace racker::test
