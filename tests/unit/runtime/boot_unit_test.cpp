// Boot groups' members as systemd units: the unit file racker writes.
#include "racker/runtime/boot_unit.h"

#include <catch2/catch.hpp>

#include "racker/runtime/service_container.h"

using namespace racker;
using namespace racker::runtime;

namespace {

ContainerSpec member_spec() {
  ContainerSpec spec;
  spec.name = "proj-client-1";
  spec.entrypoint = {"sh", "-c"};
  spec.cmd = {"echo \"hi\" $HOME 100% \\o/"};
  spec.env = {"PATH=/bin", "GREETING=hello world", "Q=say \"x\" 5% $y"};
  spec.working_dir = "/srv";
  spec.labels = {{kLabelService, "client"},
                 {kLabelBootUnit, "racker-client.service"},
                 {kLabelBootRequires, "web,db"},
                 {kLabelBootWants, "log"},
                 {kLabelBootRestart, "on-failure:3"},
                 {kLabelBootStopSignal, "INT"},
                 {kLabelBootStopGrace, "7"}};
  return spec;
}

}  // namespace

TEST_CASE("exec words keep spaces, quotes, dollars and percents literal", "[boot]") {
  CHECK(quote_exec_word("plain") == "\"plain\"");
  CHECK(quote_exec_word("two words") == "\"two words\"");
  CHECK(quote_exec_word("say \"hi\"") == "\"say \\\"hi\\\"\"");
  CHECK(quote_exec_word("$HOME ${X}") == "\"$$HOME $${X}\"");
  CHECK(quote_exec_word("100%") == "\"100%%\"");
  CHECK(quote_exec_word("back\\slash") == "\"back\\\\slash\"");
  CHECK(quote_exec_word("line\nbreak\x01") == "\"line\\nbreak\\x01\"");
  CHECK(quote_exec_word("") == "\"\"");
}

TEST_CASE("environment values are quoted but dollars stay single", "[boot]") {
  CHECK(quote_environment("A=b c") == "\"A=b c\"");
  CHECK(quote_environment("Q=say \"x\" 5% $y") == "\"Q=say \\\"x\\\" 5%% $y\"");
}

TEST_CASE("a member's labels and spec become its unit", "[boot]") {
  auto unit = boot_unit_from_spec(member_spec(), "/bin/sh");
  REQUIRE(unit.ok());
  CHECK(unit->path == "/bin/sh");
  CHECK(unit->argv == std::vector<std::string>{"sh", "-c", "echo \"hi\" $HOME 100% \\o/"});
  CHECK(unit->dependencies ==
        std::vector<BootUnitDependency>{{"web", true}, {"db", true}, {"log", false}});
  CHECK(unit->restart.kind == RestartPolicy::Kind::kOnFailure);
  CHECK(unit->restart.max_retries == 3);
  CHECK(unit->stop_signal == "SIGINT");
  CHECK(unit->stop_timeout == 7);
  CHECK(unit->root_directory == "/run/racker-units/client");

  CHECK(render_boot_unit(*unit) ==
        "# Written by racker for compose service client.\n"
        "[Unit]\n"
        "Description=compose service client\n"
        "After=racker-web.service\n"
        "Requires=racker-web.service\n"
        "After=racker-db.service\n"
        "Requires=racker-db.service\n"
        "After=racker-log.service\n"
        "Wants=racker-log.service\n"
        "StartLimitIntervalSec=infinity\n"
        "StartLimitBurst=4\n"
        "\n"
        "[Service]\n"
        "Type=simple\n"
        "RootDirectory=/run/racker-units/client\n"
        "MountAPIVFS=yes\n"
        "BindReadOnlyPaths=-/etc/hosts -/etc/resolv.conf -/etc/hostname\n"
        "WorkingDirectory=/srv\n"
        "Environment=\"PATH=/bin\"\n"
        "Environment=\"GREETING=hello world\"\n"
        "Environment=\"Q=say \\\"x\\\" 5%% $y\"\n"
        "ExecStart=@\"/bin/sh\" \"sh\" \"-c\" \"echo \\\"hi\\\" $$HOME 100%% \\\\o/\"\n"
        "Restart=on-failure\n"
        "RestartSec=1\n"
        "KillSignal=SIGINT\n"
        "TimeoutStopSec=7\n"
        "StandardInput=null\n"
        "StandardOutput=journal\n"
        "StandardError=journal\n"
        "SyslogIdentifier=client\n");
}

TEST_CASE("docker's restart policies map to systemd's", "[boot]") {
  BootUnit u;
  u.service = "s";
  u.argv = {"/bin/true"};
  auto text = [&](RestartPolicy::Kind kind, int retries) {
    u.restart = {kind, retries};
    return render_boot_unit(u);
  };
  CHECK(text(RestartPolicy::Kind::kNo, 0).find("Restart=no\n") != std::string::npos);
  CHECK(text(RestartPolicy::Kind::kAlways, 0).find("Restart=always\n") != std::string::npos);
  CHECK(text(RestartPolicy::Kind::kUnlessStopped, 0).find("Restart=always\n") != std::string::npos);
  // Unbounded restarts: systemd's start rate limit is off.
  CHECK(text(RestartPolicy::Kind::kAlways, 0).find("StartLimitIntervalSec=0\n") != std::string::npos);
  CHECK(text(RestartPolicy::Kind::kOnFailure, 0).find("StartLimitIntervalSec=0\n") != std::string::npos);
  CHECK(text(RestartPolicy::Kind::kOnFailure, 2).find("StartLimitBurst=3\n") != std::string::npos);
  // A user and group, a read-only root.
  u.user = "1000:1001";
  u.read_only = true;
  std::string t = render_boot_unit(u);
  CHECK(t.find("User=1000\nGroup=1001\n") != std::string::npos);
  // "+": the unit's root, not the machine's.
  CHECK(t.find("ReadOnlyPaths=+/\n") != std::string::npos);
  CHECK(t.find("ReadWritePaths") == std::string::npos);
}

TEST_CASE("a read-only member keeps /run and its writable mounts writable", "[boot]") {
  ContainerSpec spec = member_spec();
  spec.read_only = true;
  MountSpec data;
  data.type = MountSpec::Type::kVolume;
  data.source = "proj_data";
  data.target = "/var/lib/my data";
  MountSpec secret;
  secret.source = "/host/secret";
  secret.target = "/run/secrets/token";
  secret.read_only = true;
  MountSpec scratch;
  scratch.type = MountSpec::Type::kTmpfs;
  scratch.target = "/scratch";
  spec.mounts = {data, secret, scratch};
  auto u = boot_unit_from_spec(spec, "/bin/sh");
  REQUIRE(u.ok());
  CHECK(u->writable_paths == std::vector<std::string>{"/run", "/var/lib/my data", "/scratch"});
  std::string t = render_boot_unit(*u);
  CHECK(t.find("ReadOnlyPaths=+/\n"
               "ReadWritePaths=\"+/run\"\n"
               "ReadWritePaths=\"+/var/lib/my data\"\n"
               "ReadWritePaths=\"+/scratch\"\n") != std::string::npos);
  spec.read_only = false;
  u = boot_unit_from_spec(spec, "/bin/sh");
  REQUIRE(u.ok());
  CHECK(render_boot_unit(*u).find("\nReadOnlyPaths") == std::string::npos);
}

TEST_CASE("a container that is not a boot unit is refused", "[boot]") {
  ContainerSpec spec = member_spec();
  spec.labels.erase(kLabelBootUnit);
  CHECK(!boot_unit_from_spec(spec, "/bin/sh").ok());
  CHECK(split_dependency_label("a,,b") == std::vector<std::string>{"a", "b"});
  CHECK(split_dependency_label("").empty());
}
