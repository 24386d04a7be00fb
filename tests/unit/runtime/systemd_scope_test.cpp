// Scope unit names, and that hosts without systemd as PID 1 are told apart.
#include <catch2/catch.hpp>

#include <systemd/sd-daemon.h>
#include <unistd.h>

#include "racker/runtime/systemd_scope.h"

using namespace racker;
using namespace racker::runtime;

TEST_CASE("systemd scope: unit names keep valid characters and escape the rest", "[systemd]") {
  CHECK(scope_unit_name("compose", "web_app-2") == "racker-compose-web_app-2.scope");
  CHECK(scope_unit_name("container", "0123abcdef45") == "racker-container-0123abcdef45.scope");
  CHECK(scope_unit_name("compose", "a b/c") == "racker-compose-a\\x20b\\x2fc.scope");
}

TEST_CASE("systemd scope: without systemd as PID 1 nothing is asked of the bus", "[systemd]") {
  if (sd_booted() > 0) {
    WARN("systemd is PID 1 here; the unsupported path is not reachable");
    return;
  }
  auto st = run_in_transient_scope(::getpid(), scope_unit_name("compose", "x"), "test");
  REQUIRE_FALSE(st);
  CHECK(st.error().code == Errc::kUnsupported);
}
