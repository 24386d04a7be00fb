// Docker's healthcheck state machine, fed results and time points.
#include <catch2/catch.hpp>

#include "racker/runtime/health_monitor.h"

using namespace racker::runtime;
using namespace std::chrono_literals;
using Clock = HealthTracker::Clock;

namespace {

HealthResult result(int code) {
  HealthResult r;
  r.exit_code = code;
  return r;
}

HealthcheckSpec spec(int retries = 3, std::chrono::nanoseconds start_period = 0s) {
  HealthcheckSpec s;
  s.test = {"CMD", "check"};
  s.interval = 30s;
  s.start_interval = 5s;
  s.start_period = start_period;
  s.retries = retries;
  return s;
}

}  // namespace

TEST_CASE("health: starting until the first probe, healthy after a pass", "[health]") {
  HealthTracker t(spec());
  auto t0 = Clock::now();
  t.reset(t0);
  CHECK(t.state().status == "starting");
  CHECK(t.on_result(result(0), t0 + 30s));
  CHECK(t.state().status == "healthy");
  CHECK(t.state().failing_streak == 0);
  CHECK_FALSE(t.on_result(result(0), t0 + 60s));  // no change
}

TEST_CASE("health: unhealthy after `retries` failures in a row, a pass resets the streak", "[health]") {
  HealthTracker t(spec(3));
  auto t0 = Clock::now();
  t.reset(t0);
  CHECK_FALSE(t.on_result(result(1), t0 + 30s));
  CHECK_FALSE(t.on_result(result(1), t0 + 60s));
  CHECK(t.state().failing_streak == 2);
  CHECK(t.state().status == "starting");
  CHECK(t.on_result(result(1), t0 + 90s));
  CHECK(t.state().status == "unhealthy");
  CHECK(t.on_result(result(0), t0 + 120s));
  CHECK(t.state().status == "healthy");
  CHECK(t.state().failing_streak == 0);
  CHECK_FALSE(t.on_result(result(1), t0 + 150s));
  CHECK(t.state().status == "healthy");  // one failure is not enough
}

TEST_CASE("health: failures inside start_period do not count while starting", "[health]") {
  HealthTracker t(spec(1, 10s));
  auto t0 = Clock::now();
  t.reset(t0);
  CHECK_FALSE(t.on_result(result(1), t0 + 5s));
  CHECK(t.state().status == "starting");
  CHECK(t.state().failing_streak == 0);
  CHECK(t.on_result(result(1), t0 + 11s));
  CHECK(t.state().status == "unhealthy");
}

TEST_CASE("health: a pass inside start_period is healthy at once", "[health]") {
  HealthTracker t(spec(3, 60s));
  auto t0 = Clock::now();
  t.reset(t0);
  CHECK(t.on_result(result(0), t0 + 1s));
  CHECK(t.state().status == "healthy");
}

TEST_CASE("health: start_interval while starting in the start period, interval otherwise", "[health]") {
  HealthTracker t(spec(3, 10s));
  auto t0 = Clock::now();
  t.reset(t0);
  CHECK(t.next_delay(t0) == 5s);
  CHECK(t.next_delay(t0 + 11s) == 30s);
  (void)t.on_result(result(0), t0 + 1s);
  CHECK(t.next_delay(t0 + 2s) == 30s);  // healthy: the normal interval
}

TEST_CASE("health: every start goes back to starting, the log keeps five results", "[health]") {
  HealthTracker t(spec());
  auto t0 = Clock::now();
  t.reset(t0);
  for (int i = 0; i < 7; ++i) (void)t.on_result(result(i == 6 ? 0 : 1), t0 + std::chrono::seconds(30 * (i + 1)));
  CHECK(t.state().log.size() == 5);
  CHECK(t.state().status == "healthy");
  t.reset(t0 + 1000s);
  CHECK(t.state().status == "starting");
  CHECK(t.state().failing_streak == 0);
}

TEST_CASE("health: resume continues from a recorded state", "[health]") {
  HealthTracker t(spec());
  HealthState recorded;
  recorded.status = "unhealthy";
  recorded.failing_streak = 4;
  t.resume(recorded, Clock::now());
  CHECK(t.state().status == "unhealthy");
  CHECK(t.on_result(result(0), Clock::now()));
  CHECK(t.state().status == "healthy");
}

TEST_CASE("health: probe argv for CMD and CMD-SHELL", "[health]") {
  HealthcheckSpec s;
  s.test = {"CMD", "curl", "-f", "http://localhost"};
  CHECK(health_probe_argv(s) == std::vector<std::string>{"curl", "-f", "http://localhost"});
  s.test = {"CMD-SHELL", "wget -q -O- localhost || exit 1"};
  CHECK(health_probe_argv(s) == std::vector<std::string>{"/bin/sh", "-c", "wget -q -O- localhost || exit 1"});
}
