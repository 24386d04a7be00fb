#pragma once
// Fakes for the orchestrator's unit tests (no root, no processes): a
// ContainerDriver that keeps containers in memory, records every call and
// simulates exits and healthcheck results; a ProjectBackend that builds
// specs from the project without images; progress that records lines; and
// a project loader over an in-memory compose file.

#include <catch2/catch.hpp>

#include <chrono>
#include <cstdlib>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "racker/compose/graph.h"
#include "racker/compose/load.h"
#include "racker/runtime/compose_executor.h"
#include "racker/runtime/health_monitor.h"
#include "racker/runtime/service_container.h"
#include "support/mem_file_reader.h"

namespace racker::test {

// A project from compose YAML (project name "p").
inline compose::LoadedProject load_yaml(const std::string& yaml, std::vector<std::string> profiles = {}) {
  MemFileReader fs;
  fs.add("/p/compose.yaml", yaml);
  compose::ProjectOptions o;
  o.working_dir = "/p";
  o.profiles = std::move(profiles);
  auto loaded = compose::load_project(o, fs, {});
  if (!loaded) FAIL(loaded.error().to_string());
  return std::move(*loaded);
}

class FakeDriver : public runtime::ContainerDriver, public runtime::HealthRecorder {
 public:
  struct Behavior {
    std::optional<int> exit_code;                  // exits by itself with this code...
    std::chrono::milliseconds after{0};            // ...this long after starting
    std::vector<int> probes;                       // healthcheck exit codes in turn (the last repeats)
    std::string start_error;                       // start fails with this message
    bool ignores_stop = false;                     // (recorded only)
  };

  // Behaviour of the containers whose name is `name` (e.g. "p-db-1").
  void behave(const std::string& name, Behavior b) {
    std::lock_guard<std::mutex> lock(mu_);
    behaviors_[name] = std::move(b);
  }
  // Adds an existing container (as a previous run left it).
  std::string add_existing(runtime::ContainerSpec spec, runtime::ContainerStatus status, int exit_code = 0) {
    std::lock_guard<std::mutex> lock(mu_);
    if (spec.id.empty()) spec.id = "id-" + spec.name + "-" + std::to_string(++counter_);
    spec.created = stamp();
    runtime::ContainerInfo info{spec, {}};
    info.state.status = status;
    info.state.exit_code = exit_code;
    if (status == runtime::ContainerStatus::kRunning) info.state.started_at = stamp();
    containers_[spec.id] = info;
    return spec.id;
  }
  std::vector<std::string> calls() {
    std::lock_guard<std::mutex> lock(mu_);
    return calls_;
  }
  // Index of the first call equal to `call`, -1 if none.
  int index_of(const std::string& call) {
    auto c = calls();
    for (size_t i = 0; i < c.size(); ++i)
      if (c[i] == call) return static_cast<int>(i);
    return -1;
  }
  std::optional<runtime::ContainerInfo> by_name(const std::string& name) {
    std::lock_guard<std::mutex> lock(mu_);
    settle();
    for (const auto& [id, info] : containers_)
      if (info.spec.name == name) return info;
    return std::nullopt;
  }

  Result<runtime::ContainerSpec> create(runtime::ContainerSpec spec) override {
    std::lock_guard<std::mutex> lock(mu_);
    for (const auto& [id, info] : containers_)
      if (info.spec.name == spec.name) return Error(Errc::kConflict, "Conflict. The container name \"/" + spec.name + "\" is already in use");
    spec.id = "id-" + spec.name + "-" + std::to_string(++counter_);
    spec.created = stamp();
    calls_.push_back("create " + spec.name);
    containers_[spec.id] = {spec, {}};
    return spec;
  }
  Status start(const std::string& id) override {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = containers_.find(id);
    if (it == containers_.end()) return Error(Errc::kNotFound, "No such container: " + id);
    auto& info = it->second;
    calls_.push_back("start " + info.spec.name);
    auto b = behaviors_.find(info.spec.name);
    if (b != behaviors_.end() && !b->second.start_error.empty()) return Error(Errc::kInternal, b->second.start_error);
    info.state.status = runtime::ContainerStatus::kRunning;
    info.state.started_at = runtime::now_rfc3339();  // real time: start_period counts from it
    info.state.finished_at.clear();
    info.state.health = {};
    started_[id] = std::chrono::steady_clock::now();
    probes_[id] = 0;
    return ok_status();
  }
  Result<int> run_attached(const std::string&, const runtime::AttachIo&) override {
    return Error(Errc::kUnsupported, "fake");
  }
  Status stop(const std::string& id, std::optional<int>) override {
    std::lock_guard<std::mutex> lock(mu_);
    settle();
    auto it = containers_.find(id);
    if (it == containers_.end()) return Error(Errc::kNotFound, "No such container: " + id);
    calls_.push_back("stop " + it->second.spec.name);
    end(it->second, 143);
    return ok_status();
  }
  Status kill(const std::string& id, int signo) override {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = containers_.find(id);
    if (it == containers_.end()) return Error(Errc::kNotFound, "No such container: " + id);
    calls_.push_back("kill " + it->second.spec.name);
    end(it->second, 128 + signo);
    return ok_status();
  }
  Status pause(const std::string& id) override { return set_paused(id, true); }
  Status unpause(const std::string& id) override { return set_paused(id, false); }
  Status remove(const std::string& id, const runtime::RemoveOptions&) override {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = containers_.find(id);
    if (it == containers_.end()) return Error(Errc::kNotFound, "No such container: " + id);
    calls_.push_back("remove " + it->second.spec.name);
    containers_.erase(it);
    return ok_status();
  }
  Result<int> wait(const std::string&) override { return Error(Errc::kUnsupported, "fake"); }
  Result<runtime::ContainerInfo> inspect(const std::string& name_or_id) override {
    std::lock_guard<std::mutex> lock(mu_);
    settle();
    for (const auto& [id, info] : containers_)
      if (id == name_or_id || info.spec.name == name_or_id) return info;
    return Error(Errc::kNotFound, "No such container: " + name_or_id);
  }
  Result<std::vector<runtime::ContainerInfo>> list(bool) override {
    std::lock_guard<std::mutex> lock(mu_);
    settle();
    std::vector<runtime::ContainerInfo> out;
    for (const auto& [id, info] : containers_) out.push_back(info);
    return out;
  }
  Result<int> exec(const std::string& id, const runtime::ExecSpec& spec, const runtime::AttachIo&) override {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = containers_.find(id);
    if (it == containers_.end()) return Error(Errc::kNotFound, "No such container: " + id);
    calls_.push_back("exec " + it->second.spec.name + " " + (spec.args.empty() ? "" : spec.args[0]));
    auto b = behaviors_.find(it->second.spec.name);
    if (b == behaviors_.end() || b->second.probes.empty()) return 0;
    size_t n = probes_[id]++;
    const auto& codes = b->second.probes;
    return codes[std::min(n, codes.size() - 1)];
  }
  Status record_health(const std::string& id, const runtime::HealthState& state) override {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = containers_.find(id);
    if (it != containers_.end() && it->second.state.status == runtime::ContainerStatus::kRunning)
      it->second.state.health = state;
    return ok_status();
  }

 private:
  std::string stamp() {
    char buf[64];
    std::snprintf(buf, sizeof buf, "2024-01-01T00:00:00.%09dZ", ++clock_);
    return buf;
  }
  Status set_paused(const std::string& id, bool paused) {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = containers_.find(id);
    if (it == containers_.end()) return Error(Errc::kNotFound, "No such container: " + id);
    calls_.push_back((paused ? "pause " : "unpause ") + it->second.spec.name);
    it->second.state.paused = paused;
    return ok_status();
  }
  void end(runtime::ContainerInfo& info, int code) {
    if (info.state.status != runtime::ContainerStatus::kRunning) return;
    info.state.status = runtime::ContainerStatus::kExited;
    info.state.exit_code = code;
    info.state.finished_at = runtime::now_rfc3339();
  }
  // Containers whose time has come exit now.
  void settle() {
    auto now = std::chrono::steady_clock::now();
    for (auto& [id, info] : containers_) {
      if (info.state.status != runtime::ContainerStatus::kRunning) continue;
      auto b = behaviors_.find(info.spec.name);
      if (b == behaviors_.end() || !b->second.exit_code) continue;
      auto s = started_.find(id);
      if (s != started_.end() && now - s->second >= b->second.after) end(info, *b->second.exit_code);
    }
  }

  std::mutex mu_;
  std::map<std::string, runtime::ContainerInfo> containers_;
  std::map<std::string, Behavior> behaviors_;
  std::map<std::string, std::chrono::steady_clock::time_point> started_;
  std::map<std::string, size_t> probes_;
  std::vector<std::string> calls_;
  int counter_ = 0, clock_ = 0;
};

// Specs straight from the project: the translation, no image.
class FakeBackend : public runtime::ProjectBackend {
 public:
  explicit FakeBackend(const compose::model::Project& project) : project_(project) {}
  Status pull_image(const std::string& ref) override {
    std::lock_guard<std::mutex> lock(mu_);
    pulls.push_back(ref);
    if (ref == fail_pull) return Error(Errc::kNotFound, "pull access denied for " + ref);
    return ok_status();
  }
  Result<runtime::ContainerSpec> container_spec(const std::string& service, int number) override {
    const auto* s = project_.service(service);
    if (!s) return Error(Errc::kNotFound, "no such service: " + service);
    runtime::ServiceContainerOptions o;
    o.number = number;
    o.config_hash = "hash-" + service;
    o.project_state_dir = "/nonexistent";
    auto t = runtime::translate_service(project_, *s, o);
    if (!t) return t.error();
    runtime::ImageConfig image;
    image.cmd = {"sh"};
    auto spec = runtime::merge_container_spec(image, t->settings);
    if (!spec) return spec.error();
    spec->image = runtime::service_image(project_.name, *s);
    spec->healthcheck = runtime::effective_healthcheck(t->healthcheck, std::nullopt);
    return spec;
  }
  std::vector<std::string> pulls;
  std::string fail_pull;

 private:
  const compose::model::Project& project_;
  std::mutex mu_;
};

class RecordingProgress : public runtime::ProgressSink {
 public:
  void on_progress(const std::string& kind, const std::string& name, const std::string& status) override {
    lines.push_back(kind + " " + name + " " + status);
  }
  void on_warning(const std::string& text) override { warnings.push_back(text); }
  bool has(const std::string& line) const { return std::find(lines.begin(), lines.end(), line) != lines.end(); }
  int index_of(const std::string& line) const {
    for (size_t i = 0; i < lines.size(); ++i)
      if (lines[i] == line) return static_cast<int>(i);
    return -1;
  }
  std::vector<std::string> lines, warnings;
};

}  // namespace racker::test
