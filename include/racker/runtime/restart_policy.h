#pragma once
// Whether a container that stopped by itself comes back, and after how long:
// docker's restart manager rules, as a plain class fed exits and run
// durations (no clock, no I/O), so the policy is unit tested and the
// container monitor only sleeps and restarts.
//
//   no              never restarts
//   always          restarts after every exit
//   unless-stopped  like always (the two differ only across a host reboot)
//   on-failure[:N]  restarts after a non-zero exit, at most N times (0: no bound)
//
// A manual stop (`racker stop`, `compose stop/down`) cancels any restart.
// The delay starts at 100 ms and doubles after each restart, capped at one
// minute; a run that lasted 10 s or more starts the sequence over.

#include <chrono>

#include "racker/runtime/container_spec.h"

namespace racker::runtime {

struct RestartDecision {
  bool restart = false;
  std::chrono::milliseconds delay{0};  // wait this long before starting again
};

class RestartTracker {
 public:
  static constexpr std::chrono::milliseconds kInitialDelay{100};
  static constexpr std::chrono::milliseconds kMaxDelay{60000};
  static constexpr std::chrono::seconds kResetAfter{10};

  explicit RestartTracker(RestartPolicy policy) : policy_(policy) {}

  // One run ended with `exit_code` after running for `ran`. `restart_count`
  // is how often the container was restarted so far (on-failure's bound).
  RestartDecision on_exit(int exit_code, std::chrono::steady_clock::duration ran, int restart_count,
                          bool manual_stop);

  const RestartPolicy& policy() const { return policy_; }

 private:
  RestartPolicy policy_;
  std::chrono::milliseconds delay_{0};
};

// The policy alone, without backoff: would this exit be followed by a restart?
bool restart_wanted(const RestartPolicy& policy, int exit_code, int restart_count, bool manual_stop);

}  // namespace racker::runtime
