#include "racker/runtime/group_protocol.h"

#include <fcntl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>

#include "container_files.h"

namespace racker::runtime {

namespace {

constexpr size_t kMaxFds = 4;

}  // namespace

std::string group_socket_dir(const std::string& group_container_dir) { return group_container_dir + "/group"; }

Status send_group_message(int socket, char type, std::string_view body, const std::vector<int>& fds) {
  if (fds.size() > kMaxFds) return Error(Errc::kInternal, "too many descriptors for one group message");
  iovec iov[2] = {{&type, 1}, {const_cast<char*>(body.data()), body.size()}};
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int) * kMaxFds)] = {};
  msghdr msg{};
  msg.msg_iov = iov;
  msg.msg_iovlen = body.empty() ? 1 : 2;
  if (!fds.empty()) {
    msg.msg_control = control;
    msg.msg_controllen = CMSG_SPACE(sizeof(int) * fds.size());
    cmsghdr* cmsg = CMSG_FIRSTHDR(&msg);
    cmsg->cmsg_level = SOL_SOCKET;
    cmsg->cmsg_type = SCM_RIGHTS;
    cmsg->cmsg_len = CMSG_LEN(sizeof(int) * fds.size());
    std::memcpy(CMSG_DATA(cmsg), fds.data(), sizeof(int) * fds.size());
  }
  for (;;) {
    if (::sendmsg(socket, &msg, MSG_NOSIGNAL) >= 0) return ok_status();
    if (errno != EINTR) return cfiles::errno_error("send to the group init", errno);
  }
}

Status send_group_json(int socket, const nlohmann::json& message, const std::vector<int>& fds) {
  return send_group_message(socket, kGroupJson, message.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace),
                            fds);
}

Result<GroupMessage> receive_group_message(int socket) {
  // Every log chunk comes through here: one buffer per thread, not a
  // zero-filled allocation per message.
  thread_local std::array<char, kGroupMaxBody + 256> buf;
  iovec iov{buf.data(), buf.size()};
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int) * kMaxFds)] = {};
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control;
  msg.msg_controllen = sizeof control;
  ssize_t n;
  do n = ::recvmsg(socket, &msg, MSG_CMSG_CLOEXEC);
  while (n < 0 && errno == EINTR);
  if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return Error(Errc::kTimeout, "nothing to read");
  if (n < 0) return cfiles::errno_error("receive from the group socket", errno);
  GroupMessage out;
  for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
    if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS) continue;
    size_t count = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
    for (size_t i = 0; i < count; ++i) {
      int fd;
      std::memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof fd);
      out.fds.push_back(fd);
    }
  }
  if (n == 0) {
    for (int fd : out.fds) ::close(fd);
    return Error(Errc::kNotFound, "the group connection closed");
  }
  out.type = buf[0];
  out.body.assign(buf.data() + 1, static_cast<size_t>(n - 1));
  return out;
}

nlohmann::json health_state_to_json(const HealthState& state) {
  nlohmann::json log = nlohmann::json::array();
  for (const auto& r : state.log)
    log.push_back({{"Start", r.start}, {"End", r.end}, {"ExitCode", r.exit_code}, {"Output", r.output}});
  return {{"Status", state.status}, {"FailingStreak", state.failing_streak}, {"Log", log}};
}

HealthState health_state_from_json(const nlohmann::json& j) {
  HealthState s;
  s.status = j.value("Status", "");
  s.failing_streak = j.value("FailingStreak", 0);
  if (auto it = j.find("Log"); it != j.end() && it->is_array())
    for (const auto& r : *it)
      s.log.push_back({r.value("Start", ""), r.value("End", ""), r.value("ExitCode", 0), r.value("Output", "")});
  return s;
}

Result<int> connect_group_init(const std::string& socket_dir) {
  // A container directory is too deep for sun_path: go through an fd.
  int dir = ::open(socket_dir.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (dir < 0) return cfiles::errno_error("open " + socket_dir, errno);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::string path = "/proc/self/fd/" + std::to_string(dir) + "/init.sock";
  std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
  int fd = ::socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
  int rc = fd < 0 ? -1 : ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  int err = errno;
  ::close(dir);
  if (rc != 0) {
    if (fd >= 0) ::close(fd);
    return cfiles::errno_error("connect to the group's init", err);
  }
  return fd;
}

int pidfd_host_pid(int pidfd) {
  std::ifstream in("/proc/self/fdinfo/" + std::to_string(pidfd));
  std::string key;
  while (in >> key) {
    if (key == "Pid:") {
      int pid = -1;
      in >> pid;
      return pid;
    }
    std::string rest;
    std::getline(in, rest);
  }
  return -1;
}

}  // namespace racker::runtime
