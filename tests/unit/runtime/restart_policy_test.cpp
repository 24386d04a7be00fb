// Docker's restart rules and backoff, without a clock.
#include "racker/runtime/restart_policy.h"

#include <catch2/catch.hpp>

using namespace racker::runtime;
using namespace std::chrono_literals;

namespace {
RestartPolicy policy(const char* text) { return *parse_restart_policy(text); }
}  // namespace

TEST_CASE("restart: no never restarts, always and unless-stopped always do", "[restart]") {
  CHECK_FALSE(restart_wanted(policy("no"), 1, 0, false));
  CHECK(restart_wanted(policy("always"), 0, 0, false));
  CHECK(restart_wanted(policy("always"), 1, 100, false));
  CHECK(restart_wanted(policy("unless-stopped"), 0, 0, false));
}

TEST_CASE("restart: a manual stop cancels every policy", "[restart]") {
  for (const char* p : {"always", "unless-stopped", "on-failure"}) CHECK_FALSE(restart_wanted(policy(p), 1, 0, true));
}

TEST_CASE("restart: on-failure restarts non-zero exits up to its count", "[restart]") {
  auto p = policy("on-failure:3");
  CHECK_FALSE(restart_wanted(p, 0, 0, false));
  CHECK(restart_wanted(p, 1, 0, false));
  CHECK(restart_wanted(p, 1, 2, false));
  CHECK_FALSE(restart_wanted(p, 1, 3, false));  // three restarts done: stays down
  CHECK(restart_wanted(policy("on-failure"), 1, 1000, false));  // no bound
}

TEST_CASE("restart: the delay starts at 100ms and doubles, capped at a minute", "[restart]") {
  RestartTracker t(policy("always"));
  std::vector<long> delays;
  for (int i = 0; i < 12; ++i) delays.push_back(static_cast<long>(t.on_exit(1, 1s, i, false).delay.count()));
  CHECK(delays[0] == 100);
  CHECK(delays[1] == 200);
  CHECK(delays[2] == 400);
  CHECK(delays[9] == 51200);
  CHECK(delays[10] == 60000);
  CHECK(delays[11] == 60000);
}

TEST_CASE("restart: a run of 10s or more starts the backoff over", "[restart]") {
  RestartTracker t(policy("on-failure"));
  CHECK(t.on_exit(1, 1s, 0, false).delay == 100ms);
  CHECK(t.on_exit(1, 1s, 1, false).delay == 200ms);
  CHECK(t.on_exit(1, 10s, 2, false).delay == 100ms);
}

TEST_CASE("restart: on-failure:3 restarts three times with growing delays, then stays down", "[restart]") {
  RestartTracker t(policy("on-failure:3"));
  int restarts = 0;
  std::vector<long> delays;
  for (;;) {
    auto d = t.on_exit(2, 50ms, restarts, false);
    if (!d.restart) break;
    delays.push_back(static_cast<long>(d.delay.count()));
    ++restarts;
  }
  CHECK(restarts == 3);
  CHECK(delays == std::vector<long>{100, 200, 400});
}
