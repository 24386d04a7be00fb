// `racker compose` networking end to end (root only): containers on racker's
// bridges find each other by service name, container name and alias through
// the host DNS daemon, networks isolate, ipam and ipv4_address are honoured,
// published ports answer on loopback, and `down` leaves no bridge, veth,
// namespace or rule behind. Mirrors docker compose's TestNetworkAliases,
// TestNetworkLinks and TestIPAMConfig. All traffic stays on loopback or
// inside the namespaces these tests create.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

#include "support/compose_project.h"

using namespace racker::test;

namespace {

// A web server answering `text` on port 80 from busybox httpd.
std::string web_service(const std::string& text) {
  return "    image: rk-busybox\n"
         "    command: [\"sh\", \"-c\", \"mkdir -p /www && echo " + text +
         " > /www/index.html && exec httpd -f -p 80 -h /www\"]\n";
}

// The record racker keeps for a network (its bridge name, endpoints).
nlohmann::json network_record(const Project& p, const std::string& network) {
  std::ifstream in(p.root() + "/network/networks/" + network + ".json");
  if (!in) return nullptr;
  return nlohmann::json::parse(in, nullptr, false);
}

// `wget -qO- URL` (busybox 1.35 wget crashes with -T) from inside a service's container, retried while the
// server starts.
std::string fetch_from(const Project& p, const std::string& service, const std::string& url) {
  CommandResult r;
  bool ok = eventually([&] {
    r = p.compose({"exec", "-T", service, "timeout", "3", "wget", "-qO-", url});
    return r.exit_code == 0;
  });
  if (!ok) WARN("exec " << service << " wget " << url << ": " << r.err);
  return trimmed(r.out);
}

}  // namespace

TEST_CASE("compose network e2e: service names, container names and aliases resolve (TestNetworkAliases)",
          "[compose][e2e][network]") {
  REQUIRE_CONTAINER_HOST();
  Project p("netalias", "services:\n  web:\n" + web_service("hello-from-web") + R"(    networks:
      default:
        aliases: [www.alias.test]
  client:
    image: rk-busybox
    command: ["sleep", "1000"]
    depends_on: [web]
    links: ["web:legacy-name"]
)");
  auto up = bring_up(p);
  CHECK(up.err.find("Network netalias_default Created") != std::string::npos);

  CHECK(fetch_from(p, "client", "http://web/") == "hello-from-web");
  CHECK(fetch_from(p, "client", "http://www.alias.test/") == "hello-from-web");
  CHECK(fetch_from(p, "client", "http://netalias-web-1/") == "hello-from-web");
  CHECK(fetch_from(p, "client", "http://legacy-name/") == "hello-from-web");  // links: an /etc/hosts entry

  // Each container knows its own address under its hostname, and the
  // embedded DNS server is its resolver.
  auto resolv = p.compose({"exec", "-T", "client", "cat", "/etc/resolv.conf"});
  auto record = network_record(p, "netalias_default");
  REQUIRE(record.is_object());
  std::string gateway = record.value("gateway", "");
  CHECK(resolv.out.find("nameserver " + gateway) != std::string::npos);
  auto unknown = p.compose({"exec", "-T", "client", "nslookup", "no-such-service"});
  CHECK(unknown.exit_code != 0);

  std::string bridge = record.value("ifname", "");
  std::vector<std::string> veths;
  for (const auto& [name, e] : record["endpoints"].items()) veths.push_back(e.value("host_ifname", ""));
  REQUIRE(veths.size() == 2);
  CHECK(link_exists(bridge));

  auto down = p.compose({"down", "-t", "1"});
  REQUIRE(down.exit_code == 0);
  CHECK(down.err.find("Network netalias_default Removed") != std::string::npos);
  CHECK_FALSE(link_exists(bridge));
  for (const auto& v : veths) CHECK_FALSE(link_exists(v));
  CHECK(network_record(p, "netalias_default").is_null());
  std::error_code ec;
  CHECK(std::filesystem::is_empty(p.run_dir() + "/netns", ec));
}

TEST_CASE("compose network e2e: names resolve as soon as up -d returns, again right after a down",
          "[compose][e2e][network]") {
  REQUIRE_CONTAINER_HOST();
  Project p("netquick", R"(services:
  web:
    image: rk-busybox
    command: ["sleep", "1000"]
  client:
    image: rk-busybox
    command: ["sleep", "1000"]
)");
  // The DNS daemon may still serve the previous incarnation's records (same
  // bridge address, same names) when the next up starts: up must wait for
  // the new ones. One lookup each, no retry: a script written for docker
  // does not retry either.
  for (int round = 0; round < 3; ++round) {
    INFO("round " << round);
    bring_up(p);
    auto lookup = p.compose({"exec", "-T", "client", "nslookup", "web"});
    INFO(lookup.out << lookup.err);
    CHECK(lookup.exit_code == 0);
    REQUIRE(p.compose({"down", "-t", "0"}).exit_code == 0);
  }
}

TEST_CASE("compose network e2e: networks isolate, a service on two networks reaches both", "[compose][e2e][network]") {
  REQUIRE_CONTAINER_HOST();
  Project p("netiso", "services:\n  front:\n" + web_service("front") + "    networks: [frontnet]\n  back:\n" +
                          web_service("back") + "    networks: [backnet]\n  both:\n" + web_service("both") +
                          R"(    networks: [frontnet, backnet]
networks:
  frontnet: {}
  backnet:
    internal: true
)");
  bring_up(p);
  CHECK(fetch_from(p, "both", "http://front/") == "front");
  CHECK(fetch_from(p, "both", "http://back/") == "back");
  CHECK(fetch_from(p, "front", "http://both/") == "both");
  // front shares no network with back: the name does not exist for it.
  auto cross = p.compose({"exec", "-T", "front", "nslookup", "back"});
  CHECK(cross.exit_code != 0);
  auto cross_get = p.compose({"exec", "-T", "front", "timeout", "3", "wget", "-qO-", "http://back/"});
  CHECK(cross_get.exit_code != 0);
  // eth0 and eth1 in the container on two networks.
  auto links = p.compose({"exec", "-T", "both", "ip", "-o", "link"});
  CHECK(links.out.find("eth0") != std::string::npos);
  CHECK(links.out.find("eth1") != std::string::npos);
}

TEST_CASE("compose network e2e: ipam subnets and static addresses (TestIPAMConfig)", "[compose][e2e][network]") {
  REQUIRE_CONTAINER_HOST();
  Project p("netipam", R"(services:
  fixed:
    image: rk-busybox
    command: ["sleep", "1000"]
    networks:
      lan:
        ipv4_address: 10.213.7.10
networks:
  lan:
    ipam:
      config:
        - subnet: 10.213.7.0/24
          gateway: 10.213.7.1
)");
  bring_up(p);
  auto addr = p.compose({"exec", "-T", "fixed", "ip", "-4", "-o", "addr", "show", "eth0"});
  INFO(addr.out << addr.err);
  CHECK(addr.out.find("10.213.7.10/24") != std::string::npos);
  auto route = p.compose({"exec", "-T", "fixed", "ip", "route"});
  CHECK(route.out.find("default via 10.213.7.1") != std::string::npos);
  auto hosts = p.compose({"exec", "-T", "fixed", "cat", "/etc/hosts"});
  CHECK(hosts.out.find("10.213.7.10") != std::string::npos);
}

TEST_CASE("compose network e2e: published ports answer on loopback and go with the container",
          "[compose][e2e][network][ports]") {
  REQUIRE_CONTAINER_HOST();
  Project p("netports", "services:\n  web:\n" + web_service("published") + R"(    ports: ["127.0.0.1::80"]
    expose: ["9000", "53/udp"]
)");
  bring_up(p);
  // docker lists exposed ports too, with TargetPort only.
  auto ps = p.compose({"ps", "--format", "json", "web"});
  REQUIRE(ps.exit_code == 0);
  auto row = nlohmann::json::parse(ps.out.substr(0, ps.out.find('\n')), nullptr, false);
  REQUIRE(row.is_object());
  auto publishers = row["Publishers"];
  REQUIRE(publishers.size() == 3);
  CHECK(publishers[0]["TargetPort"] == 80);
  CHECK(publishers[0]["URL"] == "127.0.0.1");
  CHECK(publishers[1] == nlohmann::json({{"URL", ""}, {"TargetPort", 53}, {"PublishedPort", 0}, {"Protocol", "udp"}}));
  CHECK(publishers[2] == nlohmann::json({{"URL", ""}, {"TargetPort", 9000}, {"PublishedPort", 0}, {"Protocol", "tcp"}}));
  CHECK(p.inspect("netports-web-1", "{{json .Config.ExposedPorts}}") == R"({"53/udp":{},"9000/tcp":{}})");
  auto port = p.compose({"port", "web", "80"});
  REQUIRE(port.exit_code == 0);
  std::string address = trimmed(port.out);  // 127.0.0.1:<ephemeral>
  INFO(address);
  REQUIRE(address.rfind("127.0.0.1:", 0) == 0);
  std::string body;
  CHECK(eventually([&] {
    auto r = run_command({"/usr/bin/timeout", "3", "busybox", "wget", "-qO-", "http://" + address + "/"}, {});
    body = trimmed(r.out);
    return r.exit_code == 0;
  }));
  CHECK(body == "published");

  // One-off containers resolve the service too, and take no ports along.
  auto oneoff = p.compose({"run", "--rm", "-T", "web", "timeout", "3", "wget", "-qO-", "http://web/"});
  INFO(oneoff.err);
  CHECK(trimmed(oneoff.out) == "published");

  REQUIRE(p.compose({"down", "-t", "1"}).exit_code == 0);
  auto after = run_command({"/usr/bin/timeout", "3", "busybox", "wget", "-qO-", "http://" + address + "/"}, {});
  CHECK(after.exit_code != 0);
  auto tables = run_command({"/usr/sbin/nft", "list", "tables"}, {});
  CHECK(tables.out.find("racker_ports") == std::string::npos);
}

TEST_CASE("compose network e2e: network_mode service:NAME shares the namespace, loopback included",
          "[compose][e2e][network]") {
  REQUIRE_CONTAINER_HOST();
  Project p("netshare", "services:\n  web:\n" + web_service("shared") + R"(  sidecar:
    image: rk-busybox
    command: ["sleep", "1000"]
    network_mode: "service:web"
)");
  bring_up(p);
  // web listens on the namespace's loopback: only a namespace sharer sees it there.
  CHECK(fetch_from(p, "sidecar", "http://127.0.0.1/") == "shared");
  auto web_addr = p.compose({"exec", "-T", "web", "ip", "-4", "-o", "addr", "show", "eth0"});
  auto side_addr = p.compose({"exec", "-T", "sidecar", "ip", "-4", "-o", "addr", "show", "eth0"});
  CHECK_FALSE(web_addr.out.empty());
  CHECK(web_addr.out == side_addr.out);
  REQUIRE(p.compose({"down", "-t", "1"}).exit_code == 0);
  std::error_code ec;
  CHECK(std::filesystem::is_empty(p.run_dir() + "/netns", ec));
}

TEST_CASE("compose network e2e: rm -f and run -d --rm release the container's network at once",
          "[compose][e2e][network]") {
  REQUIRE_CONTAINER_HOST();
  Project p("netrm", "services:\n  web:\n" + web_service("rm") + R"(  other:
    image: rk-busybox
    command: ["sleep", "1000"]
)");
  bring_up(p);
  auto namespaces = [&] {
    size_t n = 0;
    std::error_code ec;
    for (auto it = std::filesystem::directory_iterator(p.run_dir() + "/netns", ec);
         !ec && it != std::filesystem::directory_iterator(); ++it)
      ++n;
    return n;
  };
  CHECK(namespaces() == 2);
  // The one-off exits at once and removes itself: its namespace and endpoint go with it.
  REQUIRE(p.compose({"run", "-d", "--rm", "web", "true"}).exit_code == 0);
  CHECK(eventually([&] { return namespaces() == 2 && p.compose({"ps", "-a", "-q"}).out.size() == 2 * 65; }));
  REQUIRE(p.racker({"rm", "-f", "netrm-other-1"}).exit_code == 0);
  CHECK(namespaces() == 1);
  auto record = network_record(p, "netrm_default");
  REQUIRE(record.is_object());
  CHECK(record["endpoints"].size() == 1);
  // So down right away finds only its own containers on the network.
  auto down = p.compose({"down", "-t", "1"});
  INFO(down.err);
  REQUIRE(down.exit_code == 0);
  CHECK(namespaces() == 0);
  CHECK(network_record(p, "netrm_default").is_null());
}
