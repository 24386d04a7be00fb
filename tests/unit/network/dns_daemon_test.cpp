// What the host DNS daemon derives from the network store, without sockets:
// the DNS endpoints of each network record, how fill_dns_records keeps a
// registry in step with the store (names scoped per network, stale endpoints
// gone), which networks get a server, and the server options (internal
// networks get no upstreams). Then the daemon itself on loopback addresses
// (port 0, a temporary store and run dir): servers follow the store, the
// lock keeps a second daemon out, and an idle daemon exits.
#include "racker/network/dns_daemon.h"

#include <catch2/catch.hpp>

#include <atomic>
#include <cstdlib>
#include <thread>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>

#include "support/image_tar_builder.h"

using namespace racker;
using namespace racker::network;
namespace ip = boost::asio::ip;

namespace {

EndpointRecord endpoint(std::string container, std::string ipv4, std::string service = "",
                        std::vector<std::string> aliases = {}, std::string hostname = "", std::string ipv6 = "") {
  EndpointRecord e;
  e.container = std::move(container);
  e.ipv4 = std::move(ipv4);
  e.ipv6 = std::move(ipv6);
  e.service = std::move(service);
  e.aliases = std::move(aliases);
  e.hostname = std::move(hostname);
  return e;
}

NetworkRecord net_record(std::string name, std::string gateway, std::vector<EndpointRecord> endpoints,
                      bool internal = false) {
  NetworkRecord r;
  r.name = std::move(name);
  r.gateway = std::move(gateway);
  r.internal = internal;
  r.status = NetworkStatus::kReady;
  for (auto& e : endpoints) r.endpoints.emplace(e.container, std::move(e));
  return r;
}

std::vector<std::string> v4(DnsRecords& r, const std::string& net, const std::string& name) {
  std::vector<std::string> out;
  for (const auto& a : r.lookup(net, name, DnsFamily::kV4).addresses) out.push_back(a.to_string());
  std::sort(out.begin(), out.end());
  return out;
}

using Strings = std::vector<std::string>;

}  // namespace

TEST_CASE("dns endpoints carry every name and address of an endpoint record", "[dns][daemon]") {
  auto net = net_record("p_front", "10.1.0.1",
                     {endpoint("p-web-1", "10.1.0.2", "web", {"www", "site"}, "webhost", "fd00::2"),
                      endpoint("p-db-1", "10.1.0.3/24")});
  auto eps = dns_endpoints(net);
  REQUIRE(eps.size() == 2);
  // Sorted by container, as the record's map is.
  CHECK(eps[0].container == "p-db-1");
  CHECK(eps[0].addresses == std::vector<ip::address>{ip::make_address("10.1.0.3")});
  CHECK(eps[1].network == "p_front");
  CHECK(eps[1].container == "p-web-1");
  CHECK(eps[1].service == "web");
  CHECK(eps[1].aliases == Strings{"www", "site"});
  CHECK(eps[1].hostname == "webhost");
  CHECK(eps[1].addresses == std::vector<ip::address>{ip::make_address("10.1.0.2"), ip::make_address("fd00::2")});
}

TEST_CASE("dns endpoints leave out addresses that do not parse", "[dns][daemon]") {
  auto eps = dns_endpoints(net_record("n", "10.1.0.1", {endpoint("c", "not-an-address"), endpoint("d", "")}));
  REQUIRE(eps.size() == 2);
  CHECK(eps[0].addresses.empty());
  CHECK(eps[1].addresses.empty());
}

TEST_CASE("filled records answer names on their own network only", "[dns][daemon]") {
  DnsRecords records;
  std::vector<NetworkRecord> nets = {
      net_record("p_front", "10.1.0.1",
              {endpoint("p-web-1", "10.1.0.2", "web", {"www"}, "webhost"), endpoint("p-api-1", "10.1.0.3", "api")}),
      net_record("p_back", "10.2.0.1", {endpoint("p-api-1", "10.2.0.3", "api", {"backend"}), endpoint("p-db-1", "10.2.0.4", "db")}),
  };
  REQUIRE(fill_dns_records(nets, records).ok());

  CHECK(v4(records, "p_front", "web") == Strings{"10.1.0.2"});
  CHECK(v4(records, "p_front", "p-web-1") == Strings{"10.1.0.2"});
  CHECK(v4(records, "p_front", "www") == Strings{"10.1.0.2"});
  CHECK(v4(records, "p_front", "webhost") == Strings{"10.1.0.2"});
  // The same container on two networks: each network sees its own address.
  CHECK(v4(records, "p_front", "api") == Strings{"10.1.0.3"});
  CHECK(v4(records, "p_back", "api") == Strings{"10.2.0.3"});
  // An alias is per network.
  CHECK(records.contains("p_back", "backend"));
  CHECK_FALSE(records.contains("p_front", "backend"));
  // Scoping: db is only on p_back, web only on p_front.
  CHECK_FALSE(records.contains("p_front", "db"));
  CHECK_FALSE(records.contains("p_back", "web"));
  CHECK_FALSE(records.contains("p_back", "p-web-1"));
}

TEST_CASE("filling again drops endpoints the store no longer has and updates changed ones", "[dns][daemon]") {
  DnsRecords records;
  std::vector<NetworkRecord> nets = {net_record(
      "n", "10.1.0.1", {endpoint("a-1", "10.1.0.2", "a", {"old"}), endpoint("b-1", "10.1.0.3", "b")})};
  REQUIRE(fill_dns_records(nets, records).ok());
  REQUIRE(records.contains("n", "b"));

  nets[0].endpoints.erase("b-1");
  nets[0].endpoints["a-1"].aliases = {"new"};
  nets[0].endpoints["a-1"].ipv4 = "10.1.0.9";
  REQUIRE(fill_dns_records(nets, records).ok());
  CHECK_FALSE(records.contains("n", "b"));
  CHECK_FALSE(records.contains("n", "b-1"));
  CHECK_FALSE(records.contains("n", "old"));
  CHECK(v4(records, "n", "new") == Strings{"10.1.0.9"});
  CHECK(v4(records, "n", "a") == Strings{"10.1.0.9"});
  CHECK(records.endpoints("n").size() == 1);
}

TEST_CASE("filling leaves networks it was not given alone", "[dns][daemon]") {
  DnsRecords records;
  REQUIRE(fill_dns_records({net_record("x", "10.1.0.1", {endpoint("c", "10.1.0.2", "svc")})}, records).ok());
  REQUIRE(fill_dns_records({net_record("y", "10.2.0.1", {endpoint("d", "10.2.0.2", "svc")})}, records).ok());
  CHECK(v4(records, "x", "svc") == Strings{"10.1.0.2"});
  CHECK(v4(records, "y", "svc") == Strings{"10.2.0.2"});
}

TEST_CASE("replicas of a service share its name", "[dns][daemon]") {
  DnsRecords records;
  REQUIRE(fill_dns_records({net_record("n", "10.1.0.1",
                                    {endpoint("p-web-1", "10.1.0.2", "web"), endpoint("p-web-2", "10.1.0.3", "web")})},
                           records)
              .ok());
  CHECK(v4(records, "n", "web") == Strings{"10.1.0.2", "10.1.0.3"});
  CHECK(v4(records, "n", "p-web-2") == Strings{"10.1.0.3"});
}

TEST_CASE("invalid names are reported and the valid ones still load", "[dns][daemon]") {
  DnsRecords records;
  Status s = fill_dns_records({net_record("n", "10.1.0.1", {endpoint("c-1", "10.1.0.2", "svc", {"bad name"})})}, records);
  CHECK_FALSE(s.ok());
  CHECK(records.contains("n", "svc"));
  CHECK(records.contains("n", "c-1"));
  CHECK_FALSE(records.contains("n", "bad name"));
}

TEST_CASE("a network is served when it has a gateway and endpoints and is not going away", "[dns][daemon]") {
  auto n = net_record("n", "10.1.0.1", {endpoint("c", "10.1.0.2")});
  CHECK(dns_serves(n));
  CHECK(dns_serves(net_record("i", "10.3.0.1", {endpoint("c", "10.3.0.2")}, true)));  // internal too
  CHECK_FALSE(dns_serves(net_record("empty", "10.1.0.1", {})));
  CHECK_FALSE(dns_serves(net_record("nogw", "", {endpoint("c", "10.1.0.2")})));
  auto removing = n;
  removing.status = NetworkStatus::kRemoving;
  CHECK_FALSE(dns_serves(removing));
}

TEST_CASE("server options: the gateway and the network's zone, internal networks get no upstreams",
          "[dns][daemon]") {
  std::vector<ip::udp::endpoint> ups = {{ip::make_address("192.0.2.53"), 53}};
  auto open = dns_server_options(net_record("p_front", "10.1.0.1", {endpoint("c", "10.1.0.2")}), ups);
  REQUIRE(open.ok());
  CHECK(open->address == ip::make_address("10.1.0.1"));
  CHECK(open->port == 53);
  CHECK(open->zone.network == "p_front");
  CHECK(open->forwarder.upstreams == ups);

  auto internal = dns_server_options(net_record("p_priv", "10.3.0.1", {endpoint("c", "10.3.0.2")}, true), ups, 5353);
  REQUIRE(internal.ok());
  CHECK(internal->port == 5353);
  CHECK(internal->forwarder.upstreams.empty());

  CHECK_FALSE(dns_server_options(net_record("bad", "nope", {}), ups).ok());
}

TEST_CASE("the idle time comes from RACKER_DNS_IDLE_SECONDS", "[dns][daemon]") {
  const char* saved = std::getenv("RACKER_DNS_IDLE_SECONDS");
  std::string keep = saved ? saved : "";
  ::setenv("RACKER_DNS_IDLE_SECONDS", "1.5", 1);
  CHECK(dns_daemon_options_from_env().idle_exit == std::chrono::milliseconds(1500));
  ::setenv("RACKER_DNS_IDLE_SECONDS", "junk", 1);
  CHECK(dns_daemon_options_from_env().idle_exit == std::chrono::seconds(10));
  ::unsetenv("RACKER_DNS_IDLE_SECONDS");
  CHECK(dns_daemon_options_from_env().idle_exit == std::chrono::seconds(10));
  if (saved) ::setenv("RACKER_DNS_IDLE_SECONDS", keep.c_str(), 1);
}

TEST_CASE("the lock lives in the run dir", "[dns][daemon]") {
  CHECK(dns_lock_path("/tmp/x") == "/tmp/x/dns.lock");
}

namespace {

// Polls `done` until it holds or 10 s pass; returns its last value.
template <class F>
bool eventually(F done) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (!done()) {
    if (std::chrono::steady_clock::now() >= deadline) return done();
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return true;
}

// A DnsDaemon on its own io thread; stopped and joined on destruction.
class LoopDaemon {
 public:
  explicit LoopDaemon(DnsDaemonOptions options) {
    options.on_exit = [this] { exited_ = true; };
    daemon_ = std::make_unique<DnsDaemon>(io_, std::move(options));
    started_ = daemon_->start();
    if (started_) thread_ = std::thread([this] { io_.run(); });
  }
  ~LoopDaemon() {
    if (thread_.joinable()) {
      boost::asio::post(io_, [this] { daemon_->stop(); });
      thread_.join();
    }
  }
  const Status& started() const { return started_; }
  bool exited() const { return exited_; }
  std::map<std::string, std::string> served() const { return daemon_->served(); }

 private:
  boost::asio::io_context io_;
  std::unique_ptr<DnsDaemon> daemon_;
  Status started_;
  std::atomic<bool> exited_{false};
  std::thread thread_;
};

DnsDaemonOptions loopback_options(const test::TempDir& state, const test::TempDir& run) {
  DnsDaemonOptions o;
  o.state_dir = state.path();
  o.run_dir = run.path();
  o.port = 0;
  o.poll_interval = std::chrono::milliseconds(20);
  o.idle_exit = std::chrono::milliseconds(300);
  o.resolv_conf = "/nonexistent/resolv.conf";  // no upstreams: nothing leaves the host
  return o;
}

using Served = std::map<std::string, std::string>;

}  // namespace

TEST_CASE("the daemon keeps one server per network with endpoints, following the store", "[dns][daemon]") {
  test::TempDir state, run;
  NetworkStore store(state.path());
  REQUIRE(store.save(net_record("n_a", "127.0.0.1", {endpoint("c-1", "127.0.0.5", "svc")})).ok());
  REQUIRE(store.save(net_record("n_empty", "127.0.0.3", {})).ok());

  LoopDaemon daemon(loopback_options(state, run));
  REQUIRE(daemon.started().ok());
  CHECK(eventually([&] { return daemon.served() == Served{{"n_a", "127.0.0.1"}}; }));

  // A second daemon on the same run dir finds the lock taken.
  {
    boost::asio::io_context io;
    DnsDaemon second(io, loopback_options(state, run));
    Status s = second.start();
    REQUIRE_FALSE(s.ok());
    CHECK(s.error().code == Errc::kConflict);
  }

  // A changed gateway moves the server; a new network gets one.
  REQUIRE(store.save(net_record("n_a", "127.0.0.2", {endpoint("c-1", "127.0.0.5", "svc")})).ok());
  REQUIRE(store.save(net_record("n_b", "127.0.0.4", {endpoint("c-2", "127.0.0.6", "svc")}, true)).ok());
  CHECK(eventually([&] { return daemon.served() == Served{{"n_a", "127.0.0.2"}, {"n_b", "127.0.0.4"}}; }));

  // Networks that go, or lose their last endpoint, lose their server.
  REQUIRE(store.remove("n_a").ok());
  REQUIRE(store.save(net_record("n_b", "127.0.0.4", {}, true)).ok());
  CHECK(eventually([&] { return daemon.served().empty(); }));

  // Idle (no endpoints anywhere): it exits and releases the lock.
  CHECK(eventually([&] { return daemon.exited(); }));
  boost::asio::io_context io;
  DnsDaemon next(io, loopback_options(state, run));
  CHECK(next.start().ok());
  next.stop();
}

TEST_CASE("a daemon whose server cannot bind keeps running and serves the other networks", "[dns][daemon]") {
  test::TempDir state, run;
  NetworkStore store(state.path());
  // A link-local gateway without a scope cannot be bound (EINVAL), even with
  // IP_FREEBIND, which lets any other address be bound.
  REQUIRE(store.save(net_record("bad", "fe80::1", {endpoint("c-1", "127.0.0.5")})).ok());
  REQUIRE(store.save(net_record("good", "127.0.0.1", {endpoint("c-2", "127.0.0.6")})).ok());
  LoopDaemon daemon(loopback_options(state, run));
  REQUIRE(daemon.started().ok());
  CHECK(eventually([&] { return daemon.served().count("good") == 1; }));
  CHECK(daemon.served().count("bad") == 0);
  CHECK_FALSE(daemon.exited());
}
