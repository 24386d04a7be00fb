// The model's helpers: Go durations, docker byte sizes, replica counts and
// mark lookups by key path.
#include "racker/compose/model.h"

#include <catch2/catch.hpp>

using namespace racker;
using namespace racker::compose;
using namespace std::chrono_literals;

namespace {

model::Duration dur(const char* text) {
  auto d = model::parse_duration(text);
  INFO(text);
  REQUIRE(d.ok());
  return *d;
}

int64_t bytes(const char* text) {
  auto b = model::parse_bytes(text);
  INFO(text);
  REQUIRE(b.ok());
  return *b;
}

}  // namespace

TEST_CASE("durations read Go syntax", "[model]") {
  CHECK(dur("1m30s") == 90s);
  CHECK(dur("500ms") == 500ms);
  CHECK(dur("1h") == 1h);
  CHECK(dur("0") == 0s);
  CHECK(dur("1.5h") == 90min);
  CHECK(dur("-1.5s") == -1500ms);
  CHECK(dur("+2s") == 2s);
  CHECK(dur("10us") == 10us);
  CHECK(dur("10\xC2\xB5s") == 10us);
  CHECK(dur("3ns") == 3ns);
  CHECK(dur(".5s") == 500ms);
  CHECK(dur("1h2m3s4ms") == 1h + 2min + 3s + 4ms);
  CHECK(dur("2d") == 48h);  // compose's str2duration adds days and weeks
  CHECK(dur("1w") == 168h);
}

TEST_CASE("bad durations say what is wrong", "[model]") {
  auto missing = model::parse_duration("10");
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.error().code == Errc::kValidation);
  CHECK(missing.error().message == "invalid duration \"10\": missing unit (e.g. \"10s\", \"1m30s\", \"500ms\")");
  CHECK(model::parse_duration("10x").error().message == "invalid duration \"10x\": unknown unit \"x\"");
  CHECK(model::parse_duration("").error().message == "invalid duration \"\": empty");
  CHECK(model::parse_duration("s").error().message == "invalid duration \"s\": expected a number");
  CHECK(model::parse_duration("99999999999h").error().message == "invalid duration \"99999999999h\": out of range");
}

TEST_CASE("durations print the way Go does", "[model]") {
  CHECK(model::format_duration(0s) == "0s");
  CHECK(model::format_duration(90s) == "1m30s");
  CHECK(model::format_duration(1h) == "1h0m0s");
  CHECK(model::format_duration(500ms) == "500ms");
  CHECK(model::format_duration(1500ms) == "1.5s");
  CHECK(model::format_duration(2us) == "2\xC2\xB5s");
  CHECK(model::format_duration(7ns) == "7ns");
  CHECK(model::format_duration(-90s) == "-1m30s");
  CHECK(model::format_duration(1h + 1ms) == "1h0m0.001s");
}

TEST_CASE("byte sizes read docker's units", "[model]") {
  CHECK(bytes("1024") == 1024);
  CHECK(bytes("-1") == -1);
  CHECK(bytes("512m") == 512LL * 1024 * 1024);
  CHECK(bytes("1g") == 1024LL * 1024 * 1024);
  CHECK(bytes("1.5gb") == 1610612736LL);
  CHECK(bytes("64 KiB") == 65536);
  CHECK(bytes("2K") == 2048);
  CHECK(bytes("1t") == 1LL << 40);
  CHECK(bytes("1p") == 1LL << 50);
  CHECK(bytes("10b") == 10);
}

TEST_CASE("bad byte sizes are rejected", "[model]") {
  for (const char* bad : {"", "abc", "12x", "1..5g", "-5m", "1gg", "1.g"}) {
    auto b = model::parse_bytes(bad);
    INFO(bad);
    CHECK_FALSE(b.ok());
  }
  CHECK(model::parse_bytes("12x").error().message ==
        "invalid size \"12x\": expected a number of bytes with an optional unit (b, k, m, g, t, p)");
}

TEST_CASE("replicas come from scale, then deploy.replicas, else 1", "[model]") {
  model::Service s;
  CHECK(s.replicas() == 1);
  s.deploy = model::Deploy{};
  s.deploy->replicas = 3;
  CHECK(s.replicas() == 3);
  s.scale = 0;
  CHECK(s.replicas() == 0);
}

TEST_CASE("mark_of falls back to the nearest ancestor", "[model]") {
  model::Project p;
  p.marks.set("services.web", Mark{"c.yaml", 2, 3});
  p.marks.set("services.web.ports[1]", Mark{"other.yaml", 7, 7});
  CHECK(p.mark_of("services.web.ports[1]")->line == 7);
  CHECK(p.mark_of("services.web.ports[1].published")->line == 7);
  CHECK(p.mark_of("services.web.ports[1].published")->file == "other.yaml");
  CHECK(p.mark_of("services.web")->file == "c.yaml");
  CHECK(p.mark_of("services.web.ports[0]")->line == 2);
  CHECK(p.mark_of("services.web.labels.com.example.x")->line == 2);
  CHECK_FALSE(p.mark_of("networks.x").has_value());
  // A scalar value's own mark, else the key's.
  p.marks.set_value("services.web.ports[1]", Mark{"other.yaml", 7, 9});
  CHECK(p.value_mark_of("services.web.ports[1]")->col == 9);
  CHECK(p.value_mark_of("services.web")->col == 3);
  CHECK(p.service("web") == nullptr);
}
