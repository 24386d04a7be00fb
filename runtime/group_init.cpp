#include "racker/runtime/group_init.h"

#include <dirent.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <map>
#include <sstream>

namespace racker::runtime {

namespace {

using Clock = std::chrono::steady_clock;

std::vector<GroupMember> registered_members() {
  std::vector<GroupMember> out;
  DIR* dir = ::opendir(kGroupMembersDir);
  if (!dir) return out;
  while (dirent* e = ::readdir(dir)) {
    std::string name = e->d_name;
    if (name == "." || name == "..") continue;
    std::ifstream in(std::string(kGroupMembersDir) + "/" + name);
    std::stringstream text;
    text << in.rdbuf();
    GroupMember m;
    if (parse_group_member(name, text.str(), m) && ::kill(m.pid, 0) == 0) out.push_back(m);
  }
  ::closedir(dir);
  return out;
}

// Any process of this pid namespace besides PID 1 left?
bool others_alive() {
  DIR* dir = ::opendir("/proc");
  if (!dir) return false;
  bool found = false;
  while (dirent* e = ::readdir(dir)) {
    char* end = nullptr;
    long pid = std::strtol(e->d_name, &end, 10);
    if (*end == '\0' && pid > 1) {
      found = true;
      break;
    }
  }
  ::closedir(dir);
  return found;
}

void reap() {
  while (::waitpid(-1, nullptr, WNOHANG) > 0) {
  }
}

// The stop sequence: one batch at a time, each member with its own signal
// and grace; whatever is left afterwards gets SIGTERM, then SIGKILL.
class GroupStopper {
 public:
  GroupStopper(boost::asio::io_context& io) : io_(io), timer_(io) {}

  void start() {
    if (started_) return;
    started_ = true;
    batches_ = group_stop_batches(registered_members());
    next_batch();
  }

 private:
  void next_batch() {
    if (batch_ < batches_.size()) {
      int grace = 0;
      for (const auto& m : batches_[batch_]) {
        ::kill(m.pid, m.signal);
        grace = std::max(grace, m.grace_seconds);
      }
      wait_batch(Clock::now() + std::chrono::seconds(grace));
      return;
    }
    ::kill(-1, SIGTERM);  // processes that never registered
    wait_rest(Clock::now() + std::chrono::seconds(2), false);
  }

  bool batch_alive() {
    reap();
    for (const auto& m : batches_[batch_])
      if (::kill(m.pid, 0) == 0) return true;
    return false;
  }

  void wait_batch(Clock::time_point deadline) {
    if (!batch_alive()) {
      ++batch_;
      return next_batch();
    }
    if (Clock::now() >= deadline)
      for (const auto& m : batches_[batch_]) ::kill(m.pid, SIGKILL);
    tick([this, deadline] { wait_batch(deadline); });
  }

  void wait_rest(Clock::time_point deadline, bool killed) {
    reap();
    if (!others_alive()) return io_.stop();
    if (!killed && Clock::now() >= deadline) {
      ::kill(-1, SIGKILL);
      killed = true;
    }
    tick([this, deadline, killed] { wait_rest(deadline, killed); });
  }

  template <typename F>
  void tick(F&& f) {
    timer_.expires_after(std::chrono::milliseconds(50));
    timer_.async_wait([f = std::forward<F>(f)](const boost::system::error_code& ec) {
      if (!ec) f();
    });
  }

  boost::asio::io_context& io_;
  boost::asio::steady_timer timer_;
  std::vector<std::vector<GroupMember>> batches_;
  size_t batch_ = 0;
  bool started_ = false;
};

}  // namespace

bool parse_group_member(const std::string& service, const std::string& text, GroupMember& out) {
  std::istringstream in(text);
  GroupMember m;
  m.service = service;
  if (!(in >> m.pid >> m.signal >> m.grace_seconds >> m.order) || m.pid <= 1 || m.signal <= 0 || m.signal >= NSIG)
    return false;
  if (m.grace_seconds < 0) m.grace_seconds = 0;
  out = m;
  return true;
}

std::vector<std::vector<GroupMember>> group_stop_batches(std::vector<GroupMember> members) {
  std::map<int, std::vector<GroupMember>, std::greater<int>> by_order;
  for (auto& m : members) by_order[m.order].push_back(std::move(m));
  std::vector<std::vector<GroupMember>> out;
  for (auto& [order, batch] : by_order) {
    std::sort(batch.begin(), batch.end(), [](const auto& a, const auto& b) { return a.service < b.service; });
    out.push_back(std::move(batch));
  }
  return out;
}

int run_group_init() {
  ::mkdir(kGroupMembersDir, 0755);
  boost::asio::io_context io;
  boost::asio::signal_set signals(io, SIGCHLD, SIGTERM, SIGINT);
  signals.add(SIGHUP);
  GroupStopper stopper(io);
  std::function<void(const boost::system::error_code&, int)> on_signal = [&](const boost::system::error_code& ec,
                                                                              int signo) {
    if (ec) return;
    if (signo == SIGCHLD) reap();
    else if (signo != SIGHUP) stopper.start();
    signals.async_wait(on_signal);
  };
  signals.async_wait(on_signal);
  io.run();
  return 0;
}

}  // namespace racker::runtime
