#pragma once
// What the two halves of the container monitor share (internal): the
// nspawn path (container_monitor.cpp) and the grouped-service path
// (group_member_monitor.cpp).

#include <memory>
#include <string>
#include <string_view>

#include "racker/runtime/cgroup_limits.h"
#include "racker/runtime/container_driver.h"
#include "racker/runtime/container_state.h"
#include "racker/runtime/log_writer.h"
#include "racker/runtime/nspawn_command.h"
#include "racker/util/error.h"

namespace racker::runtime {

// Writes everything; a gone client must not stop the container.
void write_all(int fd, const char* data, size_t size);

// The host pid of the PID 1 of group container `name`, which must run.
Result<int> running_group_pid(ContainerStore& store, const std::string& name);

// Records container `spec` running as host pid `pid`, watched by this
// process: docker starts a new health history, "starting", on every start.
void record_running(ContainerStore& store, const ContainerSpec& spec, int pid);

// systemd's scopes, not racker's cgroups, hold the containers.
inline bool managed_by_systemd(const HostFacts& host) { return host.systemd_pid1 && host.machined; }

// The container's own cgroups with its limits; none under systemd.
inline Result<CgroupSetup> container_cgroup(const HostFacts& host, const ContainerSpec& spec) {
  if (managed_by_systemd(host)) return CgroupSetup{};
  return create_cgroup(kCgroupRoot, spec.id, spec.resources);
}

// docker's words when racker's init could not start the payload (exit code
// 125, 126 or 127 and the init's message).
inline Error payload_start_error(int code, const std::string& message) {
  return Error(code == 125 ? Errc::kInternal : Errc::kNotFound,
               "failed to create task for container: unable to start container process: " + message + ": unknown");
}

// One container's output on its way to its json-file log, the journal and
// an attached client.
class OutputSink {
 public:
  OutputSink(ContainerStore& store, const ContainerSpec& spec, const AttachIo& attach) : attach_(attach) {
    if (auto log = JsonFileLog::open(store.log_path(spec.id), spec.log)) log_ = std::move(*log);
    if (JournalLog::available()) journal_ = std::make_unique<JournalLog>(spec.id, spec.name, spec.image);
  }

  void write(LogStream stream, const char* data, size_t size) {
    int client = stream == LogStream::kStdout ? attach_.out : attach_.err;
    if (client >= 0) write_all(client, data, size);
    auto& splitter = stream == LogStream::kStdout ? out_ : err_;
    splitter.feed(std::string_view(data, size), [&](std::string_view record) { emit(stream, record); });
  }
  void flush() {
    out_.flush([&](std::string_view r) { emit(LogStream::kStdout, r); });
    err_.flush([&](std::string_view r) { emit(LogStream::kStderr, r); });
  }

 private:
  void emit(LogStream stream, std::string_view record) {
    if (log_) (void)log_->append(stream, record, now_rfc3339());
    if (journal_) journal_->append(stream, record);
  }
  std::unique_ptr<JsonFileLog> log_;
  std::unique_ptr<JournalLog> journal_;
  AttachIo attach_;
  LineSplitter out_, err_;
};

}  // namespace racker::runtime
