#include "racker/runtime/project_supervisor.h"

#include "container_monitor.h"
#include "racker/runtime/systemd_scope.h"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/asio/post.hpp>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>
#include <thread>

#include "racker/runtime/container_process.h"
#include "racker/runtime/log_reader.h"
#include "racker/runtime/nspawn_driver.h"

#include "container_files.h"

namespace racker::runtime {

namespace {

using nlohmann::json;

// A grouped service's healthcheck runs in its group's init (group_init.h);
// a boot group member's here, in its unit (NspawnDriver::exec).
bool probed_here(const ContainerSpec& spec) { return spec.healthcheck && !supervised_by_group_init(spec); }

// The pid holding a write lock on `fd`'s file, 0 when free.
pid_t lock_holder(int fd) {
  struct flock fl{};
  fl.l_type = F_WRLCK;
  fl.l_whence = SEEK_SET;
  if (::fcntl(fd, F_GETLK, &fl) != 0) return 0;
  return fl.l_type == F_UNLCK ? 0 : fl.l_pid;
}

bool try_lock(int fd) {
  struct flock fl{};
  fl.l_type = F_WRLCK;
  fl.l_whence = SEEK_SET;
  return ::fcntl(fd, F_SETLK, &fl) == 0;
}

// Steady-clock time point for an RFC 3339 wall-clock time (now when unknown).
std::chrono::steady_clock::time_point steady_from(const std::string& rfc3339) {
  auto now = std::chrono::steady_clock::now();
  auto t = parse_rfc3339(rfc3339);
  if (!t) return now;
  auto wall_now = std::chrono::duration_cast<std::chrono::nanoseconds>(
                      std::chrono::system_clock::now().time_since_epoch()).count();
  auto ago = std::chrono::nanoseconds(std::max<int64_t>(0, wall_now - *t));
  return now - std::chrono::duration_cast<std::chrono::steady_clock::duration>(ago);
}

}  // namespace

std::string racker_run_dir() {
  const char* env = std::getenv("RACKER_RUN");
  return env && *env ? env : "/run/racker";
}

SupervisorPaths supervisor_paths(const std::string& project) {
  SupervisorPaths p;
  p.dir = racker_run_dir() + "/" + project;
  p.socket = p.dir + "/supervisor.sock";
  p.lock = p.dir + "/supervisor.lock";
  p.log = p.dir + "/supervisor.log";
  return p;
}

std::string project_state_dir(const std::string& racker_root, const std::string& project) {
  return racker_root + "/compose/" + project;
}

pid_t supervisor_pid(const std::string& project) {
  int fd = ::open(supervisor_paths(project).lock.c_str(), O_RDWR | O_CLOEXEC);
  if (fd < 0) return 0;
  pid_t pid = lock_holder(fd);
  ::close(fd);
  return pid;
}

Status retire_supervisor(const std::string& project, std::chrono::milliseconds timeout) {
  pid_t pid = supervisor_pid(project);
  if (pid == 0) return ok_status();
  (void)supervisor_request(supervisor_paths(project).socket, R"({"op":"shutdown"})", std::chrono::seconds(2));
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (supervisor_pid(project) != 0) {
    if (std::chrono::steady_clock::now() >= deadline)
      return Error(Errc::kTimeout, "the supervisor of project " + project + " (pid " + std::to_string(pid) +
                                       ") did not exit");
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return ok_status();
}

Status StoreHealthRecorder::record_health(const std::string& id, const HealthState& health) {
  auto st = store_.update_state(id, [&](ContainerState& s) {
    if (s.up()) s.health = health;
  });
  if (!st) return st.error();
  return ok_status();
}

// --- ProjectSupervisor ---

ProjectSupervisor::ProjectSupervisor(boost::asio::io_context& io, ContainerDriver& driver, HealthRecorder& recorder,
                                     std::string project, SupervisorOptions options)
    : io_(io), driver_(driver), recorder_(recorder), project_(std::move(project)), options_(options),
      paths_(supervisor_paths(project_)), ticker_(io), alive_(std::make_shared<bool>(true)) {
  ops_pool_ = std::make_unique<boost::asio::thread_pool>(std::max(1, options_.parallel));
  bg_pool_ = std::make_unique<boost::asio::thread_pool>(4);
  watch_ = std::make_unique<ProjectWatch>(io_, *bg_pool_, driver_, project_, options_.poll_interval);
  health_ = std::make_unique<HealthMonitor>(io_, *bg_pool_, driver_, recorder_,
                                            [this](const std::string& id, const HealthState& state, bool) {
                                              watch_->set_health(id, state);
                                            });
}

ProjectSupervisor::~ProjectSupervisor() {
  stop();
  join();
  if (lock_fd_ >= 0) ::close(lock_fd_);
}

void ProjectSupervisor::join() {
  if (ops_pool_) ops_pool_->join();
  if (bg_pool_) bg_pool_->join();
}

Status ProjectSupervisor::start() {
  if (auto st = cfiles::make_dirs(paths_.dir, 0700); !st) return st;
  lock_fd_ = ::open(paths_.lock.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (lock_fd_ < 0) return Error(Errc::kIo, "open " + paths_.lock + ": " + std::strerror(errno));
  for (int attempt = 0; !try_lock(lock_fd_); ++attempt) {
    if (attempt >= 3)
      return Error(Errc::kConflict, "another racker supervises project " + project_ + " (pid " +
                                        std::to_string(lock_holder(lock_fd_)) + ")");
    (void)retire_supervisor(project_, std::chrono::seconds(5));
  }
  // Children it starts (container monitors) are reaped here, and orphans
  // of them are handed here rather than to a PID 1 that may not reap.
  ::prctl(PR_SET_CHILD_SUBREAPER, 1);
  auto server = SupervisorServer::listen(io_, paths_.socket, [this](const std::string& r) { return handle(r); });
  if (!server) return server.error();
  server_ = std::move(*server);
  auto alive = alive_;
  watch_->add_listener([this, alive](const std::vector<ContainerEvent>& events) {
    if (*alive) on_events(events);
  });
  watch_->start();
  tick();
  return ok_status();
}

void ProjectSupervisor::stop() {
  if (stopped_) return;
  stopped_ = true;
  *alive_ = false;
  ticker_.cancel();
  if (server_) server_->close();
  if (watch_) watch_->stop();
  if (health_) health_->stop();
}

void ProjectSupervisor::on_events(const std::vector<ContainerEvent>& events) {
  const auto& snapshot = watch_->containers();
  std::set<std::string> first_seen;  // their start is not news: adopt() continues their health
  for (const auto& e : events)
    if (e.kind == ContainerEventKind::kCreated) first_seen.insert(e.id);
  for (const auto& e : events) {
    auto it = snapshot.find(e.id);
    switch (e.kind) {
      case ContainerEventKind::kCreated:
        // Adoption: a container already running when first seen.
        if (it != snapshot.end() && it->second.state.status == ContainerStatus::kRunning && probed_here(it->second.spec))
          health_->adopt(e.id, *it->second.spec.healthcheck, it->second.state.health,
                         steady_from(it->second.state.started_at));
        break;
      case ContainerEventKind::kStarted:
        if (first_seen.count(e.id)) break;
        if (it != snapshot.end() && probed_here(it->second.spec))
          health_->container_started(e.id, *it->second.spec.healthcheck, steady_from(it->second.state.started_at));
        break;
      case ContainerEventKind::kExited:
      case ContainerEventKind::kRemoved: health_->container_stopped(e.id); break;
      case ContainerEventKind::kHealth:
      case ContainerEventKind::kPaused:
      case ContainerEventKind::kUnpaused: break;
    }
    if (it != snapshot.end() && it->second.state.monitor_pid > 0) monitors_.insert(it->second.state.monitor_pid);
  }
  reap();
}

void ProjectSupervisor::reap() {
  for (auto it = monitors_.begin(); it != monitors_.end();) {
    int status = 0;
    pid_t r = ::waitpid(*it, &status, WNOHANG);
    if (r == *it || (r < 0 && errno == ECHILD)) it = monitors_.erase(it);
    else ++it;
  }
}

void ProjectSupervisor::reap_strays() {
  // Other zombie children (orphans handed to us as subreaper). A probe's
  // own child is reaped by the probe at once; one left for several seconds
  // (this runs once a second) is nobody else's.
  std::map<pid_t, int> seen;
  if (DIR* d = ::opendir("/proc")) {
    pid_t self = ::getpid();
    while (dirent* e = ::readdir(d)) {
      pid_t pid = static_cast<pid_t>(std::atoi(e->d_name));
      if (pid <= 0) continue;
      auto st = read_proc_stat(pid);
      if (!st || st->ppid != self || st->state != 'Z') continue;
      int ticks = zombies_.count(pid) ? zombies_[pid] + 1 : 1;
      if (ticks >= 3) ::waitpid(pid, nullptr, WNOHANG);
      else seen[pid] = ticks;
    }
    ::closedir(d);
  }
  zombies_ = std::move(seen);
}

void ProjectSupervisor::tick() {
  ticker_.expires_after(std::chrono::seconds(1));
  auto alive = alive_;
  ticker_.async_wait([this, alive](const boost::system::error_code& ec) {
    if (ec || !*alive) return;
    reap();
    reap_strays();
    if (options_.detached && !busy_ && watch_->has_snapshot()) {
      bool any_up = false;
      for (const auto& [id, info] : watch_->containers()) any_up = any_up || info.state.up();
      idle_ticks_ = any_up ? 0 : idle_ticks_ + 1;
      if (idle_ticks_ >= 2 && on_idle_) {
        auto cb = std::move(on_idle_);
        on_idle_ = nullptr;
        cb();
        return;
      }
    }
    tick();
  });
}

std::string ProjectSupervisor::handle(const std::string& request) {
  json req = json::parse(request, nullptr, false);
  if (req.is_discarded() || !req.is_object()) return R"({"ok":false,"error":"bad request"})";
  std::string op = req.value("op", "");
  if (op == "ping")
    return json{{"ok", true}, {"pid", ::getpid()}, {"project", project_}, {"mode", options_.detached ? "detached" : "foreground"}}
        .dump();
  if (op == "shutdown") {
    auto alive = alive_;
    boost::asio::post(io_, [this, alive] {
      if (*alive && on_retire_) on_retire_();
    });
    return R"({"ok":true})";
  }
  if (op == "status") {
    json list = json::array();
    for (const auto& [id, info] : watch_->containers())
      list.push_back({{"id", id}, {"name", info.spec.name}, {"state", state_status_name(info.state)},
                      {"health", info.state.health.status}});
    return json{{"ok", true}, {"containers", list}}.dump();
  }
  return json{{"ok", false}, {"error", "unknown op " + op}}.dump();
}

// --- detached processes ---

Result<int> spawn_detached_supervisor(const std::string& project, const std::function<int(int report_fd)>& body) {
  SupervisorPaths paths = supervisor_paths(project);
  if (auto st = cfiles::make_dirs(paths.dir, 0700); !st) return st.error();
  int report[2];
  if (::pipe2(report, O_CLOEXEC) != 0) return Error(Errc::kIo, std::string("pipe: ") + std::strerror(errno));
  pid_t child = ::fork();
  if (child < 0) {
    ::close(report[0]);
    ::close(report[1]);
    return Error(Errc::kIo, std::string("fork: ") + std::strerror(errno));
  }
  if (child == 0) {
    ::setsid();
    pid_t grandchild = ::fork();
    if (grandchild != 0) ::_exit(grandchild < 0 ? 1 : 0);
    ::close(report[0]);
    ::prctl(PR_SET_CHILD_SUBREAPER, 1);
    int null = ::open("/dev/null", O_RDONLY);
    int log = ::open(paths.log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
    if (null >= 0) ::dup2(null, 0);
    if (log >= 0) {
      ::dup2(log, 1);
      ::dup2(log, 2);
    }
    if (null > 2) ::close(null);
    if (log > 2) ::close(log);
    // Under systemd the supervisor is a unit of its own, not part of the
    // caller's session or service.
    Status scope = run_in_transient_scope(::getpid(), scope_unit_name("compose", project),
                                          "racker compose supervisor of project " + project);
    if (!scope && scope.error().code != Errc::kUnsupported)
      std::fprintf(stderr, "racker supervisor %s: no systemd scope: %s\n", project.c_str(),
                   scope.error().message.c_str());
    ::signal(SIGHUP, SIG_IGN);
    ::signal(SIGINT, SIG_IGN);
    ::signal(SIGPIPE, SIG_IGN);
    int code = body(report[1]);
    ::_exit(code);
  }
  ::close(report[1]);
  int status = 0;
  while (::waitpid(child, &status, 0) < 0 && errno == EINTR) {
  }
  return report[0];
}

int run_supervisor(const std::string& project) {
  boost::asio::io_context io;
  ContainerStore store(ContainerStore::default_root());
  NspawnDriver driver(store, detect_host_facts());
  StoreHealthRecorder recorder(store);
  SupervisorOptions options;
  options.detached = true;
  options.poll_interval = std::chrono::milliseconds(500);
  ProjectSupervisor supervisor(io, driver, recorder, project, options);
  if (auto st = supervisor.start(); !st) {
    std::fprintf(stderr, "racker supervisor %s: %s\n", project.c_str(), st.error().message.c_str());
    return 1;
  }
  supervisor.on_idle([&] { io.stop(); });
  supervisor.on_retire([&] { io.stop(); });
  io.run();
  supervisor.stop();
  supervisor.join();
  return 0;
}

Status ensure_supervisor(const std::string& project) {
  if (supervisor_pid(project) != 0) return ok_status();
  auto fd = spawn_detached_supervisor(project, [project](int report) {
    ::close(report);
    return run_supervisor(project);
  });
  if (!fd) return fd.error();
  ::close(*fd);
  return ok_status();
}

}  // namespace racker::runtime
