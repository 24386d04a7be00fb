#include <catch2/catch.hpp>

#include <algorithm>

#include "racker/runtime/nspawn_command.h"
#include "racker/runtime/overlay.h"

using namespace racker::runtime;

namespace {

ContainerSpec sample_spec() {
  ContainerSpec s;
  s.id = "0123456789ab" + std::string(52, 'c');
  s.name = "web";
  s.cmd = {"sleep", "1"};
  return s;
}

InitBinary sample_init() {
  return InitBinary{"/usr/bin/racker-init"};
}

const NspawnPaths kPaths{"/r/containers/x/rootfs", "/r/containers/x", "/r/volumes"};

bool has(const std::vector<std::string>& argv, const std::string& arg) {
  return std::find(argv.begin(), argv.end(), arg) != argv.end();
}

}  // namespace

TEST_CASE("without systemd, nspawn neither registers nor makes a scope", "[container_nspawn]") {
  auto plan = plan_nspawn(sample_spec(), kPaths, sample_init(), HostFacts{});
  CHECK(plan.argv.front() == "systemd-nspawn");
  CHECK(has(plan.argv, "--register=no"));
  CHECK(has(plan.argv, "--keep-unit"));
  CHECK(has(plan.argv, "--directory=/r/containers/x/rootfs"));
  CHECK(has(plan.argv, "--machine=web"));
  CHECK(has(plan.argv, "--hostname=0123456789ab"));
  CHECK(has(plan.argv, "--console=pipe"));
  CHECK(has(plan.argv, "--bind=/r/containers/x/hosts:/etc/hosts"));
}

TEST_CASE("the payload is racker's static init bound read-only from the host", "[container_nspawn]") {
  auto plan = plan_nspawn(sample_spec(), kPaths, sample_init(), HostFacts{});
  auto dash = std::find(plan.argv.begin(), plan.argv.end(), "--");
  REQUIRE(dash != plan.argv.end());
  std::vector<std::string> payload(dash + 1, plan.argv.end());
  CHECK(payload == std::vector<std::string>{"/run/.racker/racker-init"});
  CHECK(has(plan.argv, "--bind-ro=/usr/bin/racker-init:/run/.racker/racker-init"));
  CHECK(plan.init.unmount == std::vector<std::string>{"/run/.racker/racker-init"});
  CHECK(plan.init.args == std::vector<std::string>{"sleep", "1"});
}

TEST_CASE("racker finds its init beside itself or where RACKER_INIT says", "[container_nspawn]") {
  ::unsetenv("RACKER_INIT");
  auto found = find_init_binary();
  // The test binary has no racker-init beside it.
  REQUIRE(!found.ok());
  CHECK(found.error().code == racker::Errc::kNotFound);
  CHECK(found.error().message.find("racker-init") != std::string::npos);
  ::setenv("RACKER_INIT", "/bin/true", 1);
  found = find_init_binary();
  ::unsetenv("RACKER_INIT");
  REQUIRE(found.ok());
  CHECK(found->path == "/bin/true");
}

TEST_CASE("with systemd and machined, limits become scope properties", "[container_nspawn]") {
  auto spec = sample_spec();
  spec.resources.memory_bytes = 64 << 20;
  spec.resources.cpus = 1.5;
  spec.resources.pids_limit = 100;
  auto plan = plan_nspawn(spec, kPaths, sample_init(), HostFacts{true, true});
  CHECK(has(plan.argv, "--register=yes"));
  CHECK_FALSE(has(plan.argv, "--keep-unit"));
  CHECK(has(plan.argv, "--property=MemoryMax=67108864"));
  CHECK(has(plan.argv, "--property=CPUQuota=150%"));
  CHECK(has(plan.argv, "--property=TasksMax=100"));
}

TEST_CASE("mounts, security and limits map to nspawn options", "[container_nspawn]") {
  auto spec = sample_spec();
  spec.read_only = true;
  spec.network_mode = "none";
  spec.cap_add = {"CAP_NET_ADMIN"};
  spec.ulimits = {{"nofile", 512, 1024}, {"core", -1, -1}};
  spec.mounts = {{MountSpec::Type::kBind, "/host:dir", "/ctr", true, false, ""},
                 {MountSpec::Type::kVolume, "data", "/data", false, false, ""},
                 {MountSpec::Type::kTmpfs, "", "/scratch", false, false, "size=1m"}};
  auto plan = plan_nspawn(spec, kPaths, sample_init(), HostFacts{});
  CHECK(has(plan.argv, "--read-only"));
  CHECK(has(plan.argv, "--private-network"));
  CHECK(has(plan.argv, "--capability=CAP_NET_ADMIN"));
  CHECK(has(plan.argv, "--rlimit=RLIMIT_NOFILE=512:1024"));
  CHECK(has(plan.argv, "--rlimit=RLIMIT_CORE=infinity:infinity"));
  CHECK(has(plan.argv, "--bind-ro=/host\\:dir:/ctr"));
  CHECK(has(plan.argv, "--bind=/r/volumes/data/_data:/data"));
  CHECK(has(plan.argv, "--tmpfs=/scratch:size=1m"));
}

TEST_CASE("machine names are the container name when nspawn accepts it", "[container_nspawn]") {
  auto spec = sample_spec();
  CHECK(machine_name(spec) == "web");
  spec.name = "eager_turing";
  CHECK(machine_name(spec) == "racker-0123456789ab");
}

TEST_CASE("overlay options list the top layer first", "[container_nspawn]") {
  OverlayDirs dirs;
  dirs.lower = {"/l/base", "/l/top"};
  dirs.upper = "/c/upper";
  dirs.work = "/c/work";
  CHECK(overlay_options(dirs) == "lowerdir=/l/top:/l/base,upperdir=/c/upper,workdir=/c/work");
  dirs.lower.clear();
  dirs.empty_lower = "/c/empty";
  CHECK(overlay_options(dirs) == "lowerdir=/c/empty,upperdir=/c/upper,workdir=/c/work");
  CHECK(unescape_mount_path("/a\\040b") == "/a b");
}

TEST_CASE("a private user namespace: nspawn maps the block, racker's files and volumes are idmapped", "[container_nspawn]") {
  ContainerSpec s = sample_spec();
  s.userns = UsernsMode::kAuto;
  s.userns_base = 0x00120000;
  s.network_mode = "bridge";
  s.network.netns_path = "/run/racker/netns/x";
  MountSpec volume;
  volume.type = MountSpec::Type::kVolume;
  volume.source = "data";
  volume.target = "/data";
  MountSpec host_dir;
  host_dir.type = MountSpec::Type::kBind;
  host_dir.source = "/srv/site";
  host_dir.target = "/site";
  MountSpec secret;
  secret.type = MountSpec::Type::kBind;
  secret.source = "/r/containers/x/secrets/token";
  secret.target = "/run/secrets/token";
  s.mounts = {volume, host_dir, secret};
  auto plan = plan_nspawn(s, kPaths, sample_init(), HostFacts{});
  CHECK(has(plan.argv, "--private-users=1179648:65536"));
  CHECK(has(plan.argv, "--private-users-ownership=off"));
  // nspawn cannot join the host-owned namespace from inside its own: the launcher does.
  CHECK(plan.join_netns == "/run/racker/netns/x");
  CHECK(std::none_of(plan.argv.begin(), plan.argv.end(),
                     [](const std::string& a) { return a.rfind("--network-namespace-path", 0) == 0; }));
  CHECK(has(plan.argv, "--bind=/r/containers/x/hosts:/etc/hosts:idmap"));
  CHECK(has(plan.argv, "--bind=/r/volumes/data/_data:/data:idmap"));
  CHECK(has(plan.argv, "--bind=/r/containers/x/secrets/token:/run/secrets/token:idmap"));
  CHECK(has(plan.argv, "--bind=/srv/site:/site"));  // the host's files: the container's root is no one there

  ContainerSpec plain = sample_spec();
  plain.network_mode = "bridge";
  plain.network.netns_path = "/run/racker/netns/x";
  auto host_plan = plan_nspawn(plain, kPaths, sample_init(), HostFacts{});
  CHECK(host_plan.join_netns.empty());
  CHECK(has(host_plan.argv, "--network-namespace-path=/run/racker/netns/x"));
  CHECK(has(host_plan.argv, "--bind=/r/containers/x/hosts:/etc/hosts"));
}
