// The monitor of a grouped service (compose x-racker groups): the group's
// init spawns, restarts and probes the service (group_init.h); this side
// prepares its root and mount namespace on the host, puts each of its
// processes in the service's cgroups, and turns the init's reports
// (group_protocol.h) into the service's record and json-file log, so every
// command sees a grouped service as it sees any container.

#include <poll.h>
#include <signal.h>
#include <unistd.h>

#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>

#include "container_monitor.h"
#include "group_launch.h"
#include "monitor_internal.h"
#include "racker/runtime/cgroup_limits.h"
#include "racker/runtime/container_init.h"
#include "racker/runtime/container_process.h"
#include "racker/runtime/container_rootfs.h"
#include "racker/runtime/group_protocol.h"
#include "racker/runtime/service_container.h"

namespace racker::runtime {

namespace {

using json = nlohmann::json;

// A failure on the host before the group's init took the service over.
Error setup_error(const std::string& message) { return Error(Errc::kInternal, "failed to start container: " + message); }

void move_into_cgroup(const std::vector<std::string>& procs_files, int pid) {
  for (const auto& file : procs_files) {
    std::ofstream out(file);
    out << pid << '\n';
  }
}

}  // namespace

bool supervised_by_group_init(const ContainerSpec& spec) {
  return !spec.group.empty() && !spec.labels.count(kLabelBootUnit);
}

Result<int> ContainerMonitor::run_grouped(const ContainerSpec& spec, const MonitorOptions& options) {
  RootfsPaths paths{store_.dir(spec.id), store_.volumes_dir()};
  bool started = false;
  int socket = -1;
  auto start_failed = [&](Error e, int code) {
    if (socket >= 0) ::close(socket);
    return fail_start(spec, options, std::move(e), code, true);
  };

  auto group_pid = running_group_pid(store_, spec.group);
  if (!group_pid) return start_failed(group_pid.error(), 125);
  auto group_id = store_.resolve(spec.group);
  if (!group_id) return start_failed(Error(Errc::kNotFound, "group container " + spec.group + " does not exist"), 125);
  if (auto st = prepare_rootfs(spec, paths); !st) return start_failed(st.error(), 125);
  auto cgroup = container_cgroup(host_, spec);
  if (!cgroup) return start_failed(cgroup.error(), 125);
  NspawnPaths nspawn_paths{paths.rootfs(), paths.container_dir, paths.volumes_dir};
  GroupEntry entry = plan_group_entry(spec, nspawn_paths, init_, *group_pid);
  auto ns = prepare_group_namespace(entry);
  if (!ns) return start_failed(setup_error(ns.error().message), 125);
  auto connected = connect_group_init(group_socket_dir(store_.dir(*group_id)));
  if (!connected) {
    ::close(*ns);
    return start_failed(setup_error(connected.error().message), 125);
  }
  socket = *connected;
  json request = {{"op", "run"}, {"init_argv", entry.argv}, {"init_env", entry.env}};
  request["spec"] = json::parse(spec_to_json(spec));
  Status sent = send_group_json(socket, request, {*ns});
  ::close(*ns);
  if (!sent) return start_failed(setup_error(sent.error().message), 125);

  OutputSink sink(store_, spec, options.attach);

  int pid = 0;  // the service's process, as the host sees it
  int last = 0;
  bool stopped_for_good = false;
  while (!stopped_for_good) {
    pollfd p{socket, POLLIN, 0};
    if (::poll(&p, 1, -1) < 0) {
      if (errno == EINTR) continue;
      break;
    }
    auto message = receive_group_message(socket);
    if (!message) {
      // The machine went down under the service: SIGKILL'd with it.
      if (!started) {
        sink.flush();
        return start_failed(setup_error("the group's init went away"), 125);
      }
      last = 137;
      (void)store_.update_state(spec.id, [&](ContainerState& s) {
        s.status = ContainerStatus::kExited;
        s.paused = false;
        s.exit_code = last;
        s.pid = 0;
        s.finished_at = now_rfc3339();
      });
      break;
    }
    if (message->type == kGroupStdout || message->type == kGroupStderr) {
      sink.write(message->type == kGroupStdout ? LogStream::kStdout : LogStream::kStderr, message->body.data(),
                 message->body.size());
      continue;
    }
    json j = json::parse(message->body, nullptr, false);
    std::string event = j.is_object() ? j.value("event", "") : "";
    if (event == "spawned") {
      pid = message->fds.empty() ? -1 : pidfd_host_pid(message->fds[0]);
      if (pid > 0) move_into_cgroup(cgroup->procs_files, pid);
      // Stopped while it was restarting: the init kills it before it runs.
      auto state = store_.read_state(spec.id);
      bool stop = started && state && state->stop_requested;
      (void)send_group_json(socket, json{{"op", stop ? "stop" : "go"}});
    } else if (event == "started") {
      record_running(store_, spec, pid);
      if (!started && options.on_first_start) options.on_first_start(ok_status());
      started = true;
    } else if (event == "health") {
      HealthState health = health_state_from_json(j.value("health", json::object()));
      (void)store_.update_state(spec.id, [&](ContainerState& s) { s.health = health; });
    } else if (event == "exited") {
      last = j.value("code", 125);
      std::string error = j.value("error", "");
      if (!started && !error.empty()) {
        sink.flush();
        return start_failed(payload_start_error(last, error), last);
      }
      bool oom = cgroup_oom_killed(kCgroupRoot, spec.id);
      auto state = store_.read_state(spec.id);
      bool restart = j.value("restart", false) && state && !state->stop_requested;
      // The init restarts only what the user did not stop meanwhile.
      if (j.value("restart", false)) (void)send_group_json(socket, json{{"op", restart ? "restart" : "stop"}});
      (void)store_.update_state(spec.id, [&](ContainerState& s) {
        s.status = restart ? ContainerStatus::kRestarting : ContainerStatus::kExited;
        if (restart) s.restart_count++;
        s.paused = false;
        s.exit_code = last;
        s.oom_killed = oom;
        s.pid = 0;
        s.finished_at = now_rfc3339();
        if (!error.empty() && !s.stop_requested) s.error = error;
      });
      pid = 0;
      stopped_for_good = !restart;
    } else if (event == "done") {
      stopped_for_good = true;
    }
    for (int fd : message->fds) ::close(fd);
  }
  sink.flush();
  ::close(socket);
  Status teardown = cleanup_container_leftovers(store_, spec.id);
  if (!teardown) (void)store_.update_state(spec.id, [&](ContainerState& s) { s.error = teardown.error().message; });
  return last;
}

}  // namespace racker::runtime
