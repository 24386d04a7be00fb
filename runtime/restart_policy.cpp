#include "racker/runtime/restart_policy.h"

#include <algorithm>

namespace racker::runtime {

bool restart_wanted(const RestartPolicy& policy, int exit_code, int restart_count, bool manual_stop) {
  if (manual_stop) return false;
  switch (policy.kind) {
    case RestartPolicy::Kind::kNo: return false;
    case RestartPolicy::Kind::kAlways:
    case RestartPolicy::Kind::kUnlessStopped: return true;
    case RestartPolicy::Kind::kOnFailure:
      return exit_code != 0 && (policy.max_retries == 0 || restart_count < policy.max_retries);
  }
  return false;
}

RestartDecision RestartTracker::on_exit(int exit_code, std::chrono::steady_clock::duration ran, int restart_count,
                                        bool manual_stop) {
  // The delay moves on every exit, restarted or not, as docker's does: a
  // container that ran long enough starts again from the initial delay.
  if (ran >= kResetAfter) delay_ = std::chrono::milliseconds(0);
  if (delay_.count() == 0) delay_ = kInitialDelay;
  else delay_ = std::min(delay_ * 2, kMaxDelay);
  RestartDecision d;
  d.restart = restart_wanted(policy_, exit_code, restart_count, manual_stop);
  if (d.restart) d.delay = delay_;
  return d;
}

}  // namespace racker::runtime
