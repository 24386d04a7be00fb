// The group init protocol: messages, descriptors, health states.
#include "racker/runtime/group_protocol.h"

#include <catch2/catch.hpp>

#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

using namespace racker::runtime;

namespace {

struct SocketPair {
  int fds[2] = {-1, -1};
  SocketPair() { REQUIRE(::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, fds) == 0); }
  ~SocketPair() {
    for (int fd : fds)
      if (fd >= 0) ::close(fd);
  }
};

ino_t inode_of(int fd) {
  struct stat st {};
  REQUIRE(::fstat(fd, &st) == 0);
  return st.st_ino;
}

}  // namespace

TEST_CASE("group messages keep their boundaries and carry descriptors", "[groups][group_protocol]") {
  SocketPair pair;
  int pipe_fds[2];
  REQUIRE(::pipe2(pipe_fds, O_CLOEXEC) == 0);
  REQUIRE(send_group_json(pair.fds[0], nlohmann::json{{"op", "run"}, {"spec", {{"Name", "web"}}}}, {pipe_fds[0]}).ok());
  REQUIRE(send_group_message(pair.fds[0], kGroupStdout, "line one\nline").ok());
  REQUIRE(send_group_message(pair.fds[0], kGroupStderr, std::string("\0\xff binary", 9)).ok());

  auto first = receive_group_message(pair.fds[1]);
  REQUIRE(first.ok());
  CHECK(first->type == kGroupJson);
  auto j = nlohmann::json::parse(first->body);
  CHECK(j["op"] == "run");
  CHECK(j["spec"]["Name"] == "web");
  REQUIRE(first->fds.size() == 1);
  CHECK(first->fds[0] != pipe_fds[0]);
  CHECK(inode_of(first->fds[0]) == inode_of(pipe_fds[0]));  // the same pipe, a new descriptor
  CHECK((::fcntl(first->fds[0], F_GETFD) & FD_CLOEXEC) != 0);

  auto out = receive_group_message(pair.fds[1]);
  REQUIRE(out.ok());
  CHECK(out->type == kGroupStdout);
  CHECK(out->body == "line one\nline");
  auto err = receive_group_message(pair.fds[1]);
  REQUIRE(err.ok());
  CHECK(err->type == kGroupStderr);
  CHECK(err->body == std::string("\0\xff binary", 9));
  CHECK(err->fds.empty());

  ::close(first->fds[0]);
  ::close(pipe_fds[0]);
  ::close(pipe_fds[1]);
  ::close(pair.fds[0]);
  pair.fds[0] = -1;
  auto closed = receive_group_message(pair.fds[1]);
  REQUIRE(!closed.ok());
  CHECK(closed.error().code == racker::Errc::kNotFound);
}

TEST_CASE("a health state crosses the group socket unchanged", "[groups][group_protocol]") {
  HealthState state;
  state.status = "unhealthy";
  state.failing_streak = 3;
  state.log.push_back({"2026-11-24T04:00:00Z", "2026-11-24T04:00:01Z", 1, "no answer\n"});
  state.log.push_back({"2026-11-24T04:00:05Z", "2026-11-24T04:00:35Z", -1, "Health check exceeded timeout"});
  auto round = health_state_from_json(nlohmann::json::parse(health_state_to_json(state).dump()));
  CHECK(round == state);
  CHECK(health_state_from_json(nlohmann::json::object()) == HealthState{});
}

TEST_CASE("a pidfd names its process by the host's pid", "[groups][group_protocol]") {
  int pidfd = static_cast<int>(::syscall(SYS_pidfd_open, ::getpid(), 0));
  REQUIRE(pidfd >= 0);
  CHECK(pidfd_host_pid(pidfd) == ::getpid());
  ::close(pidfd);
  CHECK(pidfd_host_pid(-1) == -1);
}

TEST_CASE("connecting to a group init that is not there is a clear error", "[groups][group_protocol]") {
  auto missing = connect_group_init("/nonexistent/racker-group");
  REQUIRE(!missing.ok());
  CHECK(missing.error().message.find("/nonexistent/racker-group") != std::string::npos);
}
