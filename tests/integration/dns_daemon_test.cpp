// The host DNS daemon on the real kernel (root): networks made through the
// Networks facade (netlink backend) in a temporary state dir, namespaces
// standing in for containers, and DNS queries sent from inside them to their
// network's gateway. First a DnsDaemon on a thread of this process, then the
// real `racker system dns-daemon` started by ensure_dns_daemon. Traffic goes
// only to bridge gateways, from namespaces this test made.
#include <catch2/catch.hpp>

#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <set>
#include <sstream>
#include <thread>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>

#include "racker/network/dns_daemon.h"
#include "racker/network/netns.h"
#include "racker/network/networks.h"
#include "support/dns_test_client.h"
#include "support/dns_test_wire.h"
#include "support/netns_fixture.h"
#include "support/network_test_helpers.h"

using namespace racker;
using namespace racker::network;
using namespace racker::test;
using Strings = std::vector<std::string>;

namespace {

constexpr int kNxDomain = 3, kServFail = 2, kNoError = 0;

ConnectOptions named_endpoint(const std::string& container, const std::string& service, Strings aliases = {},
                        int index = 0) {
  ConnectOptions o;
  o.container = container;
  o.service = service;
  o.aliases = std::move(aliases);
  o.interface_index = index;
  return o;
}

// An A query for `name` sent from inside `netns` to server:53 over UDP.
DnsTestReply query_in(const std::string& netns, const std::string& server, const std::string& name) {
  DnsTestReply out;
  Status ran = run_in_netns(netns, [&]() -> Status {
    auto reply = dns_udp_exchange(server, 53, dns_query(name, 1), 2000);
    if (reply) out = dns_parse_reply(*reply);
    return ok_status();
  });
  (void)ran.ok();
  return out;
}

Strings a_records(const DnsTestReply& r) {
  Strings out;
  for (const auto& a : r.answers)
    if (a.rfind("A ", 0) == 0) out.push_back(a.substr(2));
  std::sort(out.begin(), out.end());
  return out;
}

// Polls `done` until it holds or `limit` passes (the daemon notices store
// changes within a poll interval); returns its last value.
template <class F>
bool eventually(F done, std::chrono::milliseconds limit = std::chrono::seconds(10)) {
  auto deadline = std::chrono::steady_clock::now() + limit;
  while (!done()) {
    if (std::chrono::steady_clock::now() >= deadline) return done();
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return true;
}

// True when a UDP socket of this process is bound to address:port in the
// host namespace (IPv4). Sockets of other processes do not count: on a
// shared host another test may get the same subnet once ours is gone.
bool udp_bound_here(const std::string& address, int port) {
  std::set<std::string> ours;
  std::error_code ec;
  for (std::filesystem::directory_iterator it("/proc/self/fd", ec), end; !ec && it != end; it.increment(ec)) {
    std::error_code rec;
    std::string target = std::filesystem::read_symlink(it->path(), rec).string();
    if (!rec && target.rfind("socket:[", 0) == 0) ours.insert(target.substr(8, target.size() - 9));
  }
  auto a = boost::asio::ip::make_address_v4(address).to_bytes();
  char want[32];
  std::snprintf(want, sizeof want, "%02X%02X%02X%02X:%04X", a[3], a[2], a[1], a[0], port);
  std::ifstream in("/proc/net/udp");
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    std::string slot, local, remote, state, queues, timer, retr, uid, timeout, inode;
    fields >> slot >> local >> remote >> state >> queues >> timer >> retr >> uid >> timeout >> inode;
    if (local == want && ours.count(inode)) return true;
  }
  return false;
}

// A DnsDaemon on its own io thread, stopped and joined on destruction.
class DaemonThread {
 public:
  explicit DaemonThread(DnsDaemonOptions options) : daemon_(io_, std::move(options)) {
    started_ = daemon_.start();
    if (started_) thread_ = std::thread([this] { io_.run(); });
  }
  ~DaemonThread() {
    if (thread_.joinable()) {
      boost::asio::post(io_, [this] { daemon_.stop(); });
      thread_.join();
    }
  }
  const Status& started() const { return started_; }
  std::map<std::string, std::string> served() const { return daemon_.served(); }

 private:
  boost::asio::io_context io_;
  DnsDaemon daemon_;
  Status started_;
  std::thread thread_;
};

// Sets an environment variable for its lifetime.
class ScopedEnv {
 public:
  ScopedEnv(std::string name, const std::string& value) : name_(std::move(name)) {
    if (const char* old = std::getenv(name_.c_str())) old_ = old;
    ::setenv(name_.c_str(), value.c_str(), 1);
  }
  ~ScopedEnv() {
    if (old_) ::setenv(name_.c_str(), old_->c_str(), 1);
    else ::unsetenv(name_.c_str());
  }

 private:
  std::string name_;
  std::optional<std::string> old_;
};

// Makes this process the subreaper of what it starts (the detached daemon
// is re-parented here, so the test can reap it and read its exit status);
// kills and reaps a daemon still running on destruction.
class DaemonReaper {
 public:
  DaemonReaper() { ::prctl(PR_SET_CHILD_SUBREAPER, 1); }
  ~DaemonReaper() {
    for (pid_t pid : pids_) {
      if (::waitpid(pid, nullptr, WNOHANG) != 0) continue;  // reaped or not ours
      ::kill(pid, SIGKILL);
      ::waitpid(pid, nullptr, 0);
    }
    ::prctl(PR_SET_CHILD_SUBREAPER, 0);
  }
  void watch(pid_t pid) { pids_.push_back(pid); }
  // The exit status once `pid` exited within `limit`; nullopt otherwise.
  std::optional<int> wait_exit(pid_t pid, std::chrono::milliseconds limit) {
    std::optional<int> code;
    eventually(
        [&] {
          int status = 0;
          if (::waitpid(pid, &status, WNOHANG) != pid) return false;
          code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
          return true;
        },
        limit);
    return code;
  }

 private:
  std::vector<pid_t> pids_;
};

pid_t lock_pid(const std::string& lock_path) {
  std::ifstream in(lock_path);
  long pid = 0;
  in >> pid;
  return static_cast<pid_t>(pid);
}

// The host links a test made, checked for leftovers after its scope. (A
// whole-host snapshot would also see other engineers' tests on this shared
// machine.)
struct MadeLinks {
  Strings names;
  void add(const std::string& name) {
    if (!name.empty()) names.push_back(name);
  }
  Strings left() const {
    Strings out;
    for (const auto& n : names)
      if (link_exists(n)) out.push_back(n);
    return out;
  }
};

std::string run_dir() {
  const char* run = std::getenv("RACKER_RUN");
  return run ? run : "";
}

}  // namespace

TEST_CASE("dns daemon answers container names per network and follows the store", "[integration][dns][daemon]") {
  if (!is_root()) {
    WARN("skipping: needs root");
    return;
  }
  MadeLinks made;
  {
    NetworkTestEnv env("netlink");
    auto nets = Networks::open();
    REQUIRE_OK(nets);
    RemoveAllNetworks guard{nets->get()};
    TestNetns a(env.netns_dir(), "dd-web-1"), b(env.netns_dir(), "dd-api-1"), c(env.netns_dir(), "dd-db-1");
    for (auto* ns : {&a, &b, &c}) REQUIRE(ns->ok());

    auto front = (*nets)->ensure_network(network_request("dd", "front"));
    REQUIRE_OK(front);
    auto back = (*nets)->ensure_network(network_request("dd", "back", true));  // internal: no upstreams
    REQUIRE_OK(back);
    auto ea = (*nets)->connect(a.path(), "dd_front", named_endpoint("dd-web-1", "web", {"www"}));
    auto eb = (*nets)->connect(b.path(), "dd_front", named_endpoint("dd-api-1", "api"));
    auto eb2 = (*nets)->connect(b.path(), "dd_back", named_endpoint("dd-api-1", "api", {"backend"}, 1));
    auto ec = (*nets)->connect(c.path(), "dd_back", named_endpoint("dd-db-1", "db", {"database"}));
    for (auto* e : {&ea, &eb, &eb2, &ec}) REQUIRE_OK(*e);
    for (const auto* n : {&front, &back}) made.add((*n)->ifname);
    for (const auto* e : {&ea, &eb, &eb2, &ec}) made.add((*e)->host_ifname);

    DnsDaemonOptions options;
    options.state_dir = env.state_dir();
    options.run_dir = run_dir();
    options.idle_exit = std::chrono::milliseconds(0);
    options.poll_interval = std::chrono::milliseconds(50);
    DaemonThread daemon(options);
    REQUIRE_OK(daemon.started());
    REQUIRE(eventually([&] { return daemon.served().size() == 2; }));
    CHECK(daemon.served() == std::map<std::string, std::string>{{"dd_back", back->gateway},
                                                                {"dd_front", front->gateway}});
    REQUIRE_OK(wait_dns_ready(front->gateway, std::chrono::seconds(5)));
    REQUIRE_OK(wait_dns_ready(back->gateway, std::chrono::seconds(5)));

    // Service, container name and alias on their own network.
    auto web = query_in(a.path(), front->gateway, "web");
    CHECK(web.rcode == kNoError);
    CHECK(a_records(web) == Strings{ea->ipv4});
    CHECK(a_records(query_in(a.path(), front->gateway, "dd-web-1")) == Strings{ea->ipv4});
    CHECK(a_records(query_in(b.path(), front->gateway, "www")) == Strings{ea->ipv4});
    CHECK(a_records(query_in(a.path(), front->gateway, "api")) == Strings{eb->ipv4});
    CHECK(a_records(query_in(c.path(), back->gateway, "database")) == Strings{ec->ipv4});
    CHECK(a_records(query_in(c.path(), back->gateway, "db")) == Strings{ec->ipv4});
    // The same container answers with its address on the asking network.
    CHECK(a_records(query_in(c.path(), back->gateway, "api")) == Strings{eb2->ipv4});
    CHECK(a_records(query_in(c.path(), back->gateway, "backend")) == Strings{eb2->ipv4});

    // Across networks: NXDOMAIN.
    CHECK(query_in(a.path(), front->gateway, "db").rcode == kNxDomain);
    CHECK(query_in(a.path(), front->gateway, "backend").rcode == kNxDomain);
    CHECK(query_in(c.path(), back->gateway, "web").rcode == kNxDomain);
    CHECK(query_in(c.path(), back->gateway, "dd-web-1").rcode == kNxDomain);

    // An internal network forwards nothing: other names get SERVFAIL at once.
    auto outside = query_in(c.path(), back->gateway, "www.example.com");
    CHECK(outside.parsed);
    CHECK(outside.rcode == kServFail);

    // A removed endpoint disappears.
    REQUIRE_OK((*nets)->disconnect("dd_front", "dd-api-1"));
    CHECK(eventually([&] { return query_in(a.path(), front->gateway, "api").rcode == kNxDomain; }));
    CHECK(a_records(query_in(a.path(), front->gateway, "web")) == Strings{ea->ipv4});

    // A removed network's server stops.
    REQUIRE(udp_bound_here(back->gateway, 53));
    REQUIRE_OK((*nets)->remove_network("dd_back", true));
    CHECK(eventually([&] { return daemon.served().count("dd_back") == 0; }));
    CHECK_FALSE(udp_bound_here(back->gateway, 53));
    CHECK(daemon.served().count("dd_front") == 1);
    CHECK(a_records(query_in(a.path(), front->gateway, "www")) == Strings{ea->ipv4});

    // The last endpoint of a network going stops its server too.
    REQUIRE_OK((*nets)->disconnect("dd_front", "dd-web-1"));
    CHECK(eventually([&] { return daemon.served().empty(); }));
    CHECK_FALSE(udp_bound_here(front->gateway, 53));
  }
  CHECK(made.left() == Strings{});
}

TEST_CASE("ensure_dns_daemon starts one detached daemon that serves and exits when idle",
          "[integration][dns][daemon]") {
  if (!is_root()) {
    WARN("skipping: needs root");
    return;
  }
  MadeLinks made;
  {
    NetworkTestEnv env("netlink");
    ScopedEnv idle("RACKER_DNS_IDLE_SECONDS", "1");
    DaemonReaper reaper;
    auto nets = Networks::open();
    REQUIRE_OK(nets);
    RemoveAllNetworks guard{nets->get()};
    TestNetns a(env.netns_dir(), "de-web-1");
    REQUIRE(a.ok());
    auto net = (*nets)->ensure_network(network_request("de", "default"));
    REQUIRE_OK(net);
    auto ea = (*nets)->connect(a.path(), "de_default", named_endpoint("de-web-1", "web"));
    REQUIRE_OK(ea);
    made.add(net->ifname);
    made.add(ea->host_ifname);

    std::string lock_path = dns_lock_path();
    REQUIRE_OK(ensure_dns_daemon(RACKER_BINARY));
    // The daemon writes its pid just after taking the lock.
    REQUIRE(eventually([&] { return lock_pid(lock_path) > 0; }));
    pid_t pid = lock_pid(lock_path);
    reaper.watch(pid);
    REQUIRE_OK(wait_dns_ready(net->gateway, std::chrono::seconds(5)));
    CHECK(a_records(query_in(a.path(), net->gateway, "web")) == Strings{ea->ipv4});
    CHECK(a_records(query_in(a.path(), net->gateway, "de-web-1")) == Strings{ea->ipv4});

    // A second call finds it running: still one daemon.
    REQUIRE_OK(ensure_dns_daemon(RACKER_BINARY));
    CHECK(lock_pid(lock_path) == pid);

    // No endpoints left: it exits (cleanly) after its idle time.
    REQUIRE_OK((*nets)->remove_network("de_default", true));
    auto code = reaper.wait_exit(pid, std::chrono::seconds(15));
    REQUIRE(code.has_value());
    CHECK(*code == 0);

    // Started again, SIGTERM stops it with exit status 0.
    auto net2 = (*nets)->ensure_network(network_request("de", "default"));
    REQUIRE_OK(net2);
    made.add(net2->ifname);
    auto ea2 = (*nets)->connect(a.path(), "de_default", named_endpoint("de-web-1", "web"));
    REQUIRE_OK(ea2);
    made.add(ea2->host_ifname);
    REQUIRE_OK(ensure_dns_daemon(RACKER_BINARY));
    REQUIRE(eventually([&] { return lock_pid(lock_path) != pid && lock_pid(lock_path) > 0; }));
    pid_t pid2 = lock_pid(lock_path);
    reaper.watch(pid2);
    REQUIRE_OK(wait_dns_ready(net2->gateway, std::chrono::seconds(5)));
    REQUIRE(::kill(pid2, SIGTERM) == 0);
    auto code2 = reaper.wait_exit(pid2, std::chrono::seconds(10));
    REQUIRE(code2.has_value());
    CHECK(*code2 == 0);

    std::ifstream log(run_dir() + "/dns.log");
    std::stringstream text;
    text << log.rdbuf();
    INFO(text.str());
    CHECK(text.str().find("serving de_default") != std::string::npos);
  }
  CHECK(made.left() == Strings{});
}
