#pragma once
// racker's host DNS daemon: one process per host (per $RACKER_RUN) that runs
// an embedded DnsServer (dns_server.h) on the IPv4 gateway of every network
// in the NetworkStore that has endpoints, so containers resolve each other by
// container name, service, alias and hostname (issue 5).
//
// The store is the only input: racker processes write endpoint records
// (networks.h) and the daemon notices within a poll interval, rebuilds its
// DnsRecords and starts, restarts (changed gateway) or stops servers. A
// server that cannot bind is logged and retried later, never fatal.
//
// Singleton: a daemon holds flock(2) on $RACKER_RUN/dns.lock while it serves
// (the file holds its pid, for diagnostics). ensure_dns_daemon() starts one
// when the lock is free. A daemon exits once no network has had endpoints for
// its idle time; before exiting it releases the lock and reads the store once
// more, so an endpoint written by a racker process that saw the lock held is
// never left without a server (see DnsDaemon::idle_check in the .cpp).

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/udp.hpp>
#include <boost/asio/steady_timer.hpp>

#include "racker/network/dns_records.h"
#include "racker/network/dns_server.h"
#include "racker/network/network_state.h"
#include "racker/util/error.h"

namespace racker::network {

// ---- Pure parts (unit tested) ----

// The DNS endpoints `network` describes: one per endpoint record, named by
// container, service, aliases and hostname, with its IPv4/IPv6 addresses.
// Addresses that do not parse are left out.
std::vector<DnsEndpoint> dns_endpoints(const NetworkRecord& network);

// Makes each listed network's view of `records` equal to its endpoints:
// endpoints no longer recorded are removed, the others added or replaced.
// Views of networks not in `networks` are left alone (the caller drops them
// with DnsRecords::remove_network). Invalid names are skipped; the error
// lists them, everything valid is still loaded.
Status fill_dns_records(const std::vector<NetworkRecord>& networks, DnsRecords& records);

// True when the daemon runs a server for `network`: it is not being removed,
// has an IPv4 gateway and at least one endpoint.
bool dns_serves(const NetworkRecord& network);

// Server options for `network` on `port`: its gateway, its name as the zone,
// and `upstreams` unless the network is internal (local names only; other
// names get SERVFAIL at once). kInvalidArgument when the gateway is no address.
Result<DnsServerOptions> dns_server_options(const NetworkRecord& network,
                                            const std::vector<boost::asio::ip::udp::endpoint>& upstreams,
                                            uint16_t port = 53);

// ---- The daemon ----

struct DnsDaemonOptions {
  std::string state_dir;  // NetworkStore dir; "" = NetworkStore::default_dir()
  std::string run_dir;    // holds dns.lock; "" = $RACKER_RUN or /run/racker
  bool take_lock = true;  // false: no singleton lock (in-process tests)
  std::string resolv_conf = "/etc/resolv.conf";
  uint16_t port = 53;
  std::chrono::milliseconds poll_interval{200};
  // Exit after this long without any network with endpoints; 0 = never.
  std::chrono::milliseconds idle_exit{std::chrono::seconds(10)};
  // A server that failed to bind is tried again after this long (and at
  // every change of the store).
  std::chrono::milliseconds bind_retry{std::chrono::seconds(2)};
  // Called on the loop thread once the daemon has stopped by itself (idle)
  // or through stop().
  std::function<void()> on_exit;
};

// Defaults from the environment: RACKER_RUN, and RACKER_DNS_IDLE_SECONDS
// for idle_exit.
DnsDaemonOptions dns_daemon_options_from_env();

// $RACKER_RUN/dns.lock for `run_dir` ("" = $RACKER_RUN or /run/racker).
std::string dns_lock_path(const std::string& run_dir = "");

class DnsDaemon {
 public:
  // Loop affinity: construct, start, stop and destroy on the thread that
  // runs `io` (or before it runs). served() may be called from any thread.
  DnsDaemon(boost::asio::io_context& io, DnsDaemonOptions options);
  ~DnsDaemon();  // stop() without on_exit
  DnsDaemon(const DnsDaemon&) = delete;
  DnsDaemon& operator=(const DnsDaemon&) = delete;

  // Takes the lock (waiting briefly for a racing prober), reads the store,
  // starts servers and polling. kConflict when another daemon holds the lock.
  Status start();

  // Stops polling and every server, releases the lock, calls on_exit.
  // Idempotent.
  void stop();

  // Network name -> gateway of each server running now.
  std::map<std::string, std::string> served() const;

 private:
  struct Served {
    std::string gateway;
    bool internal = false;
    std::unique_ptr<DnsServer> server;  // null while binding fails
    std::chrono::steady_clock::time_point last_try{};
  };

  void schedule();
  void tick();
  // Re-reads the store when its files changed (or `force`), rebuilds the
  // records and reconciles the servers. Returns whether any network has
  // endpoints.
  bool refresh(bool force);
  void reconcile(const std::vector<NetworkRecord>& networks, bool changed);
  void idle_check();
  bool lock(std::chrono::milliseconds patience);
  void unlock();
  void publish();
  void finish(bool notify);

  boost::asio::io_context& io_;
  DnsDaemonOptions options_;
  NetworkStore store_;
  DnsRecords records_;
  boost::asio::steady_timer timer_;
  std::vector<boost::asio::ip::udp::endpoint> upstreams_;
  std::string upstream_problem_;  // the last resolv.conf error, logged once
  std::map<std::string, Served> servers_;  // by network name
  std::map<std::string, NetworkRecord> wanted_;  // networks to serve, at the last read
  std::vector<std::string> known_;         // networks whose view records_ holds
  std::string signature_;                  // of the store's files at the last read
  bool busy_ = false;                      // some network had endpoints at the last read
  std::chrono::steady_clock::time_point last_busy_;
  int lock_fd_ = -1;
  bool running_ = false;

  mutable std::mutex served_mu_;
  std::map<std::string, std::string> served_;
};

// Runs a daemon with options_from_env in the foreground until SIGTERM/SIGINT
// or idle exit; 0 when it ran and stopped cleanly or another daemon already
// holds the lock. For `racker system dns-daemon`.
int run_dns_daemon_foreground(DnsDaemonOptions options);

// Starts `<racker_binary> system dns-daemon` fully detached (own session,
// stdin /dev/null, output appended to $RACKER_RUN/dns.log, no inherited
// fds, the environment passed through) unless the lock is held, and waits up
// to 5 s until it is. Call it after writing the endpoints the daemon must serve.
Status ensure_dns_daemon(const std::string& racker_binary);

// Sends a DNS query over UDP to gateway:53 (every 100 ms) until any answer
// comes back; kTimeout after `timeout`. So a container's first lookup after
// `up` finds a server.
Status wait_dns_ready(const std::string& gateway, std::chrono::milliseconds timeout,
                      uint16_t port = 53);

// Like wait_dns_ready, until the server answers `name` with `address`: the
// daemon has loaded this endpoint (a server answering from the records of a
// project just taken down would pass wait_dns_ready).
Status wait_dns_answers(const std::string& gateway, const std::string& name, const std::string& address,
                        std::chrono::milliseconds timeout, uint16_t port = 53);

}  // namespace racker::network
