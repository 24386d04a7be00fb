#include "racker/runtime/container_init.h"

#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <set>
#include <string>
#include <nlohmann/json.hpp>

#include "container_tty.h"
#include "racker/runtime/group_init.h"
#include "racker/runtime/exec_process.h"

namespace racker::runtime {

std::string init_config_to_json(const InitConfig& c) {
  nlohmann::json j = {{"args", c.args},       {"env", c.env},     {"user", c.user},
                      {"cwd", c.working_dir}, {"domainname", c.domainname}, {"tty", c.tty},
                      {"init", c.init},       {"caps", c.capabilities},     {"sysctls", c.sysctls},
                      {"unmount", c.unmount}, {"group", c.group}};
  return j.dump();
}

Result<InitConfig> init_config_from_json(const std::string& text) {
  try {
    auto j = nlohmann::json::parse(text);
    InitConfig c;
    j.at("args").get_to(c.args);
    j.at("env").get_to(c.env);
    c.user = j.value("user", "");
    c.working_dir = j.value("cwd", "");
    c.domainname = j.value("domainname", "");
    c.tty = j.value("tty", false);
    c.init = j.value("init", false);
    c.group = j.value("group", false);
    j.at("caps").get_to(c.capabilities);
    j.at("sysctls").get_to(c.sysctls);
    j.at("unmount").get_to(c.unmount);
    return c;
  } catch (const std::exception& e) {
    return Error(Errc::kParse, std::string("init config: ") + e.what());
  }
}

InitReport parse_init_report(const std::string& text) {
  InitReport r;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t end = text.find('\n', pos);
    std::string line = text.substr(pos, end == std::string::npos ? std::string::npos : end - pos);
    pos = end == std::string::npos ? text.size() : end + 1;
    if (line == "started") r.started = true;
    else if (line.rfind("error ", 0) == 0) {
      char* rest = nullptr;
      r.exit_code = static_cast<int>(std::strtol(line.c_str() + 6, &rest, 10));
      if (r.exit_code == 0) r.exit_code = 125;
      r.message = *rest == ' ' ? rest + 1 : rest;
    }
  }
  return r;
}

namespace {

void write_all(int fd, const std::string& text) {
  size_t done = 0;
  while (done < text.size()) {
    ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;
    done += static_cast<size_t>(n);
  }
}

int fail(int code, const std::string& message) {
  write_all(kInitStatusFd, "error " + std::to_string(code) + " " + message + "\n");
  return code;
}

std::string read_config() {
  std::string out;
  char buf[8192];
  for (;;) {
    ssize_t n = ::read(kInitConfigFd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  ::close(kInitConfigFd);
  return out;
}

// /proc/sys is read-only in nspawn containers: lift that for the writes.
std::string apply_sysctls(const std::map<std::string, std::string>& sysctls) {
  if (sysctls.empty()) return {};
  ::mount(nullptr, "/proc/sys", nullptr, MS_REMOUNT | MS_BIND, nullptr);
  std::string error;
  for (const auto& [key, value] : sysctls) {
    std::string path = "/proc/sys/" + key;
    for (size_t i = 10; i < path.size(); ++i)
      if (path[i] == '.') path[i] = '/';
    int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
    bool ok = fd >= 0 && ::write(fd, value.data(), value.size()) == static_cast<ssize_t>(value.size());
    if (!ok && error.empty()) error = "sysctl \"" + key + "\": " + std::strerror(errno);
    if (fd >= 0) ::close(fd);
  }
  ::mount(nullptr, "/proc/sys", nullptr, MS_REMOUNT | MS_BIND | MS_RDONLY, nullptr);
  return error;
}

// docker --init: PID 1 forwards signals to the payload and reaps everything.
int supervise(pid_t child, const sigset_t& all) {
  for (;;) {
    siginfo_t info{};
    int sig = ::sigwaitinfo(&all, &info);
    if (sig < 0) continue;
    if (sig != SIGCHLD) {
      ::kill(child, sig);
      continue;
    }
    for (;;) {
      int status = 0;
      pid_t pid = ::waitpid(-1, &status, WNOHANG);
      if (pid <= 0) break;
      if (pid != child) continue;
      return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    }
  }
}

}  // namespace

int run_container_init() {
  ::fcntl(kInitStatusFd, F_SETFD, FD_CLOEXEC);
  write_all(kInitStatusFd, "started\n");
  auto config = init_config_from_json(read_config());
  if (!config) return fail(125, config.error().message);

  if (config->tty) {
    // fd 5 is the console socket: the pty is made in the container's devpts.
    if (int err = make_container_console(kInitStdinFd); err != 0)
      return fail(125, std::string("cannot allocate a terminal: ") + std::strerror(-err));
  } else {
    for (int fd : {kInitStdinFd, kInitStdoutFd, kInitStderrFd}) ::dup2(fd, fd - kInitStdinFd);
  }
  for (int fd : {kInitStdinFd, kInitStdoutFd, kInitStderrFd}) ::close(fd);

  // racker's own files leave the container before the payload runs.
  std::set<std::string> hidden;
  for (const auto& path : config->unmount)
    if (::umount2(path.c_str(), MNT_DETACH) != 0) {
      // In a private user namespace the bind is locked to what it covers
      // and cannot go: its directory is hidden under an empty tmpfs instead.
      std::string parent = path.substr(0, path.rfind('/'));
      if (hidden.insert(parent).second)
        ::mount("tmpfs", parent.c_str(), "tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, "mode=0755");
    }
  for (const auto& path : config->unmount) {
    if (::rmdir(path.c_str()) != 0) ::unlink(path.c_str());
    std::string parent = path.substr(0, path.rfind('/'));
    ::rmdir(parent.c_str());
  }

  if (!config->domainname.empty() &&
      ::setdomainname(config->domainname.c_str(), config->domainname.size()) != 0)
    return fail(125, std::string("setdomainname: ") + std::strerror(errno));
  if (auto err = apply_sysctls(config->sysctls); !err.empty()) return fail(125, err);

  if (config->group) {
    // The machine of a group: PID 1 stays racker's, with nothing to exec.
    ::close(kInitStatusFd);
    return run_group_init();
  }

  ProcessSetup setup;
  setup.args = config->args;
  setup.env = config->env;
  setup.user = config->user;
  setup.working_dir = config->working_dir;
  setup.capabilities = config->capabilities;

  // The payload leads a session whose controlling terminal is the tty.
  auto take_terminal = [&] {
    if (!config->tty) return;
    ::setsid();
    ::ioctl(STDIN_FILENO, TIOCSCTTY, 0);
  };
  if (!config->init) {
    take_terminal();
    ExecLookup failed = exec_process(setup);
    return fail(failed.exit_code, failed.error);
  }

  sigset_t all, old;
  ::sigfillset(&all);
  ::sigprocmask(SIG_BLOCK, &all, &old);
  pid_t child = ::fork();
  if (child < 0) return fail(125, std::string("fork: ") + std::strerror(errno));
  if (child == 0) {
    ::sigprocmask(SIG_SETMASK, &old, nullptr);
    take_terminal();
    ExecLookup failed = exec_process(setup);
    ::_exit(fail(failed.exit_code, failed.error));
  }
  ::close(kInitStatusFd);
  return supervise(child, all);
}

}  // namespace racker::runtime
