// racker's grouped OS containers (x-racker groups) end to end, as root: the
// same six-service stack run grouped into two machines and ungrouped must
// behave the same from the outside (names, ports, dependency order, logs
// per service), while grouped services share their machine's address,
// localhost and process table; one grouped service restarts or stops
// without its group mates. Traffic stays on loopback and racker's bridges.
#include <signal.h>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <fstream>
#include <set>
#include <sstream>
#include <string>

#include "support/compose_project.h"

using namespace racker::test;

namespace {

// `pid`'s parent, as the host sees it; 0 when gone.
int parent_of(const std::string& pid) {
  std::ifstream in("/proc/" + pid + "/status");
  std::string key;
  while (in >> key)
    if (key == "PPid:") {
      int ppid = 0;
      in >> ppid;
      return ppid;
    }
  return 0;
}

std::string published(const Project& p, const std::string& service, const std::string& port) {
  auto r = p.compose({"port", service, port});
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  return trimmed(r.out);
}

// Six services: a one-shot init job, a healthchecked store, two web
// servers (web, api), a worker reading the store and a client of both
// web servers. Everything listens on distinct ports, so the stack also
// runs with web and api in one machine.
const char* kStack = R"(services:
  init:
    image: rk-busybox
    command: ["sh", "-c", "echo ready > /data/marker && echo init done"]
    volumes: ["shared:/data"]
  store:
    image: rk-busybox
    command: ["httpd", "-f", "-p", "8081", "-h", "/data"]
    volumes: ["shared:/data"]
    depends_on:
      init: {condition: service_completed_successfully}
    healthcheck:
      test: ["CMD", "wget", "-qO-", "http://127.0.0.1:8081/marker"]
      interval: 1s
      retries: 30
  web:
    image: rk-busybox
    command: ["sh", "-c", "mkdir -p /www && echo web > /www/index.html && exec httpd -f -p 80 -h /www"]
    ports: ["127.0.0.1::80"]
    secrets: [token]
    depends_on:
      store: {condition: service_healthy}
  api:
    image: rk-busybox
    command: ["sh", "-c", "mkdir -p /www && echo api > /www/index.html && exec httpd -f -p 8080 -h /www"]
    hostname: api-host
    ports: ["127.0.0.1::8080"]
    restart: unless-stopped
    depends_on:
      store: {condition: service_healthy}
  worker:
    image: rk-busybox
    command: ["sh", "-c", "trap 'echo worker got USR1' USR1; while true; do echo worker got $$(wget -qO- http://store:8081/marker); sleep 1; done"]
    depends_on: [store]
  client:
    image: rk-busybox
    command: ["sh", "-c", "while true; do echo client saw $$(wget -qO- http://web/) $$(wget -qO- http://api:8080/); sleep 1; done"]
    depends_on: [web, api]
volumes:
  shared:
secrets:
  token:
    file: ./token.txt
)";

const char* kGroups = R"(x-racker:
  groups:
    front: {services: [web, api]}
    back: {services: [init, store, worker]}
)";

std::string started_at(const Project& p, const std::string& container) {
  return p.inspect(container, "{{.State.StartedAt}}");
}

struct Observed {
  std::string web, api;                 // what the published ports answer
  std::string api_hostname;             // api names its own
  std::string web_secret;               // web's secret, under /run/secrets
  std::string worker_logs, client_logs;  // per service
  bool order_ok = false;
  std::set<std::string> running;        // services `ps` lists as running
};

std::string exec_out(const Project& p, const std::string& service, std::vector<std::string> command) {
  std::vector<std::string> args = {"exec", "-T", service};
  args.insert(args.end(), command.begin(), command.end());
  auto r = p.compose(args);
  INFO(r.err);
  CHECK(r.exit_code == 0);
  return trimmed(r.out);
}

Observed observe(Project& p) {
  Observed o;
  const std::string n = p.name();
  std::string web = published(p, "web", "80"), api = published(p, "api", "8080");
  REQUIRE(eventually([&] { return fetch(web, 3) == "web" && fetch(api, 3) == "api"; }));
  o.web = fetch(web, 3);
  o.api = fetch(api, 3);
  o.api_hostname = exec_out(p, "api", {"hostname"});
  o.web_secret = exec_out(p, "web", {"cat", "/run/secrets/token"});
  REQUIRE(eventually([&] {
    o.worker_logs = p.compose({"logs", "--no-log-prefix", "worker"}).out;
    o.client_logs = p.compose({"logs", "--no-log-prefix", "client"}).out;
    return o.worker_logs.find("worker got ready") != std::string::npos &&
           o.client_logs.find("client saw web api") != std::string::npos;
  }));
  // depends_on: init finished before store started; store (healthy) before web and api.
  std::string init_done = p.inspect(n + "-init-1", "{{.State.FinishedAt}}");
  o.order_ok = init_done <= started_at(p, n + "-store-1") && started_at(p, n + "-store-1") < started_at(p, n + "-web-1") &&
               started_at(p, n + "-store-1") < started_at(p, n + "-api-1");
  auto ps = p.compose({"ps", "--format", "json"});
  std::istringstream lines(ps.out);
  for (std::string line; std::getline(lines, line);) {
    auto j = nlohmann::json::parse(line, nullptr, false);
    if (j.is_object() && j.value("State", "") == "running") o.running.insert(j.value("Service", ""));
    // Each service lists only its own published port, grouped or not.
    if (j.is_object() && j.value("Service", "") == "api") {
      INFO(line);
      REQUIRE(j["Publishers"].size() == 1);
      CHECK(j["Publishers"][0]["TargetPort"] == 8080);
      CHECK(j["Publishers"][0]["URL"] == "127.0.0.1");
      CHECK("127.0.0.1:" + std::to_string(j["Publishers"][0]["PublishedPort"].get<int>()) == api);
    }
  }
  auto table = p.compose({"ps", "web"}).out;
  CHECK(table.find(web + "->80/tcp") != std::string::npos);
  CHECK(table.find("->8080/tcp") == std::string::npos);
  return o;
}


}  // namespace

TEST_CASE("compose groups e2e: a stack grouped into two machines behaves as it does ungrouped", "[compose][e2e][groups]") {
  REQUIRE_CONTAINER_HOST();
  Observed plain, grouped;
  std::string plain_web_ip, plain_api_ip;
  {
    Project p("ungrouped", kStack);
    p.write_file("token.txt", "s3cret\n");
    auto up = p.compose({"up", "-d", "--wait"}, std::chrono::seconds(120));
    INFO(up.err);
    REQUIRE(up.exit_code == 0);
    plain = observe(p);
    plain_web_ip = exec_out(p, "web", {"hostname", "-i"});
    plain_api_ip = exec_out(p, "api", {"hostname", "-i"});
  }
  {
    Project p("grouped", std::string(kGroups) + kStack);
    p.write_file("token.txt", "s3cret\n");
    auto up = p.compose({"up", "-d", "--wait"}, std::chrono::seconds(120));
    INFO(up.err);
    REQUIRE(up.exit_code == 0);
    grouped = observe(p);

    // One machine per group: web and api share an address, localhost and a
    // process table; the worker, in the other group, does not.
    CHECK(exec_out(p, "web", {"wget", "-qO-", "http://127.0.0.1:8080/"}) == "api");
    CHECK(exec_out(p, "api", {"wget", "-qO-", "http://localhost/"}) == "web");
    CHECK(exec_out(p, "web", {"ps"}).find("httpd -f -p 8080") != std::string::npos);
    CHECK(exec_out(p, "worker", {"ps"}).find("httpd -f -p 8080") == std::string::npos);
    std::string web_ip = exec_out(p, "web", {"hostname", "-i"});
    CHECK(web_ip == exec_out(p, "api", {"hostname", "-i"}));
    CHECK(web_ip != exec_out(p, "worker", {"hostname", "-i"}));
    // web shares the machine's hostname; api set its own.
    CHECK(exec_out(p, "web", {"hostname"}) == "front");
    // Each service still has its own root filesystem, /tmp and secrets.
    CHECK(exec_out(p, "web", {"cat", "/www/index.html"}) == "web");
    CHECK(exec_out(p, "api", {"cat", "/www/index.html"}) == "api");
    exec_out(p, "web", {"touch", "/tmp/web-was-here"});
    CHECK(exec_out(p, "web", {"ls", "/tmp"}) == "web-was-here");
    CHECK(exec_out(p, "api", {"ls", "/tmp"}).empty());
    CHECK(p.compose({"exec", "-T", "api", "cat", "/run/secrets/token"}).exit_code != 0);

    // ps shows services with their group, never the groups' own machines.
    auto ps = p.compose({"ps"});
    CHECK(ps.out.find("GROUP") != std::string::npos);
    CHECK(ps.out.find("grouped-front-1") == std::string::npos);
    auto json = p.compose({"ps", "--format", "json", "api"});
    CHECK(json.out.find("\"Group\":\"front\"") != std::string::npos);
    // Two machines where the plain stack has five running containers.
    CHECK(p.inspect("grouped-front-1", "{{.State.Status}}") == "running");
    CHECK(p.inspect("grouped-back-1", "{{.State.Status}}") == "running");
  }
  CHECK(plain_web_ip != plain_api_ip);

  CHECK(plain.web_secret == "s3cret");
  CHECK(grouped.web_secret == "s3cret");
  CHECK(plain.api_hostname == "api-host");
  CHECK(grouped.api_hostname == "api-host");
  CHECK(grouped.web == plain.web);
  CHECK(grouped.api == plain.api);
  CHECK(plain.order_ok);
  CHECK(grouped.order_ok);
  CHECK(grouped.running == plain.running);
  CHECK(grouped.running == std::set<std::string>{"store", "web", "api", "worker", "client"});
}

TEST_CASE("compose groups e2e: one grouped service restarts and stops without its group mates", "[compose][e2e][groups]") {
  REQUIRE_CONTAINER_HOST();
  Project p("groupmates", std::string(kGroups) + kStack);
  p.write_file("token.txt", "s3cret\n");
  auto up = p.compose({"up", "-d", "--wait"}, std::chrono::seconds(120));
  INFO(up.err);
  REQUIRE(up.exit_code == 0);
  std::string web = published(p, "web", "80"), api = published(p, "api", "8080");
  REQUIRE(eventually([&] { return fetch(web, 3) == "web" && fetch(api, 3) == "api"; }));
  const std::string web_pid = p.inspect("groupmates-web-1", "{{.State.Pid}}");
  const std::string web_started = started_at(p, "groupmates-web-1");
  // The group's init (the machine's PID 1) is the services' parent: it
  // spawned them, and it restarts them and runs their healthchecks.
  const int front_init = std::stoi(p.inspect("groupmates-front-1", "{{.State.Pid}}"));
  CHECK(parent_of(web_pid) == front_init);
  CHECK(parent_of(p.inspect("groupmates-store-1", "{{.State.Pid}}")) ==
        std::stoi(p.inspect("groupmates-back-1", "{{.State.Pid}}")));
  CHECK(p.inspect("groupmates-store-1", "{{.State.Health.Status}}") == "healthy");

  // The payload dies as if it crashed: only api restarts (unless-stopped).
  int api_pid = std::stoi(p.inspect("groupmates-api-1", "{{.State.Pid}}"));
  REQUIRE(api_pid > 0);
  REQUIRE(::kill(api_pid, SIGKILL) == 0);
  CHECK(eventually([&] { return p.inspect("groupmates-api-1", "{{.RestartCount}}") == "1"; }));
  CHECK(eventually([&] { return fetch(api, 3) == "api"; }));
  CHECK(parent_of(p.inspect("groupmates-api-1", "{{.State.Pid}}")) == front_init);
  CHECK(p.inspect("groupmates-web-1", "{{.State.Pid}}") == web_pid);
  CHECK(started_at(p, "groupmates-web-1") == web_started);
  CHECK(fetch(web, 3) == "web");

  // A signal for the machine reaches its services (the group init forwards it).
  auto usr1 = p.racker({"kill", "-s", "USR1", "groupmates-back-1"});
  INFO(usr1.err);
  CHECK(usr1.exit_code == 0);
  CHECK(eventually([&] {
    return p.compose({"logs", "--no-log-prefix", "worker"}).out.find("worker got USR1") != std::string::npos;
  }));
  CHECK(p.inspect("groupmates-back-1", "{{.State.Status}}") == "running");

  // Stopping one service leaves its group mates running.
  auto stop = p.compose({"stop", "api"});
  INFO(stop.err);
  REQUIRE(stop.exit_code == 0);
  CHECK(p.inspect("groupmates-api-1", "{{.State.Status}}") == "exited");
  CHECK(p.inspect("groupmates-web-1", "{{.State.Pid}}") == web_pid);
  CHECK(fetch(web, 3) == "web");
  CHECK(fetch(api, 2).empty());
  auto start = p.compose({"start", "api"});
  INFO(start.err);
  REQUIRE(start.exit_code == 0);
  CHECK(eventually([&] { return fetch(api, 3) == "api"; }));
  auto restart = p.compose({"restart", "web"});
  INFO(restart.err);
  CHECK(restart.exit_code == 0);
  CHECK(eventually([&] { return fetch(web, 3) == "web"; }));
  CHECK(p.inspect("groupmates-web-1", "{{.State.Pid}}") != web_pid);

  auto down = p.compose({"down", "-v", "-t", "3"});
  INFO(down.err);
  CHECK(down.exit_code == 0);
  CHECK(p.racker({"ps", "-a", "-q"}).out.empty());
  // Nothing of the machines is left: no process of theirs, no mount.
  auto mounts = run_command({"/bin/sh", "-c", "grep -c '" + p.root() + "' /proc/self/mountinfo || true"}, {});
  CHECK(trimmed(mounts.out) == "0");
}

TEST_CASE("compose groups e2e: up --group-all puts every service in one machine", "[compose][e2e][groups]") {
  REQUIRE_CONTAINER_HOST();
  Project p("groupall", kStack);
  p.write_file("token.txt", "s3cret\n");
  auto up = p.compose({"up", "-d", "--wait", "--group-all", "all"}, std::chrono::seconds(120));
  INFO(up.err);
  REQUIRE(up.exit_code == 0);
  std::string web = published(p, "web", "80");
  CHECK(eventually([&] { return fetch(web, 3) == "web"; }));
  CHECK(exec_out(p, "client", {"wget", "-qO-", "http://127.0.0.1:8081/marker"}) == "ready");
  auto json = p.compose({"ps", "--format", "json", "worker"});
  CHECK(json.out.find("\"Group\":\"all\"") != std::string::npos);
  // Later commands remember the grouping: down removes the machine too.
  auto down = p.compose({"down", "-v", "-t", "3"});
  CHECK(down.exit_code == 0);
  CHECK(p.racker({"ps", "-a", "-q"}).out.empty());
}
