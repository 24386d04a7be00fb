// StopExecutor: containers stop after the services that depend on theirs,
// independent ones in parallel, so a chain takes one grace period per link
// and a wide stack about one grace period in all.
#include <algorithm>
#include <boost/asio/executor_work_guard.hpp>
#include <chrono>
#include <boost/asio/post.hpp>

#include "compose_executor_internal.h"

namespace racker::runtime {

StopExecutor::StopExecutor(boost::asio::io_context& io, boost::asio::thread_pool& pool, ContainerDriver& driver,
                           ProjectNetworking& networking, ProgressSink& progress, StopPlan plan, StopOptions options)
    : io_(io), pool_(pool), driver_(driver), networking_(networking), progress_(progress), plan_(std::move(plan)),
      options_(options), alive_(std::make_shared<bool>(true)) {}

StopExecutor::~StopExecutor() { *alive_ = false; }

void StopExecutor::run(std::function<void(Status)> done) {
  done_ = std::move(done);
  state_.assign(plan_.steps.size(), 0);
  began_ = std::chrono::steady_clock::now();
  for (const auto& w : plan_.warnings) progress_.on_warning(w);
  evaluate();
}

void StopExecutor::evaluate() {
  bool all_done = true;
  for (size_t i = 0; i < plan_.steps.size(); ++i) {
    if (state_[i] != 2) all_done = false;
    if (state_[i] != 0) continue;
    const StopStep& step = plan_.steps[i];
    bool ready = true;
    for (size_t j = 0; j < plan_.steps.size() && ready; ++j) {
      if (state_[j] == 2) continue;
      for (const auto& after : step.after)
        if (plan_.steps[j].container.service == after && !plan_.steps[j].container.oneoff) ready = false;
    }
    if (!ready) continue;
    state_[i] = 1;
    const ObservedContainer& c = step.container;
    bool running = c.running();
    // docker reports every container it was asked to stop, running or not.
    progress_.on_progress("Container", c.name, options_.kill_signal ? "Killing" : "Stopping");
    auto alive = alive_;
    boost::asio::io_context* io = &io_;
    ContainerDriver* driver = &driver_;
    ProjectNetworking* net = &networking_;
    StopOptions options = options_;
    if (options.overlap_grace) {
      int grace = options.timeout.value_or(c.stop_timeout);
      auto spent = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() - began_).count();
      options.timeout = grace < 0 ? grace : std::max<int>(0, grace - static_cast<int>(spent));
    }
    std::string id = c.id;
    auto guard = boost::asio::make_work_guard(io_);  // io.run() waits for the pool's answer
    boost::asio::post(pool_, [this, alive, io, guard, driver, net, options, id, running, i] {
      Status st;
      if (running) {
        if (options.kill_signal) {
          st = driver->kill(id, options.kill_signal);
          if (!st && st.error().code == Errc::kConflict) st = ok_status();  // it stopped meanwhile
        } else {
          st = driver->stop(id, options.timeout);
        }
      }
      if (st && options.remove) {
        RemoveOptions remove;
        remove.force = true;
        remove.volumes = options.remove_volumes;
        st = driver->remove(id, remove);
        if (!st && st.error().code == Errc::kNotFound) st = ok_status();
        if (st) st = net->detach(id);
      }
      boost::asio::post(*io, [this, alive, guard, st, i] {
        if (*alive) step_done(i, st);
      });
    });
  }
  if (all_done && done_) {
    auto done = std::move(done_);
    done(error_ ? Status(*error_) : ok_status());
  }
}

void StopExecutor::step_done(size_t index, const Status& status) {
  state_[index] = 2;
  const ObservedContainer& c = plan_.steps[index].container;
  if (!status) {
    if (!error_) error_ = status.error();
    progress_.on_progress("Container", c.name, "Error");
  } else {
    progress_.on_progress("Container", c.name, options_.kill_signal ? "Killed" : "Stopped");
    if (options_.remove) {
      progress_.on_progress("Container", c.name, "Removing");
      progress_.on_progress("Container", c.name, "Removed");
    }
  }
  evaluate();
}

}  // namespace racker::runtime
