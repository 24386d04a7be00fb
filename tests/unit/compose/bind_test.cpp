// bind(): canonical documents into the typed model. Every key of the spec is
// bound or ignored with a warning; wrong types and unknown keys are errors
// with file:line:col, all collected and sorted.
#include "racker/compose/bind.h"

#include <catch2/catch.hpp>
#include <filesystem>

#include "racker/compose/load.h"
#include "racker/compose/source.h"

using namespace racker;
using namespace racker::compose;
using namespace std::chrono_literals;

namespace {

Node parse_yaml_doc(const std::string& yaml) {
  auto doc = parse_yaml(yaml, "compose.yaml");
  REQUIRE(doc.ok());
  return *doc;
}

model::Project bound(const std::string& yaml) {
  std::vector<Error> more;
  auto p = compose::bind(parse_yaml_doc(yaml), &more);
  if (!p.ok()) FAIL(p.error().to_string());
  return *p;
}

// Every error of binding `yaml`, rendered, in the order bind() reports them.
std::vector<std::string> errors_of(const std::string& yaml) {
  std::vector<Error> more;
  auto p = compose::bind(parse_yaml_doc(yaml), &more);
  std::vector<std::string> out;
  if (p.ok()) return out;
  CHECK(p.error().code == Errc::kValidation);
  out.push_back(p.error().to_string());
  for (const auto& e : more) out.push_back(e.to_string());
  return out;
}

std::string first_error(const std::string& yaml) {
  auto errors = errors_of(yaml);
  REQUIRE_FALSE(errors.empty());
  return errors.front();
}

const model::Service& web(const model::Project& p) {
  REQUIRE(p.services.count("web"));
  return p.services.at("web");
}

}  // namespace

TEST_CASE("scalar and list keys of a service bind to typed fields", "[bind]") {
  auto p = bound(R"(name: demo
services:
  web:
    image: nginx:1.25
    container_name: web-1
    hostname: web
    domainname: example.org
    platform: linux/amd64
    pull_policy: always
    command: [nginx, -g, "daemon off;"]
    entrypoint: []
    user: "1000:1000"
    working_dir: /srv
    restart: unless-stopped
    network_mode: bridge
    ipc: shareable
    pid: host
    uts: host
    cgroup: private
    cgroup_parent: /racker
    userns_mode: host
    mac_address: 02:42:ac:11:00:02
    stop_signal: SIGQUIT
    stop_grace_period: 1m30s
    attach: false
    init: true
    privileged: "false"
    read_only: True
    stdin_open: true
    tty: true
    oom_kill_disable: false
    oom_score_adj: -500
    scale: 2
    cpus: 0.5
    cpu_shares: 512
    cpu_quota: 50000
    cpu_period: 100000
    cpuset: 0-1
    mem_limit: 512m
    mem_reservation: 256m
    memswap_limit: -1
    mem_swappiness: 60
    shm_size: "67108864"
    pids_limit: 100
    profiles: [web, all]
    links: [db, "cache:redis"]
    external_links: [other_db]
    volumes_from: ["db:ro", "container:legacy"]
    expose: ["80", 443]
    tmpfs: /run
    dns: 8.8.8.8
    dns_search: [example.org]
    dns_opt: [use-vc]
    cap_add: [NET_ADMIN]
    cap_drop: [ALL]
    security_opt: ["no-new-privileges:true"]
    group_add: [audio, 1001]
    device_cgroup_rules: ["c 1:3 mr"]
    labels: {com.example.tier: front, empty: null}
    annotations: ["com.example.note=hi"]
    sysctls: {net.core.somaxconn: 1024}
    environment: {A: "1", B: null, C: ""}
    extra_hosts: {somehost: [162.242.195.82], other: "10.0.0.1"}
    ulimits:
      nofile: {soft: 20000, hard: 40000}
      nproc: 65535
)");
  const auto& s = web(p);
  CHECK(p.name == "demo");
  CHECK(s.name == "web");
  CHECK(s.image == "nginx:1.25");
  CHECK(s.container_name == "web-1");
  CHECK(s.hostname == "web");
  CHECK(s.domainname == "example.org");
  CHECK(s.platform == "linux/amd64");
  CHECK(s.pull_policy == "always");
  CHECK(s.command == std::vector<std::string>{"nginx", "-g", "daemon off;"});
  REQUIRE(s.entrypoint.has_value());
  CHECK(s.entrypoint->empty());
  CHECK(s.user == "1000:1000");
  CHECK(s.working_dir == "/srv");
  CHECK(s.restart == "unless-stopped");
  CHECK(s.network_mode == "bridge");
  CHECK(s.ipc == "shareable");
  CHECK(s.pid == "host");
  CHECK(s.uts == "host");
  CHECK(s.cgroup == "private");
  CHECK(s.cgroup_parent == "/racker");
  CHECK(s.userns_mode == "host");
  CHECK(s.mac_address == "02:42:ac:11:00:02");
  CHECK(s.stop_signal == "SIGQUIT");
  CHECK(s.stop_grace_period == 90s);
  CHECK(s.attach == false);
  CHECK(s.init == true);
  CHECK(s.privileged == false);
  CHECK(s.read_only == true);
  CHECK(s.stdin_open == true);
  CHECK(s.tty == true);
  CHECK(s.oom_kill_disable == false);
  CHECK(s.oom_score_adj == -500);
  CHECK(s.scale == 2);
  CHECK(s.replicas() == 2);
  CHECK(s.cpus == 0.5);
  CHECK(s.cpu_shares == 512);
  CHECK(s.cpu_quota == 50000);
  CHECK(s.cpu_period == 100000);
  CHECK(s.cpuset == "0-1");
  CHECK(s.mem_limit == 512LL << 20);
  CHECK(s.mem_reservation == 256LL << 20);
  CHECK(s.memswap_limit == -1);
  CHECK(s.mem_swappiness == 60);
  CHECK(s.shm_size == 64LL << 20);
  CHECK(s.pids_limit == 100);
  CHECK(s.profiles == std::vector<std::string>{"web", "all"});
  CHECK(s.links == std::vector<std::string>{"db", "cache:redis"});
  CHECK(s.external_links == std::vector<std::string>{"other_db"});
  CHECK(s.volumes_from == std::vector<std::string>{"db:ro", "container:legacy"});
  CHECK(s.expose == std::vector<std::string>{"80", "443"});
  CHECK(s.tmpfs == std::vector<std::string>{"/run"});
  CHECK(s.dns == std::vector<std::string>{"8.8.8.8"});
  CHECK(s.dns_search == std::vector<std::string>{"example.org"});
  CHECK(s.dns_opt == std::vector<std::string>{"use-vc"});
  CHECK(s.cap_add == std::vector<std::string>{"NET_ADMIN"});
  CHECK(s.cap_drop == std::vector<std::string>{"ALL"});
  CHECK(s.security_opt == std::vector<std::string>{"no-new-privileges:true"});
  CHECK(s.group_add == std::vector<std::string>{"audio", "1001"});
  CHECK(s.device_cgroup_rules == std::vector<std::string>{"c 1:3 mr"});
  CHECK(s.labels == model::StringMap{{"com.example.tier", "front"}, {"empty", ""}});
  CHECK(s.annotations == model::StringMap{{"com.example.note", "hi"}});
  CHECK(s.sysctls == model::StringMap{{"net.core.somaxconn", "1024"}});
  CHECK(s.environment == model::EnvVars{{"A", "1"}, {"B", std::nullopt}, {"C", ""}});
  CHECK(s.extra_hosts.at("somehost") == std::vector<std::string>{"162.242.195.82"});
  CHECK(s.extra_hosts.at("other") == std::vector<std::string>{"10.0.0.1"});
  CHECK(s.ulimits.at("nofile").soft == 20000);
  CHECK(s.ulimits.at("nofile").hard == 40000);
  CHECK(s.ulimits.at("nproc").soft == 65535);
  CHECK(s.ulimits.at("nproc").hard == 65535);
  CHECK(p.warnings.empty());
}

TEST_CASE("short forms an earlier stage may leave are read as compose reads them", "[bind]") {
  auto p = bound(R"(services:
  web:
    image: x
    command: echo "hello world" 'a b' c\ d
    environment: ["A=1", "B", "C=x=y"]
    extra_hosts: ["host1:10.0.0.1", "host2=::1", "host1:10.0.0.2"]
    env_file: .env
    label_file: [a.labels]
    build: ./app
)");
  const auto& s = web(p);
  CHECK(s.command == std::vector<std::string>{"echo", "hello world", "a b", "c d"});
  CHECK(s.environment == model::EnvVars{{"A", "1"}, {"B", std::nullopt}, {"C", "x=y"}});
  CHECK(s.extra_hosts.at("host1") == std::vector<std::string>{"10.0.0.1", "10.0.0.2"});
  CHECK(s.extra_hosts.at("host2") == std::vector<std::string>{"::1"});
  REQUIRE(s.env_files.size() == 1);
  CHECK(s.env_files[0].path == ".env");
  CHECK(s.env_files[0].required);
  CHECK(s.label_files == std::vector<std::string>{"a.labels"});
  REQUIRE(s.build);
  CHECK(s.build->context == "./app");
}

TEST_CASE("build binds every key", "[bind]") {
  auto p = bound(R"(services:
  web:
    build:
      context: /src
      dockerfile: Dockerfile.dev
      target: prod
      args: {VERSION: "1.0", BARE: null}
      labels: ["a=b"]
      ssh: ["default", "key=/home/u/.ssh/id"]
      cache_from: [a]
      cache_to: [b]
      tags: ["x:1"]
      platforms: [linux/amd64]
      network: host
      additional_contexts: {base: "service:base"}
      extra_hosts: ["h:1.2.3.4"]
      secrets: [token, {source: other, target: /t, mode: 0440}]
      ulimits: {nofile: 1024}
      shm_size: 1g
      no_cache: true
      pull: true
      privileged: false
      x-note: {a: 1}
  inline:
    build:
      dockerfile_inline: "FROM busybox"
      ssh: {default: null}
)");
  const auto& b = *web(p).build;
  CHECK(b.context == "/src");
  CHECK(b.dockerfile == "Dockerfile.dev");
  CHECK(b.target == "prod");
  CHECK(b.args == model::EnvVars{{"VERSION", "1.0"}, {"BARE", std::nullopt}});
  CHECK(b.labels == model::StringMap{{"a", "b"}});
  CHECK(b.ssh.at("default") == std::nullopt);
  CHECK(b.ssh.at("key") == "/home/u/.ssh/id");
  CHECK(b.cache_from == std::vector<std::string>{"a"});
  CHECK(b.cache_to == std::vector<std::string>{"b"});
  CHECK(b.tags == std::vector<std::string>{"x:1"});
  CHECK(b.platforms == std::vector<std::string>{"linux/amd64"});
  CHECK(b.network == "host");
  CHECK(b.additional_contexts.at("base") == "service:base");
  CHECK(b.extra_hosts.at("h") == std::vector<std::string>{"1.2.3.4"});
  REQUIRE(b.secrets.size() == 2);
  CHECK(b.secrets[0].source == "token");
  CHECK(b.secrets[1].target == "/t");
  CHECK(b.secrets[1].mode == 0440u);
  CHECK(b.ulimits.at("nofile").hard == 1024);
  CHECK(b.shm_size == 1LL << 30);
  CHECK(b.no_cache == true);
  CHECK(b.pull == true);
  CHECK(b.privileged == false);
  CHECK(b.extensions.at("x-note") == "{\"a\":1}");
  const auto& inl = *p.services.at("inline").build;
  CHECK(inl.dockerfile_inline == "FROM busybox");
  CHECK(inl.ssh.count("default") == 1);
}

TEST_CASE("deploy, healthcheck, logging and hooks bind", "[bind]") {
  auto p = bound(R"(services:
  web:
    image: x
    deploy:
      mode: replicated
      replicas: 3
      labels: {a: b}
      resources:
        limits: {cpus: "1.5", memory: 1g, pids: 64}
        reservations: {cpus: 0.25, memory: 128m}
      restart_policy: {condition: on-failure, delay: 5s, max_attempts: 3, window: 2m}
    healthcheck:
      test: ["CMD", "curl", "-f", "http://localhost"]
      interval: 30s
      timeout: 10s
      retries: 3
      start_period: 40s
      start_interval: 5s
    logging:
      driver: json-file
      options: {max-size: 10m, max-file: 3}
    post_start:
      - command: ["/bin/setup"]
        user: root
        privileged: true
        working_dir: /
        environment: {X: "1"}
    pre_stop:
      - command: echo bye
    pre_start:
      - command: [migrate]
        image: tools
        per_replica: false
  other:
    image: y
    healthcheck:
      test: curl -f http://localhost
    deploy:
  off:
    image: z
    healthcheck:
      disable: true
)");
  const auto& s = web(p);
  REQUIRE(s.deploy);
  CHECK(s.deploy->mode == "replicated");
  CHECK(s.deploy->replicas == 3);
  CHECK(s.replicas() == 3);
  CHECK(s.deploy->labels.at("a") == "b");
  CHECK(s.deploy->limits.cpus == 1.5);
  CHECK(s.deploy->limits.memory_bytes == 1LL << 30);
  CHECK(s.deploy->limits.pids == 64);
  CHECK(s.deploy->reservations.cpus == 0.25);
  CHECK(s.deploy->reservations.memory_bytes == 128LL << 20);
  REQUIRE(s.deploy->restart_policy);
  CHECK(s.deploy->restart_policy->condition == "on-failure");
  CHECK(s.deploy->restart_policy->delay == 5s);
  CHECK(s.deploy->restart_policy->max_attempts == 3);
  CHECK(s.deploy->restart_policy->window == 2min);
  REQUIRE(s.healthcheck);
  CHECK(s.healthcheck->test == std::vector<std::string>{"CMD", "curl", "-f", "http://localhost"});
  CHECK(s.healthcheck->interval == 30s);
  CHECK(s.healthcheck->timeout == 10s);
  CHECK(s.healthcheck->retries == 3);
  CHECK(s.healthcheck->start_period == 40s);
  CHECK(s.healthcheck->start_interval == 5s);
  CHECK_FALSE(s.healthcheck->disable);
  REQUIRE(s.logging);
  CHECK(s.logging->driver == "json-file");
  CHECK(s.logging->options == model::StringMap{{"max-size", "10m"}, {"max-file", "3"}});
  REQUIRE(s.post_start.size() == 1);
  CHECK(s.post_start[0].command == std::vector<std::string>{"/bin/setup"});
  CHECK(s.post_start[0].user == "root");
  CHECK(s.post_start[0].privileged == true);
  CHECK(s.post_start[0].working_dir == "/");
  CHECK(s.post_start[0].environment.at("X") == "1");
  REQUIRE(s.pre_stop.size() == 1);
  CHECK(s.pre_stop[0].command == std::vector<std::string>{"echo", "bye"});
  REQUIRE(s.pre_start.size() == 1);
  CHECK(s.pre_start[0].image == "tools");
  CHECK(s.pre_start[0].per_replica == false);

  const auto& other = p.services.at("other");
  CHECK(other.healthcheck->test == std::vector<std::string>{"CMD-SHELL", "curl -f http://localhost"});
  REQUIRE(other.deploy);  // deploy: null is an empty deploy
  CHECK_FALSE(other.deploy->replicas);
  CHECK(p.services.at("off").healthcheck->disable);
}

TEST_CASE("ports, volumes and devices bind from long syntax", "[bind]") {
  auto p = bound(R"(services:
  web:
    image: x
    ports:
      - {target: 80, published: "8080", host_ip: 127.0.0.1, protocol: tcp, mode: ingress}
      - {target: 53, published: 5353, protocol: udp, mode: host, name: dns, app_protocol: dns}
      - {target: "9000", published: "9000-9010"}
      - {target: 22}
    volumes:
      - {type: bind, source: /data, target: /data, read_only: true, consistency: cached,
         bind: {create_host_path: false, propagation: rslave, selinux: Z, recursive: readonly}}
      - {type: volume, source: db, target: /var/lib/db, volume: {nocopy: true, subpath: sub, labels: {a: b}}}
      - {type: tmpfs, target: /tmp, tmpfs: {size: 64m, mode: 1777}}
      - {type: image, source: alpine, target: /img, image: {subpath: etc}}
      - {type: volume, target: /anon}
    devices:
      - /dev/fuse
      - /dev/sda:/dev/xvda:r
      - /dev/snd:rw
      - /dev/a:/dev/b
      - {source: /dev/kvm, permissions: rw}
)");
  const auto& s = web(p);
  REQUIRE(s.ports.size() == 4);
  CHECK(s.ports[0].target == 80);
  CHECK(s.ports[0].published == "8080");
  CHECK(s.ports[0].host_ip == "127.0.0.1");
  CHECK(s.ports[1].published == "5353");
  CHECK(s.ports[1].protocol == "udp");
  CHECK(s.ports[1].mode == "host");
  CHECK(s.ports[1].name == "dns");
  CHECK(s.ports[1].app_protocol == "dns");
  CHECK(s.ports[2].target == 9000);
  CHECK(s.ports[2].published == "9000-9010");
  CHECK(s.ports[3].published.empty());
  CHECK(s.ports[3].protocol == "tcp");

  REQUIRE(s.volumes.size() == 5);
  const auto& b = s.volumes[0];
  CHECK(b.type == "bind");
  CHECK(b.source == "/data");
  CHECK(b.read_only);
  CHECK(b.consistency == "cached");
  CHECK_FALSE(b.create_host_path);
  CHECK(b.propagation == "rslave");
  CHECK(b.selinux == "Z");
  CHECK(b.recursive == "readonly");
  CHECK(s.volumes[1].nocopy);
  CHECK(s.volumes[1].subpath == "sub");
  CHECK(s.volumes[1].volume_labels.at("a") == "b");
  CHECK(s.volumes[2].tmpfs_size == 64LL << 20);
  CHECK(s.volumes[2].tmpfs_mode == 01777u);
  CHECK(s.volumes[3].subpath == "etc");
  CHECK(s.volumes[4].source.empty());

  REQUIRE(s.devices.size() == 5);
  CHECK(s.devices[0].source == "/dev/fuse");
  CHECK(s.devices[0].target == "/dev/fuse");
  CHECK(s.devices[0].permissions == "rwm");
  CHECK(s.devices[1].target == "/dev/xvda");
  CHECK(s.devices[1].permissions == "r");
  CHECK(s.devices[2].target == "/dev/snd");
  CHECK(s.devices[2].permissions == "rw");
  CHECK(s.devices[3].target == "/dev/b");
  CHECK(s.devices[4].target == "/dev/kvm");
  CHECK(s.devices[4].permissions == "rw");
}

TEST_CASE("depends_on, networks, secrets and configs bind in both forms", "[bind]") {
  auto p = bound(R"(services:
  web:
    image: x
    depends_on:
      db: {condition: service_healthy, required: false, restart: true}
      cache: {condition: service_started}
    networks:
      front: null
      back:
        aliases: [api]
        ipv4_address: 172.16.0.10
        ipv6_address: "2001:db8::10"
        mac_address: 02:42:ac:11:00:02
        interface_name: eth1
        link_local_ips: [169.254.0.1]
        driver_opts: {mtu: 1400}
        priority: 100
        gw_priority: 1
    secrets: [s1, {source: s2, target: /run/s, uid: "1000", gid: "1000", mode: "0400"}]
    configs: [{source: c1, target: /etc/c1, mode: 292}]
  worker:
    image: x
    depends_on: [web]
    networks: [front]
)");
  const auto& s = web(p);
  CHECK(s.depends_on.at("db").condition == "service_healthy");
  CHECK_FALSE(s.depends_on.at("db").required);
  CHECK(s.depends_on.at("db").restart);
  CHECK(s.depends_on.at("cache").required);
  CHECK_FALSE(s.depends_on.at("cache").restart);
  CHECK(s.networks.at("front") == std::nullopt);
  const auto& back = *s.networks.at("back");
  CHECK(back.aliases == std::vector<std::string>{"api"});
  CHECK(back.ipv4_address == "172.16.0.10");
  CHECK(back.ipv6_address == "2001:db8::10");
  CHECK(back.mac_address == "02:42:ac:11:00:02");
  CHECK(back.interface_name == "eth1");
  CHECK(back.link_local_ips == std::vector<std::string>{"169.254.0.1"});
  CHECK(back.driver_opts.at("mtu") == "1400");
  CHECK(back.priority == 100);
  CHECK(back.gw_priority == 1);
  REQUIRE(s.secrets.size() == 2);
  CHECK(s.secrets[0].source == "s1");
  CHECK_FALSE(s.secrets[0].target);
  CHECK(s.secrets[1].uid == "1000");
  CHECK(s.secrets[1].mode == 0400u);  // a quoted mode is octal
  CHECK(s.configs[0].mode == 292u);   // a plain decimal number is decimal
  const auto& worker = p.services.at("worker");
  CHECK(worker.depends_on.at("web").condition == "service_started");
  CHECK(worker.networks.count("front") == 1);
}

TEST_CASE("top-level networks, volumes, secrets and configs bind", "[bind]") {
  auto p = bound(R"(name: proj
services: {}
networks:
  front:
    driver: bridge
    driver_opts: {com.docker.network.bridge.name: br-front}
    attachable: true
    internal: false
    enable_ipv4: true
    enable_ipv6: true
    labels: [a=b]
    ipam:
      driver: default
      options: {foo: bar}
      config:
        - subnet: 172.28.0.0/16
          ip_range: 172.28.5.0/24
          gateway: 172.28.5.254
          aux_addresses: {host1: 172.28.1.5}
  outside:
    external: true
  legacy:
    external: {name: real-legacy}
  empty:
volumes:
  data:
    driver: local
    driver_opts: {type: none, o: bind, device: /srv}
    labels: {a: b}
    name: custom-data
  ext:
    external: true
    x-backup: daily
secrets:
  token: {file: /run/token, labels: {a: b}}
  env: {environment: TOKEN}
configs:
  conf: {content: "hello"}
  fromfile: {file: ./c.conf}
)");
  const auto& front = p.networks.at("front");
  CHECK(front.key == "front");
  CHECK(front.name == "proj_front");
  CHECK(front.driver == "bridge");
  CHECK(front.driver_opts.at("com.docker.network.bridge.name") == "br-front");
  CHECK(front.attachable);
  CHECK_FALSE(front.internal);
  CHECK(front.enable_ipv4 == true);
  CHECK(front.enable_ipv6 == true);
  CHECK(front.labels.at("a") == "b");
  CHECK(front.ipam_driver == "default");
  CHECK(front.ipam_options.at("foo") == "bar");
  REQUIRE(front.ipam.size() == 1);
  CHECK(front.ipam[0].subnet == "172.28.0.0/16");
  CHECK(front.ipam[0].ip_range == "172.28.5.0/24");
  CHECK(front.ipam[0].gateway == "172.28.5.254");
  CHECK(front.ipam[0].aux_addresses.at("host1") == "172.28.1.5");
  CHECK(p.networks.at("outside").external);
  CHECK(p.networks.at("outside").name == "outside");
  CHECK(p.networks.at("legacy").external);
  CHECK(p.networks.at("legacy").name == "real-legacy");
  CHECK(p.networks.at("empty").name == "proj_empty");
  const auto& data = p.volumes.at("data");
  CHECK(data.name == "custom-data");
  CHECK(data.driver == "local");
  CHECK(data.driver_opts.at("device") == "/srv");
  CHECK(data.labels.at("a") == "b");
  CHECK(p.volumes.at("ext").external);
  CHECK(p.volumes.at("ext").extensions.at("x-backup") == "\"daily\"");
  CHECK(p.secrets.at("token").file == "/run/token");
  CHECK(p.secrets.at("token").name == "proj_token");
  CHECK(p.secrets.at("env").environment == "TOKEN");
  CHECK(p.configs.at("conf").content == "hello");
  CHECK(p.configs.at("fromfile").file == "./c.conf");
}

TEST_CASE("spec keys racker does not implement are ignored with a warning", "[bind]") {
  auto p = bound(R"(services:
  web:
    image: x
    blkio_config: {weight: 300}
    cpu_count: 2
    cpu_percent: 50
    cpu_rt_period: 1000
    cpu_rt_runtime: 1000
    credential_spec: {file: x}
    develop: {watch: []}
    gpus: all
    isolation: default
    models: [llm]
    provider: {type: model}
    pull_refresh_after: 1h
    runtime: runc
    storage_opt: {size: 1G}
    use_api_socket: true
    extends: base
    build:
      entitlements: [network.host]
      isolation: x
      no_cache_filter: [a]
      provenance: true
      sbom: true
    deploy:
      endpoint_mode: vip
      placement: {constraints: []}
      rollback_config: {parallelism: 1}
      update_config: {parallelism: 1}
      resources:
        reservations:
          devices: [{capabilities: [gpu]}]
          generic_resources: []
secrets:
  s: {file: ./s, driver: x, driver_opts: {a: b}, template_driver: golang}
configs:
  c: {file: ./c, template_driver: golang}
models:
  llm: {model: ai/x}
include: []
version: "3.8"
)");
  const auto& s = web(p);
  std::vector<std::string> ignored;
  for (const auto& [k, _] : s.ignored) ignored.push_back(k);
  CHECK(ignored == std::vector<std::string>{
                       "services.web.blkio_config", "services.web.build.entitlements", "services.web.build.isolation",
                       "services.web.build.no_cache_filter", "services.web.build.provenance",
                       "services.web.build.sbom", "services.web.cpu_count", "services.web.cpu_percent",
                       "services.web.cpu_rt_period", "services.web.cpu_rt_runtime", "services.web.credential_spec",
                       "services.web.deploy.endpoint_mode", "services.web.deploy.placement",
                       "services.web.deploy.resources.reservations.devices",
                       "services.web.deploy.resources.reservations.generic_resources",
                       "services.web.deploy.rollback_config", "services.web.deploy.update_config",
                       "services.web.develop", "services.web.gpus", "services.web.isolation", "services.web.models",
                       "services.web.provider", "services.web.pull_refresh_after", "services.web.runtime",
                       "services.web.storage_opt", "services.web.use_api_socket"});
  CHECK(s.ignored.at("services.web.cpu_count") == "Windows containers only");
  CHECK(s.ignored.at("services.web.deploy.placement") == "swarm only");
  std::vector<std::string> top;
  for (const auto& [k, _] : p.ignored) top.push_back(k);
  CHECK(top == std::vector<std::string>{"configs.c.template_driver", "models", "secrets.s.driver",
                                        "secrets.s.driver_opts", "secrets.s.template_driver"});
  REQUIRE(p.warnings.size() == s.ignored.size() + p.ignored.size());
  CHECK(p.warnings.front() == "services.web.blkio_config: not supported by racker, ignored");
}

TEST_CASE("unknown keys are errors naming the object, at the key", "[bind]") {
  CHECK(errors_of(R"(services:
  web:
    image: x
    foo: 1
    build: {context: ., bogus: 1}
    ports: [{target: 80, pubished: "80"}]
    deploy: {resources: {limits: {memory: 1g, gpus: 1}}}
    networks: {front: {alias: [a]}}
    depends_on: {db: {condition: service_started, wait: true}}
    x-ok: fine
networks:
  front: {drvier: bridge}
volumes:
  v: {external: {name: n, foo: 1}}
sevices: {}
x-top: {a: [1, two, null]}
)") == std::vector<std::string>{
             "compose.yaml:4:5: services.web additional property foo is not allowed",
             "compose.yaml:5:25: services.web.build additional property bogus is not allowed",
             "compose.yaml:6:26: services.web.ports[0] additional property pubished is not allowed",
             "compose.yaml:7:47: services.web.deploy.resources.limits additional property gpus is not allowed",
             "compose.yaml:8:24: services.web.networks.front additional property alias is not allowed",
             "compose.yaml:9:51: services.web.depends_on.db additional property wait is not allowed",
             "compose.yaml:12:11: networks.front additional property drvier is not allowed",
             "compose.yaml:14:27: volumes.v.external additional property foo is not allowed",
             "compose.yaml:15:1: (root) additional property sevices is not allowed",
         });
}

TEST_CASE("type errors name the expectation, the key path and the value's position", "[bind]") {
  CHECK(first_error("services:\n  web:\n    image: x\n    restart: [always]\n") ==
        "compose.yaml:4:14: services.web.restart: must be a string");
  CHECK(errors_of(R"(services:
  web:
    image: {name: x}
    init: maybe
    scale: two
    oom_score_adj: 5000
    mem_swappiness: 101
    cpus: lots
    cpu_shares: -2
    stop_grace_period: 10
    mem_limit: 1x
    shm_size: [1]
    cap_add: NET_ADMIN
    cap_drop: [[ALL]]
    labels: {a: [b]}
    environment: 5
    command: {a: b}
    entrypoint: "unbalanced 'quote"
    cgroup: shared
    pull_policy: sometimes
    volumes_from: {a: b}
    tmpfs: {a: b}
    ulimits: {nofile: {soft: 10}, nproc: {soft: 5, hard: 2}, core: x}
)") == std::vector<std::string>{
             "compose.yaml:3:12: services.web.image: must be a string",
             "compose.yaml:4:11: services.web.init: must be a boolean",
             "compose.yaml:5:12: services.web.scale: must be an integer",
             "compose.yaml:6:20: services.web.oom_score_adj: must be between -1000 and 1000",
             "compose.yaml:7:21: services.web.mem_swappiness: must be between -1 and 100",
             "compose.yaml:8:11: services.web.cpus: must be a number",
             "compose.yaml:9:17: services.web.cpu_shares: must be greater than or equal to 0",
             "compose.yaml:10:24: services.web.stop_grace_period: invalid duration \"10\": missing unit "
             "(e.g. \"10s\", \"1m30s\", \"500ms\")",
             "compose.yaml:11:16: services.web.mem_limit: invalid size \"1x\": expected a number of bytes "
             "with an optional unit (b, k, m, g, t, p)",
             "compose.yaml:12:15: services.web.shm_size: must be a size like \"512m\" or a number of bytes",
             "compose.yaml:13:14: services.web.cap_add: must be a list of strings",
             "compose.yaml:14:16: services.web.cap_drop[0]: must be a string",
             "compose.yaml:15:17: services.web.labels.a: must be a string, number, boolean or null",
             "compose.yaml:16:18: services.web.environment: must be a mapping or a list of KEY=VALUE strings",
             "compose.yaml:17:14: services.web.command: must be a string or a list of strings",
             "compose.yaml:18:17: services.web.entrypoint: unbalanced quotes or trailing backslash in "
             "\"unbalanced 'quote\"",
             "compose.yaml:19:13: services.web.cgroup: must be one of host, private (got \"shared\")",
             "compose.yaml:20:18: services.web.pull_policy: must be one of always, never, missing, build, "
             "refresh, daily, weekly or every_<duration> (got \"sometimes\")",
             "compose.yaml:21:19: services.web.volumes_from: must be a list of strings",
             "compose.yaml:22:12: services.web.tmpfs: must be a string or a list of strings",
             "compose.yaml:23:23: services.web.ulimits.nofile: hard is required",
             "compose.yaml:23:42: services.web.ulimits.nproc: soft limit 5 is greater than hard limit 2",
             "compose.yaml:23:68: services.web.ulimits.core: must be an integer",
         });
}

TEST_CASE("errors inside nested objects carry their full key path", "[bind]") {
  CHECK(errors_of(R"(services:
  web:
    image: x
    ports:
      - {target: 0}
      - {target: 80, published: "80-70"}
      - {target: 80, protocol: icmp, mode: bridge}
      - {published: "80"}
      - "8080:80"
    volumes:
      - {source: /a}
      - {type: nfs, target: /b}
      - {type: tmpfs, target: /t, tmpfs: {size: -1, mode: rwx}}
      - {type: bind, source: /a, target: /c, bind: {selinux: q, recursive: maybe, create_host_path: 2}}
    devices: ["", "/a:/b:xyz", [5], {target: /x}, {source: /d, permissions: rwx}]
    secrets: [{target: /x}, [a], {source: s, mode: "99"}]
    extra_hosts: ["nohost", {a: b}]
    depends_on: {db: {condition: service_done}}
    networks: front
    healthcheck: {test: [CURL, x], retries: -1, interval: soon, disable: 2}
    logging: {driver: [x]}
    post_start: [{user: root}]
    pre_start: [{command: x, per_replica: nope}]
    deploy:
      mode: global-ish
      replicas: -2
      resources: {limits: {cpus: -1, memory: lots, pids: x}}
      restart_policy: {condition: sometimes, max_attempts: -1, delay: 1}
    env_file: [{required: false}, [x]]
    build: {context: ., ssh: [nokey], args: [[1]]}
)") == std::vector<std::string>{
             "compose.yaml:5:18: services.web.ports[0].target: must be between 1 and 65535",
             "compose.yaml:6:33: services.web.ports[1].published: invalid published port \"80-70\": expected "
             "a port number or a range like 8000-8010",
             "compose.yaml:7:32: services.web.ports[2].protocol: must be one of tcp, udp, sctp (got \"icmp\")",
             "compose.yaml:7:44: services.web.ports[2].mode: must be one of ingress, host (got \"bridge\")",
             "compose.yaml:8:9: services.web.ports[3]: target is required",
             "compose.yaml:9:9: services.web.ports[4]: must be a mapping",
             "compose.yaml:11:9: services.web.volumes[0]: type is required",
             "compose.yaml:11:9: services.web.volumes[0]: target is required",
             "compose.yaml:12:16: services.web.volumes[1].type: must be one of bind, volume, tmpfs, cluster, "
             "npipe, image (got \"nfs\")",
             "compose.yaml:13:49: services.web.volumes[2].tmpfs.size: must be greater than or equal to 0",
             "compose.yaml:13:59: services.web.volumes[2].tmpfs.mode: must be a file mode like 0440",
             "compose.yaml:14:62: services.web.volumes[3].bind.selinux: must be one of z, Z (got \"q\")",
             "compose.yaml:14:76: services.web.volumes[3].bind.recursive: must be one of enabled, disabled, "
             "writable, readonly (got \"maybe\")",
             "compose.yaml:14:101: services.web.volumes[3].bind.create_host_path: must be a boolean",
             "compose.yaml:15:15: services.web.devices[0]: invalid device \"\": expected "
             "source[:target][:permissions]",
             "compose.yaml:15:19: services.web.devices[1]: invalid device \"/a:/b:xyz\": expected "
             "source[:target][:permissions]",
             "compose.yaml:15:32: services.web.devices[2]: must be a string or a mapping",
             "compose.yaml:15:37: services.web.devices[3]: source is required",
             "compose.yaml:15:51: services.web.devices[4]: invalid device permissions \"rwx\": expected some "
             "of r, w, m",
             "compose.yaml:16:15: services.web.secrets[0]: source is required",
             "compose.yaml:16:29: services.web.secrets[1]: must be a string or a mapping",
             "compose.yaml:16:52: services.web.secrets[2].mode: must be a file mode like 0440",
             "compose.yaml:17:19: services.web.extra_hosts[0]: invalid extra host \"nohost\": expected "
             "host:address or host=address",
             "compose.yaml:17:29: services.web.extra_hosts[1]: must be a string",
             "compose.yaml:18:34: services.web.depends_on.db.condition: must be one of service_started, "
             "service_healthy, service_completed_successfully (got \"service_done\")",
             "compose.yaml:19:15: services.web.networks: must be a list of network names or a mapping",
             "compose.yaml:20:19: services.web.healthcheck.test: must start with \"CMD\", \"CMD-SHELL\" or "
             "\"NONE\" (got \"CURL\")",
             "compose.yaml:20:45: services.web.healthcheck.retries: must be greater than or equal to 0",
             "compose.yaml:20:59: services.web.healthcheck.interval: invalid duration \"soon\": expected a "
             "number",
             "compose.yaml:20:74: services.web.healthcheck.disable: must be a boolean",
             "compose.yaml:21:23: services.web.logging.driver: must be a string",
             "compose.yaml:22:18: services.web.post_start[0]: command is required",
             "compose.yaml:23:43: services.web.pre_start[0].per_replica: must be a boolean",
             "compose.yaml:25:13: services.web.deploy.mode: must be one of replicated, global, "
             "replicated-job, global-job (got \"global-ish\")",
             "compose.yaml:26:17: services.web.deploy.replicas: must be greater than or equal to 0",
             "compose.yaml:27:34: services.web.deploy.resources.limits.cpus: must be greater than or equal "
             "to 0",
             "compose.yaml:27:46: services.web.deploy.resources.limits.memory: invalid size \"lots\": "
             "expected a number of bytes with an optional unit (b, k, m, g, t, p)",
             "compose.yaml:27:58: services.web.deploy.resources.limits.pids: must be an integer",
             "compose.yaml:28:35: services.web.deploy.restart_policy.condition: must be one of none, "
             "on-failure, any (got \"sometimes\")",
             "compose.yaml:28:60: services.web.deploy.restart_policy.max_attempts: must be greater than or "
             "equal to 0",
             "compose.yaml:28:71: services.web.deploy.restart_policy.delay: invalid duration \"1\": missing "
             "unit (e.g. \"10s\", \"1m30s\", \"500ms\")",
             "compose.yaml:29:16: services.web.env_file[0]: path is required",
             "compose.yaml:29:35: services.web.env_file[1]: must be a string or a mapping",
             "compose.yaml:30:31: services.web.build.ssh[0]: invalid ssh key \"nokey\": expected id=path or "
             "default",
             "compose.yaml:30:46: services.web.build.args[0]: must be a string",
         });
}

TEST_CASE("top-level sections must have the right shape", "[bind]") {
  CHECK(errors_of(R"(name: [x]
services: [web]
networks:
  n: {driver: 5, internal: maybe, ipam: {config: {subnet: x}}}
volumes: [v]
secrets:
  s: {file: [a]}
configs:
  c: 5
)") == std::vector<std::string>{
             "compose.yaml:1:7: name: must be a string",
             "compose.yaml:2:11: services: must be a mapping",
             "compose.yaml:4:28: networks.n.internal: must be a boolean",
             "compose.yaml:4:50: networks.n.ipam.config: must be a list",
             "compose.yaml:5:10: volumes: must be a mapping",
             "compose.yaml:7:13: secrets.s.file: must be a string",
             "compose.yaml:9:6: configs.c: must be a mapping",
         });
  auto scalar = compose::bind(parse_yaml_doc("just text\n"));
  REQUIRE_FALSE(scalar.ok());
  CHECK(scalar.error().to_string() == "compose.yaml:1:1: top-level object must be a mapping");
}

TEST_CASE("YAML 1.1 booleans are read with a warning", "[bind]") {
  auto p = bound("services:\n  web:\n    image: x\n    tty: yes\n    init: \"off\"\n");
  CHECK(web(p).tty == true);
  CHECK(web(p).init == false);
  CHECK(p.warnings == std::vector<std::string>{
                          "services.web.tty: \"yes\" for boolean is not supported by YAML 1.2, please use `true`",
                          "services.web.init: \"off\" for boolean is not supported by YAML 1.2, please use `false`"});
}

TEST_CASE("extensions are kept as JSON text at every level", "[bind]") {
  auto p = bound(R"(x-common: &c {restart: always, n: 1.5, ok: true, none: null, s: "007"}
services:
  web:
    image: x
    x-racker: {group: app, members: [a, b]}
    ports:
      - {target: 80, x-note: hi}
    healthcheck: {test: [NONE], x-why: quiet}
networks:
  n: {x-net: 1}
secrets:
  s: {file: /s, x-rot: weekly}
)");
  CHECK(p.extensions.at("x-common") == R"({"restart":"always","n":1.5,"ok":true,"none":null,"s":"007"})");
  const auto& s = web(p);
  CHECK(s.extensions.at("x-racker") == R"({"group":"app","members":["a","b"]})");
  CHECK(s.extensions.at("ports[0].x-note") == "\"hi\"");
  CHECK(s.extensions.at("healthcheck.x-why") == "\"quiet\"");
  CHECK(p.networks.at("n").extensions.at("x-net") == "1");
  CHECK(p.secrets.at("s").extensions.at("x-rot") == "\"weekly\"");
}

TEST_CASE("marks are kept for every bound key path", "[bind]") {
  auto p = bound(R"(services:
  web:
    image: x
    ports:
      - {target: 80}
      - {target: 81}
    depends_on: [db]
    environment: {A: "1"}
  db:
    image: y
volumes:
  data: {}
)");
  auto at = [&](const char* path) {
    auto m = p.mark_of(path);
    REQUIRE(m.has_value());
    CHECK(m->file == "compose.yaml");
    return std::make_pair(m->line, m->col);
  };
  CHECK(at("services.web") == std::make_pair(2, 3));
  CHECK(at("services.web.image") == std::make_pair(3, 5));
  CHECK(at("services.web.ports[1]") == std::make_pair(6, 9));
  CHECK(at("services.web.ports[1].target") == std::make_pair(6, 10));
  CHECK(at("services.web.depends_on.db") == std::make_pair(7, 18));
  CHECK(at("services.web.environment.A") == std::make_pair(8, 19));
  CHECK(at("volumes.data") == std::make_pair(12, 3));
  CHECK(p.marks.count("services.db.image") == 1);
}

TEST_CASE("scalar values keep their own marks, for errors about the value", "[bind]") {
  auto p = bound(R"(services:
  web:
    image: x
    restart: "no"
    ports:
      - {target: 80, published: "8080"}
    environment: {A: "1", B: }
    networks:
      back:
volumes:
  data: {}
networks:
  back:
)");
  auto value_at = [&](const char* path) {
    auto m = p.value_mark_of(path);
    REQUIRE(m.has_value());
    return std::make_pair(m->line, m->col);
  };
  CHECK(value_at("services.web.image") == std::make_pair(3, 12));
  CHECK(value_at("services.web.restart") == std::make_pair(4, 14));
  CHECK(value_at("services.web.ports[0].published") == std::make_pair(6, 33));
  CHECK(value_at("services.web.environment.A") == std::make_pair(7, 22));
  // No scalar of their own (null, a mapping, a list item): the key or item.
  CHECK(value_at("services.web.environment.B") == std::make_pair(7, 27));
  CHECK(value_at("services.web.networks.back") == std::make_pair(9, 7));
  CHECK(value_at("services.web.ports[0]") == std::make_pair(6, 9));
  CHECK(value_at("volumes.data") == std::make_pair(11, 3));
  CHECK_FALSE(p.marks.value("services.web").has_value());
  // The key marks are unchanged.
  CHECK(p.mark_of("services.web.restart")->col == 5);
}

TEST_CASE("bind reports only the first error when `more` is not given", "[bind]") {
  auto p = compose::bind(parse_yaml_doc("services:\n  web:\n    image: x\n    tty: 3\n    init: 4\n"));
  REQUIRE_FALSE(p.ok());
  CHECK(p.error().key_path == "services.web.tty");
  CHECK(p.error().at->line == 4);
}

TEST_CASE("an empty string leaves an optional setting unset, as in compose", "[bind]") {
  auto p = bound(R"(services:
  web:
    image: x
    container_name: ""
    hostname: ""
    pid: ""
    restart: ""
configs:
  c: {content: ""}
)");
  const auto& s = web(p);
  CHECK_FALSE(s.container_name);
  CHECK_FALSE(s.hostname);
  CHECK_FALSE(s.pid);
  CHECK_FALSE(s.restart);
  CHECK(p.configs.at("c").content == "");  // empty content is still content
}

TEST_CASE("collections of the wrong shape are errors", "[bind]") {
  CHECK(errors_of(R"(services:
  web:
    image: x
    stop_grace_period: [1s]
    extra_hosts: 5
    ulimits: 5
    secrets: token
    env_file: {path: a}
    cpus: -1
    build: [x]
    post_start: {command: x}
    depends_on: db
    environment: [[A]]
  other:
    image: y
    ulimits: {nofile: {soft: 1, hard: 2, max: 3}}
networks:
  n: {external: maybe}
)") == std::vector<std::string>{
             "compose.yaml:4:24: services.web.stop_grace_period: must be a duration string like \"1m30s\"",
             "compose.yaml:5:18: services.web.extra_hosts: must be a mapping or a list of \"host:address\" "
             "strings",
             "compose.yaml:6:14: services.web.ulimits: must be a mapping",
             "compose.yaml:7:14: services.web.secrets: must be a list",
             "compose.yaml:8:15: services.web.env_file: must be a string or a list",
             "compose.yaml:9:11: services.web.cpus: must be greater than or equal to 0",
             "compose.yaml:10:12: services.web.build: must be a string or a mapping",
             "compose.yaml:11:17: services.web.post_start: must be a list",
             "compose.yaml:12:17: services.web.depends_on: must be a list of service names or a mapping",
             "compose.yaml:13:19: services.web.environment[0]: must be a string",
             "compose.yaml:16:42: services.other.ulimits.nofile additional property max is not allowed",
             "compose.yaml:18:17: networks.n.external: must be a boolean",
         });
}

TEST_CASE("real stacks load through bind and validate without errors or stray warnings", "[bind][corpus]") {
  namespace fs = std::filesystem;
  std::vector<std::string> files = {std::string(RACKER_CORPUS_DIR) + "/telegraf-influx-grafana/docker-compose.yml"};
  std::error_code ec;
  for (const auto& dir : fs::directory_iterator(std::string(RACKER_CORPUS_DIR) + "/awesome-compose", ec)) {
    for (const char* name : {"compose.yaml", "compose.yml", "docker-compose.yml", "docker-compose.yaml"}) {
      if (fs::exists(dir.path() / name, ec)) {
        files.push_back((dir.path() / name).string());
        break;
      }
    }
  }
  REQUIRE(files.size() > 30);
  DiskFileReader disk;
  for (const auto& file : files) {
    ProjectOptions opts;
    opts.files = {file};
    opts.working_dir = parent_dir(file);
    auto loaded = load_project(opts, disk, EnvMap{{"HOME", "/root"}});
    INFO(file);
    if (!loaded.ok()) FAIL(loaded.error().to_string());
    CHECK_FALSE(loaded->project.services.empty());
    for (const auto& w : loaded->project.warnings) {
      // The only keys these stacks use that racker ignores.
      INFO(w);
      CHECK(w.find(".runtime: not supported by racker, ignored") != std::string::npos);
    }
  }
}
