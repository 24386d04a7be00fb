#include <csignal>

#include <catch2/catch.hpp>

#include "racker/runtime/container_spec.h"

using namespace racker;
using namespace racker::runtime;

namespace {
ImageConfig busybox_config() {
  ImageConfig c;
  c.env = {"PATH=/bin", "LANG=C"};
  c.cmd = {"sh"};
  c.working_dir = "/srv";
  c.user = "app";
  c.volumes = {"/data"};
  return c;
}
}  // namespace

TEST_CASE("the user's command replaces the image's Cmd but keeps its Entrypoint", "[container_spec]") {
  ImageConfig image = busybox_config();
  image.entrypoint = {"/entry"};
  ContainerSettings s;
  s.cmd = {"echo", "hi"};
  auto spec = merge_container_spec(image, s);
  REQUIRE(spec);
  CHECK(spec->argv() == std::vector<std::string>{"/entry", "echo", "hi"});
}

TEST_CASE("an entrypoint from the user drops the image's Cmd", "[container_spec]") {
  ImageConfig image = busybox_config();
  image.entrypoint = {"/entry"};
  ContainerSettings s;
  s.entrypoint = std::vector<std::string>{"/bin/date"};
  auto spec = merge_container_spec(image, s);
  REQUIRE(spec);
  CHECK(spec->argv() == std::vector<std::string>{"/bin/date"});
}

TEST_CASE("an empty command everywhere is docker's 'no command specified'", "[container_spec]") {
  ImageConfig image;
  auto spec = merge_container_spec(image, ContainerSettings{});
  REQUIRE_FALSE(spec);
  CHECK(spec.error().message == "no command specified");
}

TEST_CASE("env merges image then user by key, bare keys read the host", "[container_spec]") {
  ContainerSettings s;
  s.env = {"LANG=en_US", "NEW=1", "FROM_HOST", "MISSING"};
  auto spec = merge_container_spec(busybox_config(), s, [](const std::string& key) -> std::optional<std::string> {
    if (key == "FROM_HOST") return std::string("yes");
    return std::nullopt;
  });
  REQUIRE(spec);
  CHECK(spec->env == std::vector<std::string>{"PATH=/bin", "LANG=en_US", "NEW=1", "FROM_HOST=yes"});
}

TEST_CASE("docker's process environment: PATH default, HOSTNAME, TERM with a tty", "[container_spec]") {
  ContainerSpec spec;
  spec.id = std::string(64, 'a');
  spec.env = {"A=1"};
  spec.tty = true;
  CHECK(container_environment(spec) ==
        std::vector<std::string>{std::string("PATH=") + kDefaultPath, "HOSTNAME=aaaaaaaaaaaa", "TERM=xterm", "A=1"});
  spec.env = {"PATH=/x"};
  spec.tty = false;
  spec.hostname = "web";
  CHECK(container_environment(spec) == std::vector<std::string>{"HOSTNAME=web", "PATH=/x"});
}

TEST_CASE("user, workdir and stop signal fall back to the image's", "[container_spec]") {
  ImageConfig image = busybox_config();
  image.stop_signal = "SIGQUIT";
  auto spec = merge_container_spec(image, ContainerSettings{});
  REQUIRE(spec);
  CHECK(spec->user == "app");
  CHECK(spec->working_dir == "/srv");
  CHECK(spec->stop_signal == "SIGQUIT");
  ContainerSettings s;
  s.user = "0";
  s.working_dir = "/tmp";
  s.stop_signal = "2";
  spec = merge_container_spec(image, s);
  REQUIRE(spec);
  CHECK(spec->user == "0");
  CHECK(spec->working_dir == "/tmp");
  CHECK(spec->stop_signal == "SIGINT");
  s.working_dir = "relative";
  CHECK_FALSE(merge_container_spec(image, s));
}

TEST_CASE("image VOLUMEs not covered by a mount become anonymous volumes", "[container_spec]") {
  auto spec = merge_container_spec(busybox_config(), ContainerSettings{});
  REQUIRE(spec);
  REQUIRE(spec->mounts.size() == 1);
  CHECK(spec->mounts[0].anonymous);
  CHECK(spec->mounts[0].target == "/data");
  ContainerSettings s;
  s.mounts = {MountSpec{MountSpec::Type::kVolume, "named", "/data", false, false, ""}};
  spec = merge_container_spec(busybox_config(), s);
  REQUIRE(spec);
  REQUIRE(spec->mounts.size() == 1);
  CHECK(spec->mounts[0].source == "named");
}

TEST_CASE("run --rm and a restart policy conflict, net sysctls need a private network", "[container_spec]") {
  ContainerSettings s;
  s.auto_remove = true;
  s.restart.kind = RestartPolicy::Kind::kAlways;
  auto spec = merge_container_spec(busybox_config(), s);
  REQUIRE_FALSE(spec);
  CHECK(spec.error().message == "conflicting options: cannot specify both --restart and --rm");
  ContainerSettings n;
  n.sysctls = {{"net.ipv4.ip_forward", "1"}};
  auto net = merge_container_spec(busybox_config(), n);
  REQUIRE_FALSE(net);
  CHECK(net.error().message == "sysctl \"net.ipv4.ip_forward=1\" not allowed in host network namespace");
}

TEST_CASE("signals by name and number", "[container_spec]") {
  CHECK(*parse_signal("SIGTERM") == 15);
  CHECK(*parse_signal("term") == 15);
  CHECK(*parse_signal("9") == 9);
  CHECK(*parse_signal("SIGRTMIN+3") == SIGRTMIN + 3);
  CHECK(parse_signal("SIGNOPE").error().message == "invalid signal: SIGNOPE");
  CHECK(signal_name(2) == "SIGINT");
}

TEST_CASE("restart policies in docker's spelling", "[container_spec]") {
  CHECK(parse_restart_policy("on-failure:3")->max_retries == 3);
  CHECK(parse_restart_policy("unless-stopped")->kind == RestartPolicy::Kind::kUnlessStopped);
  CHECK(parse_restart_policy("sometimes").error().message == "invalid restart policy 'sometimes'");
  CHECK_FALSE(parse_restart_policy("on-failure:x"));
}

TEST_CASE("capabilities: docker's default set, drops, adds, ALL, privileged", "[container_spec]") {
  ContainerSpec spec;
  auto mask = [](const std::vector<int>& caps) {
    uint64_t m = 0;
    for (int c : caps) m |= uint64_t{1} << c;
    return m;
  };
  CHECK(mask(container_capabilities(spec)) == 0xa80425fbULL);
  spec.cap_add = {"CAP_NET_ADMIN"};
  spec.cap_drop = {"CAP_CHOWN"};
  CHECK(mask(container_capabilities(spec)) == ((0xa80425fbULL | (1ULL << 12)) & ~1ULL));
  spec.cap_add = {};
  spec.cap_drop = {"ALL"};
  CHECK(container_capabilities(spec).empty());
  spec.cap_add = {"ALL"};
  spec.cap_drop = {"CAP_SYS_ADMIN"};
  CHECK(container_capabilities(spec).size() == kLastCapability);
  spec.privileged = true;
  CHECK(container_capabilities(spec).size() == kLastCapability + 1);
  CHECK(*canonical_capability("net_admin") == "CAP_NET_ADMIN");
  CHECK(canonical_capability("FLY").error().message == "invalid capability: FLY");
}

TEST_CASE("container names follow docker's rule", "[container_spec]") {
  CHECK(validate_container_name("web-1"));
  CHECK(validate_container_name("/web_1.x"));
  CHECK(validate_container_name("bad name").error().message ==
        "Invalid container name (bad name), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed");
  CHECK_FALSE(validate_container_name("-x"));
  CHECK(generate_container_id().size() == 64);
  CHECK(validate_container_name(generate_container_name(12345)));
}

TEST_CASE("exposed ports: the image's and the user's, ranges spelled out, sorted, once each", "[container_spec]") {
  auto ports = exposed_ports({"80/tcp", "53/udp"}, {"80", "8000-8002", "53/udp", "9/sctp"});
  REQUIRE(ports.ok());
  CHECK(*ports == std::vector<std::string>{"9/sctp", "53/udp", "80/tcp", "8000/tcp", "8001/tcp", "8002/tcp"});
  for (const char* bad : {"http", "0", "70000", "90-80", "80/icmp", ""}) {
    INFO(bad);
    auto r = exposed_ports({}, {bad});
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().message == std::string("invalid exposed port \"") + bad + "\"");
  }
  ImageConfig image = busybox_config();
  image.exposed_ports = {"80/tcp"};
  ContainerSettings settings;
  settings.expose = {"443"};
  auto spec = merge_container_spec(image, settings);
  REQUIRE(spec.ok());
  CHECK(spec->exposed_ports == std::vector<std::string>{"80/tcp", "443/tcp"});
}

TEST_CASE("a variable named without a value and unset on the host is removed, the image's value too (TestUnsetEnv)",
          "[container_spec]") {
  ContainerSettings settings;
  settings.env = {"LANG", "KEEP=1"};
  auto spec = merge_container_spec(busybox_config(), settings);
  REQUIRE(spec.ok());
  CHECK(spec->env == std::vector<std::string>{"PATH=/bin", "KEEP=1"});
}
