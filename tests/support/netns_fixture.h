#pragma once
// Network namespaces for tests, with everything they create removed on
// destruction (also when a test fails): namespaces standing in for
// containers, an "outside world" namespace routed from the host through a
// veth of its own (so egress can be tested without contacting anything real),
// probes run inside namespaces (ping, TCP connect, a TCP listener that
// records who connected), and host snapshots (links, networkd units, nft
// ruleset) to compare before and after. Root only. Generic: nothing here
// knows about racker networks.

#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "support/container_harness.h"  // shell_output()
#include "support/image_tar_builder.h"

namespace racker::test {

// True when the process is root (integration tests SUCCEED-skip otherwise).
bool is_root();

// A named network namespace file under a temporary directory; lo is up.
class TestNetns {
 public:
  explicit TestNetns(const std::string& dir, const std::string& name);
  ~TestNetns();
  TestNetns(const TestNetns&) = delete;
  TestNetns& operator=(const TestNetns&) = delete;
  const std::string& path() const { return path_; }
  bool ok() const { return ok_; }
  // Forgets the namespace without deleting it (a test that deletes it itself).
  void release() { ok_ = false; }

 private:
  std::string path_;
  bool ok_ = false;
};

// Runs argv[0] (absolute path) inside `netns` (a namespace file), waits at
// most `timeout`; returns the exit code (-1 on failure to run or timeout).
// Output goes to *output when given.
int run_in(const std::string& netns, const std::vector<std::string>& argv,
           std::chrono::milliseconds timeout = std::chrono::seconds(10), std::string* output = nullptr);

// True once `busybox ping -c1 -W1 address` inside `netns` gets a reply,
// retried for up to 15 s: a new veth's carrier (and so its bridge port) comes
// up asynchronously, later still on a loaded machine.
bool ping(const std::string& netns, const std::string& address);

// One `busybox ping -c1 -W1`, for checks that expect no reply (retrying
// those would only slow them down).
bool ping_once(const std::string& netns, const std::string& address);

// A TCP connection from inside `netns` to address:port within `timeout`.
bool tcp_connect(const std::string& netns, const std::string& address, int port,
                 std::chrono::milliseconds timeout = std::chrono::seconds(2));

// Accepts connections on address:port inside `netns` on a thread of its own,
// recording each peer's address, until destroyed.
class TcpListener {
 public:
  TcpListener(const std::string& netns, const std::string& address, int port);
  ~TcpListener();
  bool ok() const { return ok_; }
  // The peers seen so far (addresses, in order).
  std::vector<std::string> peers() const;
  // peers() once it has at least `count` entries, or when `timeout` passed:
  // a connect() returns when the kernel completed the handshake, before
  // this listener's thread got round to accept().
  std::vector<std::string> wait_for_peers(std::size_t count,
                                          std::chrono::milliseconds timeout = std::chrono::seconds(5)) const;

 private:
  void run(const std::string& netns, const std::string& address, int port);
  std::thread thread_;
  std::atomic<bool> stop_{false};
  std::atomic<bool> ok_{false};
  std::atomic<bool> ready_{false};
  mutable std::mutex mu_;
  std::vector<std::string> peers_;
};

// A namespace that plays "the internet": reachable from the host through a
// veth pair (host side `host_ifname` with host_address/24, outside side with
// outside_address/24). The outside knows no route back to container subnets,
// so replies reach containers only if their traffic was masqueraded.
class OutsideWorld {
 public:
  // Addresses from TEST-NET-2 (198.51.100.0/24) unless given.
  explicit OutsideWorld(const std::string& dir, std::string host_address = "198.51.100.1",
                        std::string outside_address = "198.51.100.2");
  ~OutsideWorld();
  bool ok() const { return ok_; }
  const std::string& netns() const { return ns_->path(); }
  const std::string& host_address() const { return host_address_; }
  const std::string& address() const { return outside_address_; }
  const std::string& host_ifname() const { return host_ifname_; }

 private:
  std::unique_ptr<TestNetns> ns_;
  std::string host_address_, outside_address_, host_ifname_;
  bool ok_ = false;
};

// What a network test must leave as it found it.
struct HostSnapshot {
  std::vector<std::string> links;   // names in the host namespace, sorted
  std::vector<std::string> units;   // files in /run/systemd/network, sorted
  std::string ruleset;              // `nft -s list ruleset`, without other engineers' racker_ports table
  static HostSnapshot take();
  // "" when equal, else a readable diff.
  static std::string diff(const HostSnapshot& before, const HostSnapshot& after);
  // Like diff() restricted to links whose names start with "rk" (racker's and
  // this fixture's): other processes on a shared host may add their own.
  static std::string racker_diff(const HostSnapshot& before, const HostSnapshot& after);
};

// Sets RACKER_ROOT and RACKER_RUN to temporary directories (and
// RACKER_NETWORK_BACKEND when given) for its lifetime.
class NetworkTestEnv {
 public:
  explicit NetworkTestEnv(const std::string& backend = "");
  ~NetworkTestEnv();
  const std::string& root() const { return root_.path(); }
  std::string state_dir() const { return root_.path() + "/network"; }
  std::string netns_dir() const { return run_.path() + "/netns"; }

 private:
  TempDir root_, run_;
  std::vector<std::pair<std::string, std::optional<std::string>>> saved_;
};

// Starts dbus, udevd and networkd through scripts/host-services when
// networkd is not on the bus yet. "" when networkd is usable, else why not.
std::string ensure_networkd();


}  // namespace racker::test
