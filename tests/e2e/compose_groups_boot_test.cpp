// A boot group end to end, as root: the group's machine boots systemd from
// a Debian image bootstrapped from Debian packages, its three busybox
// services run as systemd units in their own images (web serves from a
// read-only root with a volume, a tmpfs, a secret and a healthcheck; client
// waits for it to be healthy and fetches from it over localhost; logger
// requires client), and racker's per-service commands see them. Nothing is
// left afterwards: no container, volume, mount, link or process.
#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <map>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "support/bootstrapped_image.h"
#include "support/compose_project.h"
#include "support/image_tar_builder.h"

using namespace racker::test;

namespace {

const char* kBootStack = R"(x-racker:
  groups:
    os: {services: [web, client, logger], boot: true, image: "racker-tests/debian-systemd:bookworm"}
services:
  web:
    image: rk-busybox
    command: ["sh", "-c", "echo hello from web > /www/index.html && echo kept > /data/kept && echo web secret $$(cat /run/secrets/token) && echo web serving && exec httpd -f -p 8080 -h /www"]
    restart: always
    read_only: true
    tmpfs: [/www]
    volumes: ["data:/data"]
    secrets: [token]
    healthcheck:
      test: ["CMD", "wget", "-qO-", "http://127.0.0.1:8080/"]
      interval: 1s
      retries: 30
  client:
    image: rk-busybox
    command: ["sh", "-c", "while true; do echo \"client got $$(wget -qO- http://127.0.0.1:8080/)\"; sleep 1; done"]
    depends_on:
      web: {condition: service_healthy}
  logger:
    image: rk-busybox
    command: ["sh", "-c", "echo logger up; exec sleep 1000"]
    depends_on: [client]
volumes:
  data:
secrets:
  token:
    file: ./token.txt
)";

// A project in the shared state root that holds the systemd image (which
// must outlive the test), with a run directory of its own; torn down
// whatever the test did.
class BootProject {
 public:
  BootProject(std::string root, const std::string& name, const std::string& yaml)
      : root_(std::move(root)), name_(name) {
    char tmpl[] = "/var/tmp/racker-boot-XXXXXX";
    dir_ = ::mkdtemp(tmpl);
    run_dir_ = dir_ + "/run";
    ::mkdir(run_dir_.c_str(), 0700);
    ::setenv("RACKER_RUN", run_dir_.c_str(), 1);  // for supervisor_pid() in this process
    std::ofstream(dir_ + "/compose.yaml") << yaml;
    std::ofstream(dir_ + "/token.txt") << "s3cret\n";
  }
  ~BootProject() {
    (void)compose({"down", "-v", "-t", "5", "--remove-orphans"}, std::chrono::seconds(90));
    finish_supervisor(name_);
    finish_dns_daemon(run_dir_);
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  CommandResult compose(std::vector<std::string> args, std::chrono::milliseconds timeout = std::chrono::seconds(90)) const {
    std::vector<std::string> argv = {RACKER_BINARY, "compose", "-f", dir_ + "/compose.yaml", "-p", name_};
    argv.insert(argv.end(), args.begin(), args.end());
    auto r = run_command(argv, env(), "", timeout);
    reap_orphans();
    return r;
  }
  std::string inspect(const std::string& container, const std::string& format) const {
    return trimmed(run_command({RACKER_BINARY, "inspect", "-f", format, container}, env()).out);
  }
  // A command inside the machine whose PID 1 is `pid`.
  CommandResult in_machine(const std::string& pid, std::vector<std::string> command) const {
    std::vector<std::string> argv = {"/usr/bin/nsenter", "-t", pid, "-m", "-u", "-i", "-n", "-p", "--"};
    argv.insert(argv.end(), command.begin(), command.end());
    return run_command(argv, {"SYSTEMD_PAGER=", "SYSTEMD_COLORS=0"});
  }
  std::vector<std::string> env() const { return {"RACKER_ROOT=" + root_, "RACKER_RUN=" + run_dir_}; }
  const std::string& name() const { return name_; }

 private:
  std::string root_, name_, dir_, run_dir_;
};

std::map<std::string, nlohmann::json> ps_rows(const BootProject& p) {
  std::map<std::string, nlohmann::json> rows;
  std::istringstream lines(p.compose({"ps", "-a", "--format", "json"}).out);
  for (std::string line; std::getline(lines, line);) {
    auto j = nlohmann::json::parse(line, nullptr, false);
    if (j.is_object()) rows[j.value("Service", "")] = j;
  }
  return rows;
}

}  // namespace

TEST_CASE("compose groups boot e2e: a booted Debian machine runs three services as systemd units", "[compose][e2e][groups][boot]") {
  REQUIRE_CONTAINER_HOST();
  std::string why;
  std::string root = bootstrapped_image_root(debian_systemd_image(), &why);
  if (root.empty()) {
    WARN("skipping boot group test: " << why);
    return;
  }
  TestImage busybox;
  busybox.tag = "rk-busybox:latest";
  auto image = add_busybox_image(root, busybox);
  REQUIRE(image.ok());

  std::string machine_pid, veth, bridge;
  std::vector<std::string> ids;
  {
    BootProject p(root, "bootgrp", kBootStack);
    auto up = p.compose({"up", "-d", "--wait"}, std::chrono::seconds(180));
    INFO(up.out << up.err);
    REQUIRE(up.exit_code == 0);
    machine_pid = p.inspect("bootgrp-os-1", "{{.State.Pid}}");
    REQUIRE(std::stoi(machine_pid) > 0);
    for (const char* c : {"bootgrp-os-1", "bootgrp-web-1", "bootgrp-client-1", "bootgrp-logger-1"})
      ids.push_back(p.inspect(c, "{{.Id}}"));

    // systemd is PID 1 in the machine and shows the services as active units.
    CHECK(trimmed(p.in_machine(machine_pid, {"cat", "/proc/1/comm"}).out) == "systemd");
    CHECK(eventually([&] {
      return p.in_machine(machine_pid, {"systemctl", "is-active", "racker-web.service", "racker-client.service",
                                        "racker-logger.service"}).out == "active\nactive\nactive\n";
    }));
    auto listed = p.in_machine(machine_pid, {"systemctl", "list-units", "--no-legend", "racker-*"}).out;
    CHECK(listed.find("racker-web.service") != std::string::npos);
    CHECK(listed.find("racker-client.service") != std::string::npos);
    // depends_on: logger is ordered after client and requires it (service_started);
    // client waits for web's health, which racker waits for, not the unit.
    auto deps = [&](const std::string& unit, const std::string& name) {
      auto shown = p.in_machine(machine_pid, {"systemctl", "show", "-p", name, "--value", unit}).out;
      INFO(unit << " " << name << "=" << shown);
      return shown;
    };
    CHECK(deps("racker-logger.service", "Requires").find("racker-client.service") != std::string::npos);
    CHECK(deps("racker-logger.service", "After").find("racker-client.service") != std::string::npos);
    CHECK(deps("racker-client.service", "Requires").find("racker-web.service") == std::string::npos);
    CHECK(p.inspect("bootgrp-web-1", "{{.State.Health.Status}}") == "healthy");
    auto started = [&](const std::string& unit) {
      return std::stoull(trimmed(p.in_machine(machine_pid, {"systemctl", "show", "-p", "ExecMainStartTimestampMonotonic",
                                                            "--value", unit}).out));
    };
    CHECK(started("racker-web.service") < started("racker-client.service"));
    CHECK(started("racker-client.service") < started("racker-logger.service"));
    // Each runs in its own image: busybox's httpd, not the machine's Debian.
    auto web_main = trimmed(p.in_machine(machine_pid, {"systemctl", "show", "-p", "MainPID", "--value", "racker-web.service"}).out);
    const std::string web_root = "/proc/" + web_main + "/root";
    CHECK(p.in_machine(machine_pid, {"test", "-f", web_root + "/www/index.html"}).exit_code == 0);
    CHECK(p.in_machine(machine_pid, {"test", "-e", web_root + "/etc/debian_version"}).exit_code != 0);
    CHECK(p.in_machine(machine_pid, {"test", "-e", "/etc/debian_version"}).exit_code == 0);

    // exec (and so the healthcheck) runs in the unit: its root, its mounts.
    auto exec = [&](std::vector<std::string> command) {
      std::vector<std::string> args = {"exec", "-T", "web"};
      args.insert(args.end(), command.begin(), command.end());
      return p.compose(args);
    };
    CHECK(exec({"cat", "/www/index.html"}).out == "hello from web\n");
    CHECK(exec({"test", "-e", "/etc/debian_version"}).exit_code != 0);
    CHECK(exec({"cat", "/run/secrets/token"}).out == "s3cret\n");
    // read_only: the root refuses writes; the volume, tmpfs and /run take them.
    CHECK(exec({"touch", "/written"}).exit_code != 0);
    for (const char* writable : {"/data/written", "/www/written", "/run/written"}) {
      INFO(writable);
      CHECK(exec({"touch", writable}).exit_code == 0);
    }
    // The named volume is the project's, on the host.
    CHECK(read_file(root + "/volumes/bootgrp_data/_data/kept") == "kept\n");

    // compose ps: both services, running, in group os; compose logs: a line of each.
    auto rows = ps_rows(p);
    CHECK(rows.count("os") == 0);
    REQUIRE(rows.count("web"));
    REQUIRE(rows.count("client"));
    CHECK(rows["web"].value("State", "") == "running");
    CHECK(rows["client"].value("State", "") == "running");
    CHECK(rows["web"].value("Group", "") == "os");
    CHECK(rows["client"].value("Group", "") == "os");
    INFO("web log: " << p.compose({"logs", "--no-log-prefix", "web"}).out);
    INFO("client log: " << p.compose({"logs", "--no-log-prefix", "client"}).out);
    INFO("journal: " << p.in_machine(machine_pid, {"journalctl", "--no-pager", "-o", "short-monotonic", "-u", "racker-web.service", "-u", "racker-client.service"}).out);
    CHECK(eventually([&] {
      auto web = p.compose({"logs", "--no-log-prefix", "web"}).out;
      return web.find("web secret s3cret") != std::string::npos && web.find("web serving") != std::string::npos &&
             p.compose({"logs", "--no-log-prefix", "client"}).out.find("client got hello from web") != std::string::npos;
    }));

    // Stopping the client leaves web running; starting it again works.
    auto stop = p.compose({"stop", "client"});
    INFO(stop.err);
    REQUIRE(stop.exit_code == 0);
    CHECK(p.inspect("bootgrp-client-1", "{{.State.Status}}") == "exited");
    CHECK(p.in_machine(machine_pid, {"systemctl", "is-active", "racker-client.service"}).out == "inactive\n");
    CHECK(p.in_machine(machine_pid, {"systemctl", "is-active", "racker-web.service"}).out == "active\n");
    CHECK(p.inspect("bootgrp-web-1", "{{.State.Status}}") == "running");
    // systemd's Requires=: logger went down with client.
    CHECK(eventually([&] { return p.inspect("bootgrp-logger-1", "{{.State.Status}}") == "exited"; }));
    auto start = p.compose({"start", "client"});
    INFO(start.err);
    REQUIRE(start.exit_code == 0);
    CHECK(eventually([&] {
      return p.in_machine(machine_pid, {"systemctl", "is-active", "racker-client.service"}).out == "active\n";
    }));
    CHECK(p.inspect("bootgrp-client-1", "{{.State.Status}}") == "running");

    // The machine's network: remember its veth and bridge to check they go.
    // "2: eth0@if14296: ...": the host side's index follows "@if".
    auto eth0 = run_command({"/usr/bin/nsenter", "-t", machine_pid, "-n", "/sbin/ip", "-o", "link", "show", "eth0"}, {});
    INFO(eth0.out << eth0.err);
    REQUIRE(eth0.out.find("@if") != std::string::npos);
    std::string peer_index = eth0.out.substr(eth0.out.find("@if") + 3);
    peer_index = peer_index.substr(0, peer_index.find(':'));
    auto host_links = run_command({"/sbin/ip", "-o", "link"}, {}).out;
    std::istringstream lines(host_links);
    for (std::string line; std::getline(lines, line);) {
      if (line.rfind(peer_index + ": ", 0) != 0) continue;
      size_t name = line.find(": ") + 2;
      veth = line.substr(name, line.find_first_of("@:", name) - name);
      size_t m = line.find(" master ");
      if (m != std::string::npos) bridge = line.substr(m + 8, line.find(' ', m + 8) - (m + 8));
    }
    INFO(host_links);
    CHECK(!veth.empty());
    CHECK(!bridge.empty());

    auto down = p.compose({"down", "-t", "5"}, std::chrono::seconds(120));
    INFO(down.err);
    CHECK(down.exit_code == 0);
    auto left = p.compose({"ps", "-a", "-q"});
    CHECK(trimmed(left.out).empty());
  }
  // Nothing is left on the host.
  CHECK(::access(("/proc/" + machine_pid + "/ns").c_str(), F_OK) != 0);
  CHECK(processes_matching("bootgrp-os-1").empty());
  CHECK(processes_matching("racker-follow").empty());
  for (const auto& id : ids) {
    INFO(id);
    CHECK(!id.empty());
    CHECK(mounts_with_prefix(root + "/containers/" + id).empty());
  }
  CHECK(!std::filesystem::exists(root + "/volumes/bootgrp_data"));  // down -v
  if (!veth.empty()) CHECK(!link_exists(veth));
  if (!bridge.empty()) CHECK(!link_exists(bridge));
}
