// `racker compose pause/unpause`, `events` and the environment precedence of
// `compose run` end to end (root only), mirroring docker compose's
// TestPause*, TestEnvPriority and its events output. Traffic stays on
// loopback.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <thread>

#include "support/compose_project.h"

using namespace racker::test;

namespace {

std::string published(const Project& p, const std::string& service) {
  auto r = p.compose({"port", service, "80"});
  REQUIRE(r.exit_code == 0);
  return trimmed(r.out);
}

std::string state_of(const Project& p, const std::string& service) {
  auto r = p.compose({"ps", "-a", "--format", "json", service});
  auto j = nlohmann::json::parse(r.out, nullptr, false);
  if (j.is_array() && j.size() == 1) return j[0].value("State", "");
  if (j.is_object()) return j.value("State", "");
  return "?";
}

const char* kWebServices = R"(services:
  a:
    image: rk-busybox
    command: ["sh", "-c", "mkdir -p /www && echo a > /www/index.html && exec httpd -f -p 80 -h /www"]
    ports: ["127.0.0.1::80"]
  b:
    image: rk-busybox
    command: ["sh", "-c", "mkdir -p /www && echo b > /www/index.html && exec httpd -f -p 80 -h /www"]
    ports: ["127.0.0.1::80"]
)";

}  // namespace

TEST_CASE("compose lifecycle e2e: pause freezes one service, unpause thaws it (TestPause)", "[compose][e2e][pause]") {
  REQUIRE_CONTAINER_HOST();
  Project p("pausing", kWebServices);
  // TestPauseServiceNotRunning: nothing to do is no error. TestPauseServiceDoesNotExist:
  // a name the project lacks is, as for every command that takes service names.
  CHECK(p.compose({"pause", "a"}).exit_code == 0);
  auto missing = p.compose({"pause", "does_not_exist"});
  CHECK(missing.exit_code == 1);
  CHECK(missing.err == "no such service: does_not_exist\n");
  CHECK(p.compose({"unpause", "does_not_exist"}).exit_code == 1);

  auto up = p.compose({"up", "-d"});
  INFO(up.err);
  REQUIRE(up.exit_code == 0);
  std::string a = published(p, "a"), b = published(p, "b");
  REQUIRE(eventually([&] { return fetch(a, 3) == "a" && fetch(b, 3) == "b"; }));

  auto pause = p.compose({"pause", "a"});
  INFO(pause.err);
  REQUIRE(pause.exit_code == 0);
  CHECK(pause.err.find("Container pausing-a-1 Paused") != std::string::npos);
  CHECK(state_of(p, "a") == "paused");
  CHECK(p.compose({"ps", "a"}).out.find("(Paused)") != std::string::npos);
  CHECK(p.inspect("pausing-a-1", "{{.State.Status}} {{.State.Paused}} {{.State.Running}}") == "paused true true");
  // The kernel still completes the handshake, but nobody answers.
  CHECK(fetch(a, 2).empty());
  CHECK(fetch(b, 3) == "b");
  // TestPauseServiceAlreadyPaused
  auto again = p.compose({"pause", "a"});
  CHECK(again.exit_code == 1);
  CHECK(again.err.find("already paused") != std::string::npos);
  auto exec = p.compose({"exec", "-T", "a", "true"});
  CHECK(exec.exit_code != 0);
  CHECK(exec.err.find("is paused, unpause the container before exec") != std::string::npos);

  auto unpause = p.compose({"unpause", "a"});
  INFO(unpause.err);
  REQUIRE(unpause.exit_code == 0);
  CHECK(unpause.err.find("Container pausing-a-1 Unpaused") != std::string::npos);
  CHECK(state_of(p, "a") == "running");
  CHECK(eventually([&] { return fetch(a, 3) == "a"; }));
  CHECK(fetch(b, 3) == "b");
  CHECK(p.compose({"unpause", "a"}).err.find("is not paused") != std::string::npos);

  // A paused container still stops: the stop signal lands when it thaws.
  REQUIRE(p.compose({"pause"}).exit_code == 0);
  CHECK(state_of(p, "b") == "paused");
  auto down = p.compose({"down", "-t", "5"});
  INFO(down.err);
  CHECK(down.exit_code == 0);
  CHECK(p.racker({"ps", "-a", "-q"}).out.empty());
}

TEST_CASE("compose lifecycle e2e: events --json streams what happens to the containers", "[compose][e2e][events]") {
  REQUIRE_CONTAINER_HOST();
  Project p("evt", R"(services:
  web:
    image: rk-busybox
    command: ["sleep", "1000"]
    labels: {org.example.team: core}
)");
  REQUIRE(p.compose({"up", "-d"}).exit_code == 0);
  CommandResult events;
  std::thread watcher([&] { events = p.compose_with("compose.yaml", {"events", "--json"}, {}, std::chrono::seconds(8)); });
  std::this_thread::sleep_for(std::chrono::milliseconds(800));  // its first snapshot is no news
  CHECK(p.compose({"pause", "web"}).exit_code == 0);
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  CHECK(p.compose({"unpause", "web"}).exit_code == 0);
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  CHECK(p.compose({"stop", "-t", "1", "web"}).exit_code == 0);
  watcher.join();
  INFO(events.out << events.err);
  std::string id = p.inspect("evt-web-1", "{{.Id}}");
  std::vector<std::string> actions;
  std::istringstream lines(events.out);
  for (std::string line; std::getline(lines, line);) {
    auto j = nlohmann::json::parse(line, nullptr, false);
    REQUIRE(j.is_object());
    CHECK(j["type"] == "container");
    CHECK(j["service"] == "web");
    CHECK(j["id"] == id);
    CHECK(j["attributes"]["name"] == "evt-web-1");
    CHECK(j["attributes"]["image"].get<std::string>().find("rk-busybox") != std::string::npos);
    CHECK(j["attributes"]["org.example.team"] == "core");
    CHECK_FALSE(j["attributes"].contains("com.docker.compose.project"));
    CHECK(j["time"].get<std::string>().size() >= 20);
    actions.push_back(j["action"]);
    // sleep is the container's PID 1 and ignores SIGTERM: killed after -t 1, as with docker
    if (actions.back() == "die") CHECK(j["attributes"]["exitCode"] == "137");
  }
  CHECK(actions == std::vector<std::string>{"pause", "unpause", "die"});
}

TEST_CASE("compose lifecycle e2e: run -e follows docker compose's environment precedence (TestEnvPriority)",
          "[compose][e2e][env]") {
  REQUIRE_CONTAINER_HOST();
  Project p("envprio", "services:\n  env-compose-priority:\n    image: env-compose-priority\n");
  TestImage image;
  image.tag = "env-compose-priority:latest";
  image.env.push_back("WHEREAMI=Dockerfile");
  image.cmd = {"sh", "-c", "echo \"$WHEREAMI\""};  // busybox-static has no printenv
  auto id = add_busybox_image(p.root(), image);
  REQUIRE(id);
  p.write_file("compose-with-env.yaml",
               "services:\n  env-compose-priority:\n    image: env-compose-priority\n"
               "    environment:\n      WHEREAMI: \"Compose File\"\n");
  p.write_file("compose-with-env-file.yaml",
               "services:\n  env-compose-priority:\n    image: env-compose-priority\n"
               "    env_file:\n      - .env.override\n");
  p.write_file(".env", "WHEREAMI=Env File\n");
  p.write_file(".env.override", "WHEREAMI=override\n");
  p.write_file(".env.override.with.default", "WHEREAMI=${WHEREAMI:-EnvFileDefaultValue}\n");
  p.write_file(".env.empty", "");
  auto run = [&](const std::string& file, std::vector<std::string> flags, std::vector<std::string> env) {
    std::vector<std::string> args;
    for (auto& f : flags) args.push_back(f.rfind("@", 0) == 0 ? p.dir() + "/" + f.substr(1) : f);
    auto r = p.compose_with(file, args, std::move(env));
    INFO(file << " " << r.err);
    CHECK(r.exit_code == 0);
    return trimmed(r.out);
  };
  const std::vector<std::string> run_e = {"run", "--rm", "-T", "-e", "WHEREAMI", "env-compose-priority"};
  auto with = [&](std::vector<std::string> head, const std::vector<std::string>& tail) {
    head.insert(head.end(), tail.begin(), tail.end());
    return head;
  };
  // compose file priority: the shell's value, via -e KEY or -e KEY=VALUE, beats environment:
  CHECK(run("compose-with-env.yaml", with({"--env-file", "@.env.override"}, run_e), {"WHEREAMI=shell"}) == "shell");
  CHECK(run("compose-with-env.yaml",
            {"--env-file", "@.env.override", "run", "--rm", "-T", "-e", "WHEREAMI=shell", "env-compose-priority"},
            {}) == "shell");
  // shell priority
  CHECK(run("compose.yaml", with({"--env-file", "@.env.override"}, run_e), {"WHEREAMI=shell"}) == "shell");
  CHECK(run("compose.yaml", with({"--env-file", "@.env.override.with.default"}, run_e), {"WHEREAMI=shell"}) ==
        "shell");
  // the default value inside the --env-file, or the file named by COMPOSE_ENV_FILES
  CHECK(run("compose.yaml", with({"--env-file", "@.env.override.with.default"}, run_e), {}) == "EnvFileDefaultValue");
  CHECK(run("compose.yaml", run_e, {"COMPOSE_ENV_FILES=" + p.dir() + "/.env.override.with.default"}) ==
        "EnvFileDefaultValue");
  // -e KEY=VALUE on the command line
  CHECK(run("compose.yaml",
            {"--env-file", "@.env.override", "run", "--rm", "-T", "-e", "WHEREAMI=shell-run", "env-compose-priority"},
            {}) == "shell-run");
  // the project's .env beats the service's env_file
  CHECK(run("compose-with-env-file.yaml", run_e, {}) == "Env File");
  // --env-file replaces .env
  CHECK(run("compose.yaml", with({"--env-file", "@.env.override"}, run_e), {}) == "override");
  CHECK(run("compose.yaml", run_e, {}) == "Env File");
  // nothing anywhere: the image's ENV
  CHECK(run("compose.yaml", with({"--env-file", "@.env.empty"}, run_e), {}) == "Dockerfile");
}

TEST_CASE("compose lifecycle e2e: start SERVICE brings its stopped dependencies back (TestStartStop)",
          "[compose][e2e]") {
  REQUIRE_CONTAINER_HOST();
  Project p("startdeps", R"(services:
  db:
    image: rk-busybox
    init: true
    command: ["sleep", "1000"]
  app:
    image: rk-busybox
    init: true
    command: ["sleep", "1000"]
    depends_on: [db]
  other:
    image: rk-busybox
    init: true
    command: ["sleep", "1000"]
)");
  bring_up(p);
  REQUIRE(p.compose({"stop", "-t", "0"}).exit_code == 0);
  CHECK(state_of(p, "db") == "exited");
  auto start = p.compose({"start", "app"});
  INFO(start.err);
  REQUIRE(start.exit_code == 0);
  CHECK(state_of(p, "db") == "running");
  CHECK(state_of(p, "app") == "running");
  CHECK(state_of(p, "other") == "exited");  // not a dependency: left alone
}
