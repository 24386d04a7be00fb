// Published ports through racker's nftables DNAT, on a real bridge with
// servers in network namespaces (tests/support/port_topology.h). Root only.
// Traffic goes only to loopback, to addresses the fixture adds to the host,
// and to the fixture's own namespaces.
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include <fstream>
#include <memory>
#include <optional>

#include "racker/network/nftables.h"
#include "racker/network/port_publisher.h"
#include "support/port_topology.h"

using namespace racker;
using namespace racker::network;
using namespace racker::test;

namespace {

std::string ruleset() {
  std::string out;
  shell("nft --stateless list ruleset", &out);  // counters move with any traffic
  return out;
}

std::string route_localnet(const std::string& bridge) {
  std::ifstream f("/proc/sys/net/ipv4/conf/" + bridge + "/route_localnet");
  std::string v;
  f >> v;
  return v;
}

// The answer, or why there was none (so a failed CHECK says what happened).
const std::string kNoAnswer = "no answer";
std::string tcp(const std::string& ip, uint16_t port, const std::string& line, int fd = -1) {
  std::string why;
  std::string answer = tcp_ask(ip, port, line, &why, fd);
  if (answer.empty()) UNSCOPED_INFO("tcp " << ip << ":" << port << ": " << why);
  return answer.empty() ? kNoAnswer : answer;
}
std::string udp(const std::string& ip, uint16_t port, const std::string& line, int fd = -1) {
  std::string why;
  std::string answer = udp_ask(ip, port, line, &why, fd);
  if (answer.empty()) UNSCOPED_INFO("udp " << ip << ":" << port << ": " << why);
  return answer.empty() ? kNoAnswer : answer;
}

// One bridge, namespaces `a` and `b` on it, TCP and UDP echo servers in `a`
// (port 80 and 8125) and in `b` (port 81), and a publisher on this run's own
// table. Members are destroyed in reverse order: servers before the topology.
struct World {
  PortTopology topo;
  PortTopology::Namespace a, b;
  std::unique_ptr<EchoServer> a_tcp, a_udp, b_tcp;
  std::optional<PortPublisher> publisher;

  World() {
    if (!topo.ok()) return;
    a = topo.add_namespace();
    b = topo.add_namespace();
    if (a.name.empty() || b.name.empty()) return;
    a_tcp = std::make_unique<EchoServer>(topo.socket_in(a.name, AF_INET, SOCK_STREAM), EchoServer::Kind::kTcp, 80);
    a_udp = std::make_unique<EchoServer>(topo.socket_in(a.name, AF_INET, SOCK_DGRAM), EchoServer::Kind::kUdp, 8125);
    b_tcp = std::make_unique<EchoServer>(topo.socket_in(b.name, AF_INET, SOCK_STREAM), EchoServer::Kind::kTcp, 81);
    PortPublisherOptions options;
    options.table = topo.ports_table();
    options.lock_path = "/tmp/" + topo.ports_table() + ".lock";
    auto opened = PortPublisher::open(options);
    if (opened) publisher.emplace(std::move(*opened));
  }
  ~World() { ::unlink(("/tmp/" + topo.ports_table() + ".lock").c_str()); }

  std::string problem() const {
    if (!topo.ok()) return topo.error();
    if (a.name.empty() || b.name.empty()) return topo.error();
    for (const auto* s : {a_tcp.get(), a_udp.get(), b_tcp.get()})
      if (!s->ok()) return s->error();
    if (!publisher) return "cannot open libnftables";
    return "";
  }

  // Host ports the kernel says are free now, one per spec.
  std::vector<PortMapping> resolve(const std::string& short_spec, const std::string& container_ip) {
    auto specs = parse_port_spec(short_spec);
    REQUIRE(specs.ok());
    auto mappings = publisher->resolve(*specs, container_ip);
    if (!mappings) FAIL(mappings.error().to_string());
    return *mappings;
  }

  bool table_exists() {
    auto nft = Nftables::open();
    return nft && nft->has_table("inet", topo.ports_table());
  }
};

#define REQUIRE_WORLD(w)                                            \
  do {                                                              \
    if (::geteuid() != 0) {                                         \
      WARN("skipping: published-port tests need root");             \
      return;                                                       \
    }                                                               \
    if (std::string why = (w).problem(); !why.empty()) FAIL(why);   \
  } while (0)

}  // namespace

TEST_CASE("a published TCP port answers on 127.0.0.1 and on the host's own addresses", "[ports]") {
  std::string before = ruleset();
  {
    World w;
    REQUIRE_WORLD(w);
    auto ports = w.resolve("80", w.a.address);  // an ephemeral host port
    REQUIRE(ports.size() == 1);
    uint16_t p = ports[0].host_port;
    REQUIRE(w.publisher->publish("web-1", ports).ok());
    CHECK(route_localnet(w.topo.bridge()) == "1");

    // From 127.0.0.1 the container sees the bridge address (masqueraded).
    CHECK(tcp("127.0.0.1", p, "ping") == "ping from " + w.topo.gateway());
    CHECK(tcp(w.topo.gateway(), p, "ping") == "ping from " + w.topo.gateway());
    CHECK(tcp(w.topo.host_address(), p, "ping") == "ping from " + w.topo.host_address());

    auto listed = w.publisher->ports_of("web-1");
    REQUIRE(listed.ok());
    CHECK(*listed == ports);
    CHECK(format_port_line(listed->at(0)) == "80/tcp -> 0.0.0.0:" + std::to_string(p));

    REQUIRE(w.publisher->unpublish("web-1").ok());
    CHECK_FALSE(w.table_exists());
    CHECK(route_localnet(w.topo.bridge()) == "0");
    CHECK(tcp("127.0.0.1", p, "ping") == kNoAnswer);
  }
  CHECK(ruleset() == before);
}

TEST_CASE("a published UDP port answers from the host", "[ports]") {
  std::string before = ruleset();
  {
    World w;
    REQUIRE_WORLD(w);
    auto ports = w.resolve("8125/udp", w.a.address);
    uint16_t p = ports.at(0).host_port;
    REQUIRE(w.publisher->publish("stats-1", ports).ok());
    CHECK(udp("127.0.0.1", p, "metric") == "metric from " + w.topo.gateway());
    CHECK(udp(w.topo.gateway(), p, "metric") == "metric from " + w.topo.gateway());
    CHECK(udp(w.topo.host_address(), p, "metric") == "metric from " + w.topo.host_address());
    // From another container, by the host's address, with its own source.
    CHECK(udp(w.topo.gateway(), p, "metric", w.topo.socket_in(w.b.name, AF_INET, SOCK_DGRAM)) ==
          "metric from " + w.b.address);
    REQUIRE(w.publisher->unpublish("stats-1").ok());
  }
  CHECK(ruleset() == before);
}

TEST_CASE("127.0.0.1:P:T answers on 127.0.0.1 only", "[ports]") {
  std::string before = ruleset();
  {
    World w;
    REQUIRE_WORLD(w);
    auto ports = w.resolve("127.0.0.1::80", w.a.address);
    uint16_t p = ports.at(0).host_port;
    CHECK(ports.at(0).host_ip == "127.0.0.1");
    REQUIRE(w.publisher->publish("grafana-1", ports).ok());
    CHECK(tcp("127.0.0.1", p, "hi") == "hi from " + w.topo.gateway());
    CHECK(tcp(w.topo.gateway(), p, "hi") == kNoAnswer);
    CHECK(tcp(w.topo.host_address(), p, "hi") == kNoAnswer);
    CHECK(tcp(w.topo.gateway(), p, "hi", w.topo.socket_in(w.b.name, AF_INET, SOCK_STREAM)) == kNoAnswer);
    // Another container may still publish the same port on another address.
    auto other = w.resolve(w.topo.host_address() + ":" + std::to_string(p) + ":81", w.b.address);
    REQUIRE(w.publisher->publish("other-1", other).ok());
    CHECK(tcp(w.topo.host_address(), p, "hi") == "hi from " + w.topo.host_address());
    CHECK(tcp("127.0.0.1", p, "hi") == "hi from " + w.topo.gateway());
    REQUIRE(w.publisher->cleanup_stale({}).ok());
    CHECK_FALSE(w.table_exists());
  }
  CHECK(ruleset() == before);
}

TEST_CASE("containers reach a published port through the host's addresses", "[ports]") {
  std::string before = ruleset();
  {
    World w;
    REQUIRE_WORLD(w);
    auto ports = w.resolve("80", w.a.address);
    uint16_t p = ports.at(0).host_port;
    REQUIRE(w.publisher->publish("web-1", ports).ok());
    // Another namespace on the bridge: its own address reaches the server.
    CHECK(tcp(w.topo.gateway(), p, "b", w.topo.socket_in(w.b.name, AF_INET, SOCK_STREAM)) ==
          "b from " + w.b.address);
    CHECK(tcp(w.topo.host_address(), p, "b", w.topo.socket_in(w.b.name, AF_INET, SOCK_STREAM)) ==
          "b from " + w.b.address);
    // Hairpin: the container reaches its own published port via the host.
    CHECK(tcp(w.topo.gateway(), p, "a", w.topo.socket_in(w.a.name, AF_INET, SOCK_STREAM)) ==
          "a from " + w.topo.gateway());
    CHECK(tcp(w.topo.host_address(), p, "a", w.topo.socket_in(w.a.name, AF_INET, SOCK_STREAM)) ==
          "a from " + w.topo.gateway());
    REQUIRE(w.publisher->unpublish("web-1").ok());
  }
  CHECK(ruleset() == before);
}

TEST_CASE("a port already in use is a clear error and nothing is created", "[ports]") {
  std::string before = ruleset();
  {
    World w;
    REQUIRE_WORLD(w);
    // A host process listening on the port.
    int listener = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in any{};
    any.sin_family = AF_INET;
    REQUIRE(::bind(listener, reinterpret_cast<sockaddr*>(&any), sizeof any) == 0);
    REQUIRE(::listen(listener, 1) == 0);
    socklen_t length = sizeof any;
    ::getsockname(listener, reinterpret_cast<sockaddr*>(&any), &length);
    uint16_t busy = ntohs(any.sin_port);

    std::vector<PortMapping> wanted = {{"", busy, w.a.address, 80, Protocol::kTcp}};
    Status st = w.publisher->publish("web-1", wanted);
    ::close(listener);
    REQUIRE_FALSE(st.ok());
    CHECK(st.error().code == Errc::kConflict);
    CHECK(st.error().message == "Bind for 0.0.0.0:" + std::to_string(busy) +
                                    " failed: port is already allocated (in use on the host: Address already in use)");
    CHECK_FALSE(w.table_exists());
    CHECK(ruleset() == before);

    // A UDP socket bound on 127.0.0.1 blocks 127.0.0.1 and all-addresses.
    int udp = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    sockaddr_in loop{};
    loop.sin_family = AF_INET;
    loop.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::bind(udp, reinterpret_cast<sockaddr*>(&loop), sizeof loop) == 0);
    length = sizeof loop;
    ::getsockname(udp, reinterpret_cast<sockaddr*>(&loop), &length);
    uint16_t busy_udp = ntohs(loop.sin_port);
    Status st_udp = w.publisher->check_available({{"", busy_udp, w.a.address, 8125, Protocol::kUdp}});
    ::close(udp);
    REQUIRE_FALSE(st_udp.ok());
    CHECK(st_udp.error().message == "Bind for 0.0.0.0:" + std::to_string(busy_udp) +
                                        " failed: port is already allocated (in use on the host: Address already in use)");

    // A port another container publishes (NAT holds no socket: racker knows).
    auto ports = w.resolve("80", w.a.address);
    REQUIRE(w.publisher->publish("web-1", ports).ok());
    std::string with_web = ruleset();
    std::vector<PortMapping> clash = {{"", ports[0].host_port, w.b.address, 81, Protocol::kTcp}};
    Status again = w.publisher->publish("api-1", clash);
    REQUIRE_FALSE(again.ok());
    CHECK(again.error().message == "Bind for 0.0.0.0:" + std::to_string(ports[0].host_port) +
                                       " failed: port is already allocated (published by racker container web-1)");
    CHECK(ruleset() == with_web);
    REQUIRE(w.publisher->unpublish("web-1").ok());
  }
  CHECK(ruleset() == before);
}

TEST_CASE("unpublish removes exactly one container's rules", "[ports]") {
  std::string before = ruleset();
  {
    World w;
    REQUIRE_WORLD(w);
    auto web = w.resolve("80", w.a.address);
    auto api = w.resolve("81", w.b.address);
    auto stats = w.resolve("8125/udp", w.a.address);
    REQUIRE(w.publisher->publish("web-1", web).ok());
    REQUIRE(w.publisher->publish("api-1", api).ok());
    REQUIRE(w.publisher->publish("stats-1", stats).ok());
    auto all = w.publisher->published();
    REQUIRE(all.ok());
    CHECK(all->size() == 3);

    REQUIRE(w.publisher->unpublish("api-1").ok());
    REQUIRE(w.publisher->unpublish("api-1").ok());  // idempotent
    all = w.publisher->published();
    REQUIRE(all.ok());
    CHECK(*all == PublishedPorts{{"web-1", web}, {"stats-1", stats}});
    CHECK(tcp("127.0.0.1", api[0].host_port, "x") == kNoAnswer);
    CHECK(tcp("127.0.0.1", web[0].host_port, "x") == "x from " + w.topo.gateway());
    CHECK(udp("127.0.0.1", stats[0].host_port, "x") == "x from " + w.topo.gateway());

    // Republishing replaces a container's ports.
    auto web2 = w.resolve("80", w.a.address);
    REQUIRE(w.publisher->publish("web-1", web2).ok());
    auto mine = w.publisher->ports_of("web-1");
    REQUIRE(mine.ok());
    CHECK(*mine == web2);

    // Crash safety: everything but the live containers goes.
    REQUIRE(w.publisher->cleanup_stale({"stats-1"}).ok());
    all = w.publisher->published();
    REQUIRE(all.ok());
    CHECK(*all == PublishedPorts{{"stats-1", stats}});
    REQUIRE(w.publisher->unpublish("stats-1").ok());
    CHECK_FALSE(w.table_exists());

    // An empty table (a crash between batches of an older racker) goes too.
    REQUIRE(shell("nft add table inet " + w.topo.ports_table()) == 0);
    REQUIRE(w.table_exists());
    REQUIRE(w.publisher->cleanup_stale({"web-1"}).ok());
    CHECK_FALSE(w.table_exists());
  }
  CHECK(ruleset() == before);
}

TEST_CASE("a host range publishes its first free port", "[ports]") {
  std::string before = ruleset();
  {
    World w;
    REQUIRE_WORLD(w);
    auto first = w.resolve("80", w.a.address);  // a port known to be free
    uint16_t p = first[0].host_port;
    if (p > 65530) p = 40000;
    std::string range = std::to_string(p) + "-" + std::to_string(p + 3);
    auto one = w.resolve(range + ":80", w.a.address);
    REQUIRE(w.publisher->publish("web-1", one).ok());
    auto two = w.resolve(range + ":81", w.b.address);
    CHECK(two[0].host_port != one[0].host_port);
    REQUIRE(w.publisher->publish("api-1", two).ok());
    CHECK(tcp("127.0.0.1", two[0].host_port, "r") == "r from " + w.topo.gateway());
    REQUIRE(w.publisher->cleanup_stale({}).ok());
  }
  CHECK(ruleset() == before);
}
