// The example stacks in examples/, end to end on real systemd-nspawn and
// networkd (root only): each is brought up as its README says, checked
// across the network by service names and through its published ports on
// 127.0.0.1, and taken down leaving nothing behind. Project names and host
// ports are this file's own (ex-*, 471xx) so other suites cannot collide.
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <fstream>
#include <thread>

#include "example_stack.h"
#include "support/bootstrapped_image.h"
#include "support/container_images.h"

using namespace racker::test;

namespace {

#define REQUIRE_EXAMPLES_ROOT(root)                     \
  std::string root;                                     \
  do {                                                  \
    std::string why;                                    \
    if (!container_tests_possible(&why)) {              \
      WARN("skipping example test: " << why);           \
      return;                                           \
    }                                                   \
    root = examples_root(&why);                         \
    if (root.empty()) {                                 \
      WARN("skipping example test: " << why);           \
      return;                                           \
    }                                                   \
  } while (0)

// Polls `done` every 500 ms for up to `limit`.
template <class F>
bool within(std::chrono::seconds limit, F done) {
  auto deadline = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < deadline) {
    if (done()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
  }
  return done();
}

const std::string kAdmin = "Authorization: Basic YWRtaW46YWRtaW4=";  // admin:admin, from configuration.env

std::string url_encode(const std::string& s) {
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.') out += static_cast<char>(c);
    else {
      char buf[4];
      std::snprintf(buf, sizeof buf, "%%%02X", c);
      out += buf;
    }
  }
  return out;
}

void check_down_leaves_nothing(ExampleStack& stack) {
  auto down = stack.compose({"down", "-v", "-t", "2"});
  INFO(down.out << down.err);
  CHECK(down.exit_code == 0);
  auto left = stack.leftovers();
  for (const auto& l : left) UNSCOPED_INFO(l);
  CHECK(left.empty());
}

}  // namespace

TEST_CASE("examples: the Debian image every example runs on is bootstrapped once", "[examples][images]") {
  std::string why;
  if (!container_tests_possible(&why) || ::access("/usr/bin/mmdebstrap", X_OK) != 0) {
    WARN("skipping: " << (why.empty() ? "no mmdebstrap" : why));
    return;
  }
  // The other tests skip when the image cannot be built; this one fails.
  std::string root = examples_root(&why);
  INFO(why);
  REQUIRE_FALSE(root.empty());
  auto inspect = run_command({RACKER_BINARY, "image", "inspect", "racker-examples/debian:bookworm"},
                             {"RACKER_ROOT=" + root});
  CHECK(inspect.exit_code == 0);
  CHECK(inspect.out.find("\"Os\": \"linux\"") != std::string::npos);
}

// Not an example: the OS image other suites boot (convert_systemd_boot_test).
// It is here so that scripts/test can bootstrap both images in the
// background (`racker_examples_tests "[images]"`) while the rest compiles.
TEST_CASE("images: the Debian systemd image for OS-container tests is bootstrapped once", "[examples][images]") {
  std::string why;
  if (!container_tests_possible(&why) || ::access("/usr/bin/mmdebstrap", X_OK) != 0) {
    WARN("skipping: " << (why.empty() ? "no mmdebstrap" : why));
    return;
  }
  std::string root = bootstrapped_image_root(debian_systemd_image(), &why);
  INFO(why);
  REQUIRE_FALSE(root.empty());
  auto inspect = run_command({RACKER_BINARY, "image", "inspect", debian_systemd_image().tag}, {"RACKER_ROOT=" + root});
  CHECK(inspect.exit_code == 0);
}

TEST_CASE("examples: telegraf-influx-grafana from the unchanged compose file plus compose.racker.yaml", "[examples]") {
  REQUIRE_EXAMPLES_ROOT(root);
  // The unchanged file publishes 8125/udp, 8086 and 3000; this run uses its own host ports.
  ExampleStack stack(root, "telegraf-influx-grafana", "ex-tig",
                     {"docker-compose.yml", "compose.racker.yaml", "ports.test.yaml"},
                     {{"ports.test.yaml", R"(services:
  telegraf:
    ports: !override ["127.0.0.1:47125:8125/udp"]
  influxdb:
    ports: !override ["127.0.0.1:47186:8086"]
  grafana:
    ports: !override ["127.0.0.1:47130:3000"]
)"}});
  auto up = stack.compose({"up", "-d", "--wait"});
  INFO(up.out << up.err);
  REQUIRE(up.exit_code == 0);
  stack.remember_links();
  CHECK_FALSE(stack.links().empty());  // so the check after down is not vacuous
  auto ps = stack.compose({"ps", "--format", "json"});
  CHECK(ps.out.find("\"Name\":\"ex-tig-grafana-1\"") != std::string::npos);
  CHECK(ps.out.find("\"Name\":\"ex-tig-influxdb-1\"") != std::string::npos);
  CHECK(ps.out.find("\"Name\":\"ex-tig-telegraf-1\"") != std::string::npos);

  // The dashboard, through its published port: Grafana's login redirect.
  auto home = http_request(47130, "GET", "/");
  CHECK(home.status == 302);
  CHECK(home.headers.find("Location: /login") != std::string::npos);
  CHECK(http_request(47130, "GET", "/login").body.find("<form") != std::string::npos);
  CHECK(http_request(47130, "GET", "/api/datasources").status == 401);

  // InfluxDB made the database named in configuration.env.
  auto dbs = stack.compose({"exec", "-T", "influxdb", "influx", "-execute", "SHOW DATABASES"});
  CHECK(dbs.out.find("influx\n") != std::string::npos);
  CHECK(http_request(47186, "GET", "/ping").status == 204);

  // StatsD into the collector's published UDP port; the collector writes to
  // influxdb:8086 by service name; the dashboard reads it back from there.
  std::string series_query = "/api/datasources/proxy/1/query?db=influx&q=" +
                             url_encode("SELECT sum(\"value\") FROM \"racker_e2e_requests\"");
  HttpResponse series;
  bool statsd_arrived = within(std::chrono::seconds(60), [&] {
    send_udp(47125, "racker.e2e.requests,type=e2e:2|c\nracker.e2e.time:25|ms");
    series = http_request(47130, "GET", series_query, {kAdmin});
    return series.status == 200 && series.body.find("racker_e2e_requests") != std::string::npos;
  });
  INFO(series.body);
  CHECK(statsd_arrived);
  // The collector's own host series (telegraf's inputs.cpu, mem, system).
  auto measurements = http_request(47130, "GET", "/api/datasources/proxy/1/query?db=influx&q=SHOW%20MEASUREMENTS",
                                   {kAdmin});
  INFO(measurements.body);
  for (const char* m : {"\"cpu\"", "\"mem\"", "\"system\"", "\"racker_e2e_time\""})
    CHECK(measurements.body.find(m) != std::string::npos);
  // The provisioned dashboard renders its panels from InfluxDB.
  auto dashboard = http_request(47130, "GET", "/d/1Mar-DTiz", {kAdmin});
  CHECK(dashboard.status == 200);
  CHECK(dashboard.body.find("Request Time") != std::string::npos);

  auto logs = stack.compose({"logs", "--no-log-prefix", "telegraf"});
  CHECK(logs.out.find("database 'influx' ready on http://influxdb:8086") != std::string::npos);
  check_down_leaves_nothing(stack);
}

TEST_CASE("examples: dev-env: web app + worker over PostgreSQL and Redis after a migration", "[examples]") {
  REQUIRE_EXAMPLES_ROOT(root);
  ExampleStack stack(root, "dev-env", "ex-dev", {"compose.yaml"});
  const std::vector<std::string> env = {"DEV_WEB_PORT=47180"};
  auto up = stack.compose({"up", "-d", "--wait"}, env);
  INFO(up.out << up.err);
  REQUIRE(up.exit_code == 0);
  stack.remember_links();
  CHECK_FALSE(stack.links().empty());  // so the check after down is not vacuous
  // The init container ran to completion before web and worker started.
  auto migrate = stack.racker({"inspect", "-f", "{{.State.Status}} {{.State.ExitCode}}", "ex-dev-migrate-1"});
  CHECK(migrate.out == "exited 0\n");
  CHECK(up.err.find("Container ex-dev-migrate-1 Exited") != std::string::npos);

  // Writes: a row in PostgreSQL and a job in Redis; the worker takes the job
  // and writes its result back to PostgreSQL.
  auto created = http_request(47180, "POST", "/notes", {}, "racker runs compose files");
  INFO(created.body);
  CHECK(created.status == 201);
  CHECK(created.body.find("\"id\": 1") != std::string::npos);
  HttpResponse notes;
  CHECK(within(std::chrono::seconds(30), [&] {
    notes = http_request(47180, "GET", "/notes");
    return notes.body.find("\"words\": 4") != std::string::npos;
  }));
  INFO(notes.body);
  CHECK(notes.body.find("racker runs compose files") != std::string::npos);
  auto stats = http_request(47180, "GET", "/stats");
  CHECK(stats.body.find("\"created\": 1, \"processed\": 1, \"queued\": 0") != std::string::npos);

  // The source is bind-mounted: an edit on the host shows without a restart.
  std::ofstream(stack.dir() + "/app/greeting.txt") << "edited on the host\n";
  CHECK(http_request(47180, "GET", "/").body == "edited on the host\n");
  check_down_leaves_nothing(stack);
}

TEST_CASE("examples: integration-staging: the exit code follows the tests", "[examples]") {
  REQUIRE_EXAMPLES_ROOT(root);
  ExampleStack stack(root, "integration-staging", "ex-staging", {"compose.yaml"});
  const std::vector<std::string> run = {"up", "--abort-on-container-exit", "--exit-code-from", "tests"};

  auto green = stack.compose(run);
  INFO(green.out << green.err);
  CHECK(green.exit_code == 0);
  // A container's stderr (unittest's report) goes to racker's stderr, as with docker compose.
  CHECK(green.err.find("tests-1  | OK (skipped=1)") != std::string::npos);
  stack.remember_links();
  CHECK_FALSE(stack.links().empty());  // so the check after down is not vacuous
  check_down_leaves_nothing(stack);

  auto red = stack.compose(run, {"STAGING_INJECT_FAILURE=1"});
  INFO(red.out << red.err);
  CHECK(red.exit_code == 1);
  CHECK(red.err.find("injected failure: expected 41 bolts") != std::string::npos);
  CHECK(red.err.find("tests-1  | FAILED (failures=1)") != std::string::npos);
  stack.remember_links();
  CHECK_FALSE(stack.links().empty());  // so the check after down is not vacuous
  check_down_leaves_nothing(stack);
}
