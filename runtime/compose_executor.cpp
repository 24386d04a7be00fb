// ComposeExecutor: ordering of a Plan's work on the loop. The operations
// themselves are in compose_executor_ops.cpp, the depends_on conditions in
// compose_executor_wait.cpp.
#include "racker/runtime/compose_executor.h"

#include <boost/asio/post.hpp>

#include "compose_executor_internal.h"

namespace racker::runtime {

ComposeExecutor::ComposeExecutor(boost::asio::io_context& io, boost::asio::thread_pool& pool, ContainerDriver& driver,
                                 ProjectBackend& backend, ProjectNetworking& networking, ProjectWatch& watch,
                                 ProgressSink& progress, const compose::model::Project& project, Plan plan,
                                 ExecutorOptions options)
    : io_(io), pool_(pool), driver_(driver), backend_(backend), networking_(networking), watch_(watch),
      progress_(progress), project_(project), plan_(std::move(plan)), options_(std::move(options)),
      wait_deadline_(io), recheck_(io), alive_(std::make_shared<bool>(true)) {
  for (const auto& step : plan_.services) {
    auto run = std::make_unique<ServiceRun>();
    run->step = &step;
    run->service = project_.service(step.service);
    services_[step.service] = std::move(run);
    ids_[step.service] = step.kept;
  }
  auto alive = alive_;
  watch_.add_listener([this, alive](const std::vector<ContainerEvent>&) {
    if (!*alive || !started_ || finished_) return;
    evaluate();
    maybe_finish();
  });
}

ComposeExecutor::~ComposeExecutor() { *alive_ = false; }

void ComposeExecutor::run(std::function<void(Status)> done) {
  done_ = std::move(done);
  started_ = true;
  for (const auto& w : plan_.warnings) progress_.on_warning(w);
  // Networks first: every container is attached to them when created.
  blocking([&net = networking_] { return net.ensure_networks(); },
           [this](Status st) {
             if (!st) {
               fail(st.error());
               maybe_finish();
               return;
             }
             networks_ready_ = true;
             begin();
           });
}

void ComposeExecutor::begin() {
  for (const auto& op : plan_.orphans) {
    progress_.on_progress("Container", op.container, "Stopping");
    std::string id = op.container_id, name = op.container;
    auto timeout = options_.stop_timeout;
    blocking(
        [&driver = driver_, &net = networking_, id, timeout] {
          return internal::stop_and_remove(driver, net, id, timeout, false);
        },
        [this, name](Status st) {
          if (!st) fail(st.error());
          else {
            progress_.on_progress("Container", name, "Stopped");
            progress_.on_progress("Container", name, "Removed");
          }
          maybe_finish();
        });
  }
  for (const auto& op : plan_.pulls) pending_pulls_[op.image] = 1;
  for (const auto& op : plan_.pulls) pull(op.image);
  for (const auto& step : plan_.services) {
    auto& run = *services_[step.service];
    if (pending_pulls_[step.image] == 0) create_service(run);
  }
  evaluate();
  maybe_finish();
}

void ComposeExecutor::pull(const std::string& image) {
  progress_.on_progress("Image", image, "Pulling");
  blocking([&backend = backend_, image] { return backend.pull_image(image); },
           [this, image](Status st) { image_ready(image, st); });
}

void ComposeExecutor::image_ready(const std::string& image, const Status& status) {
  if (!status) {
    progress_.on_progress("Image", image, "Error");
    fail(status.error());
    maybe_finish();
    return;
  }
  progress_.on_progress("Image", image, "Pulled");
  pending_pulls_[image] = 0;
  for (const auto& step : plan_.services) {
    auto& run = *services_[step.service];
    if (step.image == image && run.phase == ServiceRun::Phase::kWaitingImage) create_service(run);
  }
  evaluate();
  maybe_finish();
}

void ComposeExecutor::create_service(ServiceRun& s) {
  if (error_ || cancelled_) return;
  s.phase = ServiceRun::Phase::kCreating;
  for (const auto& op : s.step->ops)
    if (op.kind != OpKind::kStart) {
      s.ops_left++;
      run_op(s, op);
    }
  if (s.ops_left == 0) s.phase = ServiceRun::Phase::kCreated;
}

void ComposeExecutor::op_done(const std::string& service, const Status& status, const std::string& new_id) {
  auto& s = *services_[service];
  if (!status) {
    s.phase = ServiceRun::Phase::kFailed;
    fail(status.error());
  } else if (!new_id.empty()) {
    ids_[service].push_back(new_id);
  }
  if (--s.ops_left == 0 && s.phase == ServiceRun::Phase::kCreating) s.phase = ServiceRun::Phase::kCreated;
  evaluate();
  maybe_finish();
}

void ComposeExecutor::evaluate() {
  if (!networks_ready_ || error_ || cancelled_ || finished_) return;
  for (const auto& step : plan_.services) {
    auto& s = *services_[step.service];
    if (s.phase != ServiceRun::Phase::kCreated || !step.start) continue;
    if (!step.missing_required.empty()) {
      fail(Error(Errc::kNotFound, step.service + " is missing dependency " + step.missing_required.front()));
      return;
    }
    bool ready = true;
    for (const auto& edge : step.waits) {
      auto st = dependency_state(s, edge);
      if (!st) {
        ready = false;
        continue;
      }
      if (!*st) {
        s.phase = ServiceRun::Phase::kFailed;
        fail(st->error());
        return;
      }
    }
    if (ready) start_service(s);
  }
}

void ComposeExecutor::start_service(ServiceRun& s) {
  s.phase = ServiceRun::Phase::kStarting;
  std::vector<std::pair<std::string, std::string>> to_start;  // id, name
  for (const auto& id : ids_[s.step->service]) {
    auto it = watch_.containers().find(id);
    if (it != watch_.containers().end() && it->second.state.status == ContainerStatus::kRunning &&
        !s.restarted.count(id))
      continue;
    std::string name = it != watch_.containers().end() ? it->second.spec.name : id.substr(0, 12);
    for (const auto& op : s.step->ops)
      if (op.container_id == id) name = op.container;
    if (auto n = s.names.find(id); n != s.names.end()) name = n->second;
    to_start.emplace_back(id, name);
  }
  s.starts_left = static_cast<int>(to_start.size());
  if (to_start.empty()) {
    start_done(s.step->service, ok_status());
    return;
  }
  for (const auto& [id, name] : to_start) {
    if (options_.before_start) options_.before_start(id, s.step->service, name);
    progress_.on_progress("Container", name, "Starting");
    std::string service = s.step->service;
    blocking([&driver = driver_, id = id] { return driver.start(id); },
             [this, service, name = name](Status st) {
               auto& run = *services_[service];
               if (st) progress_.on_progress("Container", name, "Started");
               else {
                 progress_.on_progress("Container", name, "Error");
                 run.start_error = run.start_error ? run.start_error : std::optional<Error>(st.error());
               }
               if (--run.starts_left == 0)
                 start_done(service, run.start_error ? Status(*run.start_error) : ok_status());
               maybe_finish();
             });
  }
}

void ComposeExecutor::start_done(const std::string& service, const Status& status) {
  auto& s = *services_[service];
  if (!status) {
    s.phase = ServiceRun::Phase::kFailed;
    fail(status.error());
    maybe_finish();
    return;
  }
  // Conditions on this service are judged on a snapshot taken after the
  // start, never on what an earlier run left in the records.
  in_flight_++;
  auto alive = alive_;
  watch_.after_next_poll([this, alive, service] {
    if (!*alive) return;
    in_flight_--;
    services_[service]->phase = ServiceRun::Phase::kStarted;
    services_[service]->started_at = std::chrono::steady_clock::now();
    evaluate();
    maybe_finish();
  });
}

void ComposeExecutor::recheck_after(std::chrono::milliseconds delay) {
  if (recheck_armed_) return;
  recheck_armed_ = true;
  recheck_.expires_after(delay);
  auto alive = alive_;
  recheck_.async_wait([this, alive](const boost::system::error_code& ec) {
    if (ec || !*alive) return;
    recheck_armed_ = false;
    evaluate();
    maybe_finish();
  });
}

void ComposeExecutor::fail(Error error) {
  if (!error_) error_ = std::move(error);
}

void ComposeExecutor::cancel() {
  cancelled_ = true;
  maybe_finish();
}

void ComposeExecutor::maybe_finish() {
  if (finished_ || !started_ || in_flight_ > 0) return;
  auto finish = [this](Status st) {
    finished_ = true;
    wait_deadline_.cancel();
    recheck_.cancel();
    if (done_) {
      auto done = std::move(done_);
      done(std::move(st));
    }
  };
  if (error_) return finish(*error_);
  if (cancelled_) return finish(ok_status());
  if (!networks_ready_) return;
  for (const auto& step : plan_.services) {
    auto phase = services_[step.service]->phase;
    bool settled = phase == ServiceRun::Phase::kStarted || (!step.start && phase == ServiceRun::Phase::kCreated);
    if (!settled) return;  // still waiting on something that will report
  }
  if (!options_.wait) return finish(ok_status());
  if (wait_expired_)
    return finish(Error(Errc::kTimeout, "application not healthy after " +
                                            compose::model::format_duration(options_.wait_timeout)));
  if (!waiting_) {
    waiting_ = true;
    if (options_.wait_timeout.count() > 0) {
      wait_deadline_.expires_after(options_.wait_timeout);
      auto alive = alive_;
      wait_deadline_.async_wait([this, alive](const boost::system::error_code& ec) {
        if (ec || !*alive || finished_) return;
        wait_expired_ = true;
        maybe_finish();
      });
    }
    watch_.refresh();
  }
  if (auto st = wait_state()) finish(*st);
}

}  // namespace racker::runtime
