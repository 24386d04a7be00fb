#include "racker/runtime/nspawn_driver.h"
#include "racker/runtime/removal_hook.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <set>
#include <thread>

#include "container_files.h"
#include "container_monitor.h"
#include "monitor_internal.h"
#include "racker/runtime/service_container.h"
#include "racker/runtime/cgroup_freezer.h"
#include "racker/runtime/container_process.h"
#include "racker/runtime/exec.h"
#include "racker/runtime/overlay.h"
#include "racker/runtime/systemd_scope.h"
#include "racker/runtime/user_namespace.h"
#include "racker/runtime/volume_store.h"

namespace racker::runtime {

namespace {

bool is_running(const ContainerState& s) {
  return s.status == ContainerStatus::kRunning || s.status == ContainerStatus::kRestarting;
}

Error not_running(const std::string& id) {
  return Error(Errc::kConflict, "Container " + id + " is not running");
}

// Where an exec (and so a healthcheck probe) runs: the container's process,
// or for a boot group's member its unit's main process, in the unit's root
// and cgroup, not the follower that stands for it in the record.
Result<int> exec_target(ContainerStore& store, const ContainerSpec& spec, int record_pid) {
  auto unit = spec.labels.find(kLabelBootUnit);
  if (unit == spec.labels.end()) return record_pid;
  auto machine = running_group_pid(store, spec.group);
  if (!machine) return machine.error();
  if (int pid = child_in_cgroup(*machine, unit->second); pid > 0) return pid;
  return Error(Errc::kConflict, "container " + spec.name + ": its unit " + unit->second + " is not running");
}

}  // namespace

int exit_code_hint(const Error& error) {
  const std::string& m = error.message;
  if (m.find("executable file not found") != std::string::npos || m.find("no such file or directory") != std::string::npos)
    return 127;
  if (m.find("permission denied") != std::string::npos || m.find("exec format error") != std::string::npos) return 126;
  return 125;
}

NspawnDriver::NspawnDriver(ContainerStore& store, HostFacts host) : store_(store), host_(host) {}

Result<ContainerSpec> NspawnDriver::create(ContainerSpec spec) {
  if (spec.id.empty()) spec.id = generate_container_id();
  if (spec.created.empty()) spec.created = now_rfc3339();
  bool generated = spec.name.empty();
  if (!generated)
    if (auto st = validate_container_name(spec.name); !st) return st.error();
  if (!spec.name.empty() && spec.name[0] == '/') spec.name = spec.name.substr(1);
  for (auto& m : spec.mounts)
    if (m.type == MountSpec::Type::kVolume && m.source.empty()) {
      m.source = generate_container_id();
      m.anonymous = true;
    }
  if (spec.userns == UsernsMode::kAuto && spec.userns_base == 0) {
    auto base = pick_userns_base(spec.id, userns_bases_in_use());
    if (!base) return base.error();
    spec.userns_base = *base;
  }
  for (int attempt = 0; attempt < 8; ++attempt) {
    if (generated) {
      uint64_t random = 0;
      for (char c : generate_container_id().substr(0, 15)) random = random * 16 + static_cast<uint64_t>(c <= '9' ? c - '0' : c - 'a' + 10);
      spec.name = generate_container_name(random);
    }
    Status st = store_.create(spec);
    if (st) return spec;
    if (!generated || st.error().code != Errc::kConflict) return st.error();
  }
  return Error(Errc::kConflict, "could not find a free container name");
}

std::set<uint32_t> NspawnDriver::userns_bases_in_use() {
  std::set<uint32_t> taken;
  auto ids = store_.list_ids();
  if (!ids) return taken;
  for (const auto& id : *ids)
    if (auto other = store_.read_spec(id); other && other->userns_base != 0) taken.insert(other->userns_base);
  return taken;
}

Result<ContainerState> NspawnDriver::observed_state(const std::string& id) {
  auto state = store_.read_state(id);
  if (!state || !is_running(*state)) return state;
  if (state->monitor_pid > 0 && process_alive(state->monitor_pid, state->monitor_start)) return state;
  if (state->pid > 0 && process_alive(state->pid, state->pid_start)) return state;  // orphaned but running
  // The monitor died with the container: record the end and clean up.
  (void)cleanup_container_leftovers(store_, id);
  return store_.update_state(id, [](ContainerState& s) {
    if (!is_running(s)) return;
    s.status = ContainerStatus::kExited;
    s.paused = false;
    s.exit_code = s.exit_code == 0 ? 255 : s.exit_code;
    s.pid = 0;
    s.finished_at = now_rfc3339();
  });
}

Result<std::string> NspawnDriver::running_id(const std::string& name_or_id, ContainerState* state) {
  auto id = store_.resolve(name_or_id);
  if (!id) return id.error();
  auto st = observed_state(*id);
  if (!st) return st.error();
  if (state) *state = *st;
  return id;
}

Status NspawnDriver::start(const std::string& id) {
  auto state = observed_state(id);
  if (!state) return state.error();
  if (is_running(*state)) return ok_status();  // docker: starting a running container is a no-op
  auto init = find_init_binary();
  if (!init) return init.error();
  (void)store_.update_state(id, [](ContainerState& s) { s.stop_requested = false; });

  int report[2];
  if (::pipe2(report, O_CLOEXEC) != 0) return cfiles::errno_error("pipe", errno);
  pid_t child = ::fork();
  if (child < 0) {
    ::close(report[0]);
    ::close(report[1]);
    return cfiles::errno_error("fork", errno);
  }
  if (child == 0) {
    // The detached monitor: its own session, no terminal, no inherited stdio
    // (a caller reading our output must see EOF when the CLI exits).
    ::close(report[0]);
    ::setsid();
    int null = ::open("/dev/null", O_RDWR);
    for (int fd = 0; fd < 3; ++fd) ::dup2(null, fd);
    if (null > 2) ::close(null);
    // Nothing else of the caller's: a long-lived monitor holding its
    // sockets, pipes or lock files would keep them open after it is gone.
    if (report[1] > 3) ::close_range(3, static_cast<unsigned>(report[1] - 1), 0);
    ::close_range(static_cast<unsigned>(report[1] + 1), ~0U, 0);
    ::signal(SIGHUP, SIG_IGN);
    ::signal(SIGINT, SIG_IGN);
    ::signal(SIGPIPE, SIG_IGN);
    // Under systemd each monitor is a unit of its own, so stopping the
    // caller's unit (a supervisor's scope) does not take containers along.
    if (host_.systemd_pid1)
      (void)run_in_transient_scope(::getpid(), scope_unit_name("container", id.substr(0, 12)), "racker container " + id);
    ContainerMonitor monitor(store_, host_, *init);
    MonitorOptions options;
    options.on_first_start = [&](const Status& st) {
      std::string line = st ? "ok\n" : "error " + st.error().message + "\n";
      (void)!::write(report[1], line.data(), line.size());
      ::close(report[1]);
      report[1] = -1;
    };
    (void)monitor.run(id, options);
    ::_exit(0);
  }
  ::close(report[1]);
  std::string text;
  char buf[4096];
  for (;;) {
    ssize_t n = ::read(report[0], buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    text.append(buf, static_cast<size_t>(n));
  }
  ::close(report[0]);
  if (text.rfind("ok", 0) == 0) return ok_status();
  if (text.rfind("error ", 0) == 0) {
    std::string message = text.substr(6);
    while (!message.empty() && message.back() == '\n') message.pop_back();
    return Error(Errc::kInternal, message);
  }
  return Error(Errc::kInternal, "container monitor exited before the container started");
}

Result<int> NspawnDriver::run_attached(const std::string& id, const AttachIo& io) {
  auto init = find_init_binary();
  if (!init) return init.error();
  ContainerMonitor monitor(store_, host_, *init);
  MonitorOptions options;
  options.attach = io;
  return monitor.run(id, options);
}

Status NspawnDriver::wait_monitor(const ContainerState& state, std::chrono::milliseconds timeout, bool* gone) {
  int pid = state.monitor_pid > 0 ? state.monitor_pid : state.pid;
  uint64_t start = state.monitor_pid > 0 ? state.monitor_start : state.pid_start;
  *gone = wait_process_gone(pid, start, timeout);
  return ok_status();
}

void NspawnDriver::thaw_if_paused(const std::string& id, const ContainerState& state) {
  if (!state.paused) return;
  if (state.pid > 0) (void)set_process_frozen(state.pid, false);
  (void)store_.update_state(id, [](ContainerState& s) { s.paused = false; });
}

Status NspawnDriver::pause(const std::string& name_or_id) {
  ContainerState state;
  auto id = running_id(name_or_id, &state);
  if (!id) return id.error();
  if (state.status != ContainerStatus::kRunning || state.pid <= 0 || !process_alive(state.pid, state.pid_start))
    return not_running(*id);
  if (state.paused) return Error(Errc::kConflict, "Container " + *id + " is already paused");
  if (auto st = set_process_frozen(state.pid, true); !st)
    return Error(Errc::kInternal, "Cannot pause container " + *id + ": " + st.error().message);
  auto after = store_.update_state(*id, [](ContainerState& s) { s.paused = true; });
  if (!after) return after.error();
  return ok_status();
}

Status NspawnDriver::unpause(const std::string& name_or_id) {
  ContainerState state;
  auto id = running_id(name_or_id, &state);
  if (!id) return id.error();
  if (!state.paused || state.status != ContainerStatus::kRunning)
    return Error(Errc::kConflict, "Container " + *id + " is not paused");
  if (auto st = set_process_frozen(state.pid, false); !st)
    return Error(Errc::kInternal, "Cannot unpause container " + *id + ": " + st.error().message);
  auto after = store_.update_state(*id, [](ContainerState& s) { s.paused = false; });
  if (!after) return after.error();
  return ok_status();
}

Status NspawnDriver::stop(const std::string& name_or_id, std::optional<int> timeout) {
  ContainerState state;
  auto id = running_id(name_or_id, &state);
  if (!id) return id.error();
  auto spec = store_.read_spec(*id);
  if (!spec) return spec.error();
  (void)store_.update_state(*id, [](ContainerState& s) { s.stop_requested = true; });
  if (!is_running(state)) return ok_status();
  auto signo = parse_signal(spec->stop_signal);
  int wait_s = timeout.value_or(spec->stop_timeout);
  bool gone = false;
  if (state.pid > 0 && process_alive(state.pid, state.pid_start)) {
    ::kill(state.pid, signo ? *signo : SIGTERM);
    thaw_if_paused(*id, state);
    if (wait_s < 0) wait_s = 24 * 3600;  // docker: -1 waits forever
    (void)wait_monitor(state, std::chrono::seconds(wait_s), &gone);
    if (!gone && process_alive(state.pid, state.pid_start)) ::kill(state.pid, SIGKILL);
  }
  if (!gone) (void)wait_monitor(state, std::chrono::seconds(30), &gone);
  if (!gone) return Error(Errc::kTimeout, "timed out waiting for container " + *id + " to stop");
  return observed_state(*id).ok() ? ok_status() : ok_status();
}

Status NspawnDriver::kill(const std::string& name_or_id, int signo) {
  ContainerState state;
  auto id = running_id(name_or_id, &state);
  if (!id) return id.error();
  if (!is_running(state) || state.pid <= 0 || !process_alive(state.pid, state.pid_start))
    return Error(Errc::kConflict, "Cannot kill container: " + name_or_id + ": " + not_running(*id).message);
  if (::kill(state.pid, signo) != 0) return cfiles::errno_error("kill", errno);
  thaw_if_paused(*id, state);
  if (signo == SIGKILL) {
    bool gone = false;
    (void)wait_monitor(state, std::chrono::seconds(30), &gone);
  }
  return ok_status();
}

Status NspawnDriver::remove(const std::string& name_or_id, const RemoveOptions& options) {
  ContainerState state;
  auto id = running_id(name_or_id, &state);
  if (!id) return id.error();
  if (is_running(state)) {
    if (!options.force)
      return Error(Errc::kConflict, "cannot remove container \"/" + name_or_id +
                                        "\": container is running: stop the container before removing or force remove");
    (void)store_.update_state(*id, [](ContainerState& s) { s.stop_requested = true; });
    if (state.pid > 0 && process_alive(state.pid, state.pid_start)) ::kill(state.pid, SIGKILL);
    thaw_if_paused(*id, state);
    bool gone = false;
    (void)wait_monitor(state, std::chrono::seconds(30), &gone);
    if (!gone) return Error(Errc::kTimeout, "timed out waiting for container " + *id + " to stop");
  }
  auto spec = store_.read_spec(*id);
  (void)store_.update_state(*id, [](ContainerState& s) { s.status = ContainerStatus::kRemoving; });
  if (auto st = cleanup_container_leftovers(store_, *id); !st) return st;
  if (!mounts_under(store_.dir(*id)).empty())
    return Error(Errc::kConflict, "container " + *id + " still has mounts; not removing its files");
  if (spec && options.volumes) {
    VolumeStore volumes(store_.volumes_dir());
    for (const auto& m : spec->mounts)
      if (m.type == MountSpec::Type::kVolume && m.anonymous) (void)volumes.remove(m.source);
  }
  if (spec) run_removal_hook(*spec);
  return store_.remove(*id);
}

Result<int> NspawnDriver::wait(const std::string& name_or_id) {
  auto id = store_.resolve(name_or_id);
  if (!id) return id.error();
  for (;;) {
    auto state = observed_state(*id);
    if (!state) return state.error();
    if (!is_running(*state)) return state->exit_code;
    bool gone = false;
    (void)wait_monitor(*state, std::chrono::seconds(1), &gone);
  }
}

Result<ContainerInfo> NspawnDriver::inspect(const std::string& name_or_id) {
  auto id = store_.resolve(name_or_id);
  if (!id) return id.error();
  auto spec = store_.read_spec(*id);
  if (!spec) return spec.error();
  auto state = observed_state(*id);
  if (!state) return state.error();
  return ContainerInfo{*spec, *state};
}

Result<std::vector<ContainerInfo>> NspawnDriver::list(bool all) {
  auto ids = store_.list_ids();
  if (!ids) return ids.error();
  std::vector<ContainerInfo> out;
  for (const auto& id : *ids) {
    auto info = inspect(id);
    if (!info) continue;  // removed meanwhile
    if (!all && !is_running(info->state)) continue;
    out.push_back(std::move(*info));
  }
  std::sort(out.begin(), out.end(),
            [](const ContainerInfo& a, const ContainerInfo& b) { return a.spec.created > b.spec.created; });
  return out;
}

Result<int> NspawnDriver::exec(const std::string& name_or_id, const ExecSpec& exec, const AttachIo& io) {
  ContainerState state;
  auto id = running_id(name_or_id, &state);
  if (!id) return id.error();
  if (!is_running(state) || state.pid <= 0 || !process_alive(state.pid, state.pid_start))
    return Error(Errc::kConflict, "container " + *id + " is not running");
  if (state.paused)
    return Error(Errc::kConflict, "Container " + *id + " is paused, unpause the container before exec");
  auto spec = store_.read_spec(*id);
  if (!spec) return spec.error();
  auto target = exec_target(store_, *spec, state.pid);
  if (!target) return target.error();
  return exec_in_container(*spec, *target, exec, io);
}

}  // namespace racker::runtime
