#pragma once
// The container lifecycle the CLI and the orchestrator drive, behind an
// abstract interface so the orchestrator can be tested with a fake. The real
// implementation runs systemd-nspawn (nspawn_driver.h).
//
// Errors carry docker's words ("No such container: x", "Conflict. ...",
// "cannot remove container ...: container is running: stop the container
// before removing or force remove") so the CLI prints them as they are.

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "racker/runtime/container_spec.h"
#include "racker/runtime/container_state.h"
#include "racker/util/error.h"

namespace racker::runtime {

struct ContainerInfo {
  ContainerSpec spec;
  ContainerState state;
};

// The client side of a container's standard streams; -1 means not attached.
struct AttachIo {
  int in = -1, out = -1, err = -1;
  bool proxy_signals = false;  // forward SIGINT, SIGTERM, ... to the container (docker's sig-proxy)
};

struct RemoveOptions {
  bool force = false;    // kill a running container first
  bool volumes = false;  // also remove its anonymous volumes
};

struct ExecSpec {
  std::vector<std::string> args;
  std::vector<std::string> env;  // added to the container's
  std::optional<std::string> user, working_dir;
  bool tty = false, interactive = false, privileged = false;
  // Without a tty: when the process runs longer, it is killed and exec
  // returns kTimeout (healthchecks). Zero: no limit.
  std::chrono::milliseconds timeout{0};
};

class ContainerDriver {
 public:
  virtual ~ContainerDriver() = default;

  // Records a new container: assigns id and name when empty, names anonymous
  // volumes. Returns the stored spec.
  virtual Result<ContainerSpec> create(ContainerSpec spec) = 0;
  // Starts a created or stopped container in the background, supervised by a
  // detached racker process; returns once it runs (or failed to start: the
  // error then has docker's message and exit_code_hint() tells 125/126/127).
  virtual Status start(const std::string& id) = 0;
  // Starts it supervised by this process with `io` attached; returns the
  // container's exit code once it stopped and was torn down.
  virtual Result<int> run_attached(const std::string& id, const AttachIo& io) = 0;
  // Sends the stop signal, waits `timeout` seconds (the spec's when unset),
  // then SIGKILL; returns after teardown.
  virtual Status stop(const std::string& id, std::optional<int> timeout) = 0;
  virtual Status kill(const std::string& id, int signo) = 0;
  // Freezes / thaws every process of a running container (docker pause).
  virtual Status pause(const std::string& id) = 0;
  virtual Status unpause(const std::string& id) = 0;
  virtual Status remove(const std::string& id, const RemoveOptions& options) = 0;
  // Blocks until the container is not running; its exit code.
  virtual Result<int> wait(const std::string& id) = 0;
  virtual Result<ContainerInfo> inspect(const std::string& name_or_id) = 0;
  virtual Result<std::vector<ContainerInfo>> list(bool all) = 0;
  // Runs a process in the running container; its exit code.
  virtual Result<int> exec(const std::string& id, const ExecSpec& spec, const AttachIo& io) = 0;
};

// Exit code for a failed start: 126/127 when the error says the command
// could not be invoked or found, else 125 (docker's rule).
int exit_code_hint(const Error& error);

}  // namespace racker::runtime
