#pragma once
// Shared by compose_executor*.cpp.
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/post.hpp>
#include <optional>
#include <set>
#include <string>

#include "racker/runtime/compose_executor.h"

namespace racker::runtime {

struct ComposeExecutor::ServiceRun {
  enum class Phase { kWaitingImage, kCreating, kCreated, kStarting, kStarted, kFailed };
  const ServiceStep* step = nullptr;
  const compose::model::Service* service = nullptr;
  Phase phase = Phase::kWaitingImage;
  int ops_left = 0, starts_left = 0;
  std::optional<Error> start_error;
  std::map<std::string, std::string> names;  // id -> name of containers this run created
  std::set<std::string> announced;           // dependencies it said it waits for
  std::set<std::string> restarted;           // stopped by a kRestart op: start them whatever the snapshot says
  std::set<std::string> warned;              // optional dependencies it warned about
  std::chrono::steady_clock::time_point started_at;  // when its start finished
};

// Runs `work` on the pool, then `then(result)` on the loop unless the
// executor is gone. Counts as in flight meanwhile.
template <class Work, class Then>
void ComposeExecutor::blocking(Work work, Then then) {
  in_flight_++;
  auto alive = alive_;
  boost::asio::io_context* io = &io_;
  // The guard keeps io.run() from returning while the work is on the pool.
  auto guard = boost::asio::make_work_guard(io_);
  boost::asio::post(pool_, [this, alive, io, guard, work = std::move(work), then = std::move(then)]() mutable {
    auto result = work();
    boost::asio::post(*io, [this, alive, guard, then = std::move(then), result = std::move(result)]() mutable {
      if (!*alive) return;
      in_flight_--;
      then(std::move(result));
    });
  });
}

namespace internal {

// Stops (when running) and removes a container, then releases its network.
Status stop_and_remove(ContainerDriver& driver, ProjectNetworking& networking, const std::string& id,
                       std::optional<int> timeout, bool remove_volumes);

}  // namespace internal
}  // namespace racker::runtime
