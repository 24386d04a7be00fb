#include "racker/runtime/project_session.h"

#include <csignal>

#include "racker/runtime/service_container.h"

namespace racker::runtime {

namespace {

bool oneoff(const ContainerInfo& info) {
  auto it = info.spec.labels.find(kLabelOneoff);
  return it != info.spec.labels.end() && it->second == "True";
}

std::string service_label(const ContainerInfo& info) {
  auto it = info.spec.labels.find(kLabelService);
  return it == info.spec.labels.end() ? "" : it->second;
}

}  // namespace

UpSession::UpSession(boost::asio::io_context& io, boost::asio::thread_pool& pool, ProjectWatch& watch,
                     ContainerDriver& driver, ProjectBackend& backend, ProjectNetworking& networking,
                     const compose::model::Project& project, const compose::DependencyGraph& graph, Plan plan,
                     UpSessionOptions options, UpOutput& output)
    : io_(io), pool_(pool), watch_(watch), driver_(driver), networking_(networking), project_(project), graph_(graph),
      options_(std::move(options)), output_(output),
      follower_(io, [this](const std::string& name, const LogRecord& r) { output_.on_log(name, r); }),
      alive_(std::make_shared<bool>(true)) {
  if (options_.attach_phase) {
    std::string names;
    for (const auto& step : plan.services) {
      if (!attached(step.service)) continue;
      std::vector<std::string> list = step.kept_names;
      for (const auto& op : step.ops)
        if (op.kind == OpKind::kCreate || op.kind == OpKind::kRecreate) list.push_back(op.container);
      for (const auto& n : list) names += (names.empty() ? "" : ", ") + name_of(n);
    }
    if (!names.empty()) output_.on_message("Attaching to " + names);
  }
  ExecutorOptions eo = options_.executor;
  auto user_before = eo.before_start;
  eo.before_start = [this, user_before](const std::string& id, const std::string& service, const std::string& name) {
    if (options_.attach_phase && attached(service) && options_.log_path && !followed_.count(id)) {
      followed_.insert(id);
      follower_.follow(id, name_of(name), options_.log_path(id), false);
    }
    if (user_before) user_before(id, service, name);
  };
  executor_ = std::make_unique<ComposeExecutor>(io_, pool_, driver_, backend, networking_, watch_, output_, project_,
                                                std::move(plan), std::move(eo));
  auto alive = alive_;
  watch_.add_listener([this, alive](const std::vector<ContainerEvent>& events) {
    if (*alive && !finished_) on_events(events);
  });
}

UpSession::~UpSession() { *alive_ = false; }

bool UpSession::attached(const std::string& service) const {
  return options_.attach.empty() || options_.attach.count(service) > 0;
}

std::string UpSession::name_of(const std::string& container_name) const {
  return log_name(project_.name, container_name);
}

void UpSession::run(Done done) {
  done_ = std::move(done);
  executing_ = true;
  auto alive = alive_;
  executor_->run([this, alive](Status st) {
    if (*alive) executor_done(st);
  });
}

void UpSession::executor_done(const Status& status) {
  executing_ = false;
  if (!status && !stopping_) {
    finish(1, status.error());
    return;
  }
  if (!options_.attach_phase && !stopping_) {
    finish(0);
    return;
  }
  if (options_.attach_phase && options_.log_path)
    for (const auto& [id, info] : watch_.containers()) {
      if (oneoff(info) || !attached(service_label(info)) || followed_.count(id)) continue;
      followed_.insert(id);
      follower_.follow(id, name_of(info.spec.name), options_.log_path(id), false);
    }
  check_finished();
}

void UpSession::on_events(const std::vector<ContainerEvent>& events) {
  for (const auto& e : events) {
    if (e.kind != ContainerEventKind::kExited || !options_.attach_phase) continue;
    auto it = watch_.containers().find(e.id);
    if (it != watch_.containers().end() && oneoff(it->second)) continue;
    if (!attached(e.service)) continue;
    follower_.drain();
    output_.on_status(name_of(e.name), "exited with code " + std::to_string(e.exit_code) +
                                           (e.restarting ? " (restarting)" : ""));
    if (e.restarting) continue;
    bool abort = !stopping_ && (options_.abort_on_exit || (options_.abort_on_failure && e.exit_code != 0));
    if (abort) {
      aborted_ = true;
      exit_code_ = e.exit_code;
    }
    if (!options_.exit_code_from.empty() && e.service == options_.exit_code_from && !exit_code_set_) {
      exit_code_ = e.exit_code;
      exit_code_set_ = true;
    }
    if (abort) {
      output_.on_message("Aborting on container exit...");
      begin_stop(false);
    }
  }
  check_finished();
}

void UpSession::interrupt() {
  if (finished_) return;
  if (!interrupted_ && !stopping_) {
    interrupted_ = true;
    output_.on_message("Gracefully Stopping... press Ctrl+C again to force");
    begin_stop(false);
    return;
  }
  interrupted_ = true;
  begin_stop(true);
}

void UpSession::begin_stop(bool kill) {
  if (kill ? killing_ : stopping_) return;
  (kill ? killing_ : stopping_) = true;
  if (executing_) executor_->cancel();
  std::vector<ObservedContainer> observed;
  for (const auto& [id, info] : watch_.containers())
    if (!oneoff(info)) observed.push_back(observe_container(info));
  StopPlan plan = plan_stop(project_, graph_, observed, options_.stop_services, false, false);
  StopOptions so;
  so.timeout = options_.stop_timeout;
  if (kill) {
    so.kill_signal = SIGKILL;
    std::vector<StopStep> running;
    for (auto& step : plan.steps)
      if (step.container.running()) {
        step.after.clear();
        running.push_back(std::move(step));
      }
    plan.steps = std::move(running);
  }
  auto& slot = kill ? killer_ : stopper_;
  slot = std::make_unique<StopExecutor>(io_, pool_, driver_, networking_, output_, std::move(plan), so);
  auto alive = alive_;
  StopExecutor* self = slot.get();
  slot->run([this, alive, self, kill](Status st) {
    if (!*alive) return;
    (void)st;  // containers that were already gone are not an error here
    if (kill) killed_done_ = true;
    else stopped_done_ = true;
    (void)self;
    check_finished();
  });
}

void UpSession::check_finished() {
  if (finished_) return;
  if (stopping_ || killing_) {
    if (executing_) return;
    if (stopping_ && !stopped_done_ && !(killing_ && killed_done_)) return;
    if (killing_ && !killed_done_) return;
    // One more look, so the exits of what was just stopped are reported.
    if (!final_poll_) {
      final_poll_ = true;
      auto alive = alive_;
      watch_.after_next_poll([this, alive] {
        if (*alive) finish(interrupted_ ? 130 : exit_code_);
      });
    }
    return;
  }
  if (executing_ || !options_.attach_phase || !watch_.has_snapshot()) return;
  for (const auto& [id, info] : watch_.containers()) {
    if (oneoff(info) || !attached(service_label(info))) continue;
    if (info.state.up()) return;
  }
  finish(exit_code_);
}

void UpSession::finish(int code, std::optional<Error> error) {
  if (finished_) return;
  finished_ = true;
  follower_.drain();
  follower_.stop();
  if (done_) {
    auto done = std::move(done_);
    done(code, std::move(error));
  }
}

}  // namespace racker::runtime
