#pragma once
// What a grouped service's monitor (on the host) and its group's init (PID 1
// of the group's machine, group_init.h) say to each other. One connection
// per service, on a SOCK_SEQPACKET unix socket the machine binds at
// kGroupInitSocket: a message is one packet, a type byte then the body,
// with file descriptors passed alongside (SCM_RIGHTS).
//
// monitor -> init (JSON):
//   {"op":"run", "spec":{...}, "init_argv":[...], "init_env":[...]}
//        + the service's prepared mount namespace: start it, supervise it
//   {"op":"go"}     the spawned process is in its cgroups: let it exec
//   {"op":"stop"}   the service was stopped by the user: no more restarts
// init -> monitor:
//   {"event":"spawned","pid":N} + a pidfd of the process (N as the machine sees it)
//   {"event":"started"}         the payload runs
//   {"event":"exited","code":C,"error":"...","restart":bool,"delay_ms":D}
//   {"event":"health","health":{Status, FailingStreak, Log}}
//   {"event":"done"}            stopped for good; the connection closes
//   'O' / 'E' messages: the payload's stdout / stderr bytes, in order.

#include <nlohmann/json_fwd.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "racker/runtime/container_state.h"
#include "racker/util/error.h"

namespace racker::runtime {

// Inside the machine; the host side is group_socket_dir() of its container.
inline constexpr const char* kGroupSocketDir = "/run/.racker-group";
inline constexpr const char* kGroupInitSocket = "/run/.racker-group/init.sock";
std::string group_socket_dir(const std::string& group_container_dir);

inline constexpr char kGroupJson = 'J';
inline constexpr char kGroupStdout = 'O';
inline constexpr char kGroupStderr = 'E';
// Larger output is cut into several messages.
inline constexpr size_t kGroupMaxBody = 60 * 1024;

struct GroupMessage {
  char type = 0;
  std::string body;
  std::vector<int> fds;  // received: owned by the caller (close-on-exec)
};

// Blocking or not as the socket is; fds are only borrowed.
Status send_group_message(int socket, char type, std::string_view body, const std::vector<int>& fds = {});
Status send_group_json(int socket, const nlohmann::json& message, const std::vector<int>& fds = {});
// kNotFound on an orderly close; kWouldBlock-style retry is the caller's
// (a non-blocking socket with nothing to read gives Errc::kTimeout).
Result<GroupMessage> receive_group_message(int socket);

nlohmann::json health_state_to_json(const HealthState& state);
HealthState health_state_from_json(const nlohmann::json& j);

// Connects to the init socket in `socket_dir` (a host path of any length).
Result<int> connect_group_init(const std::string& socket_dir);

// The host pid behind a pidfd (its fdinfo), or -1.
int pidfd_host_pid(int pidfd);

}  // namespace racker::runtime
