#pragma once
// A running embedded DNS server for tests: a registry, a fake upstream on
// 127.0.0.1 and one or more DnsServer listeners on 127.0.0.1 (free ports),
// all on one io_context run by a background thread, so a test thread can
// query with blocking clients and update the registry (which is thread-safe)
// while the server serves. The destructor stops the servers on their loop,
// lets pending handlers finish and joins the thread, also when a test fails.

#include <atomic>
#include <future>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>

#include "racker/network/dns_records.h"
#include "racker/network/dns_server.h"
#include "support/dns_fake_upstream.h"

namespace racker::test {

class DnsServerFixture {
 public:
  // One listener per network name; upstream timeout per attempt.
  explicit DnsServerFixture(std::vector<std::string> networks = {"proj_default"},
                            std::chrono::milliseconds upstream_timeout = std::chrono::milliseconds(300));
  ~DnsServerFixture();
  DnsServerFixture(const DnsServerFixture&) = delete;
  DnsServerFixture& operator=(const DnsServerFixture&) = delete;

  // Empty when everything started; else why not.
  const std::string& error() const { return error_; }

  network::DnsRecords& records() { return records_; }
  DnsFakeUpstream& upstream() { return *upstream_; }
  uint16_t port(size_t index = 0) const { return ports_.at(index); }

  // Adds an endpoint with IPv4 addresses (test shorthand).
  void add(const std::string& network, const std::string& container, const std::string& service,
           const std::vector<std::string>& addresses, const std::vector<std::string>& aliases = {},
           const std::string& hostname = "");

  // Runs `f` on the loop thread and waits for it.
  void on_loop(std::function<void()> f);

  // Stops listener `index` on its loop (the others keep serving).
  void stop_server(size_t index);

  // Server counters, read on the loop thread.
  network::DnsServerStats stats(size_t index = 0);

 private:
  network::DnsRecords records_;
  boost::asio::io_context io_;
  std::optional<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>> work_;
  std::unique_ptr<DnsFakeUpstream> upstream_;
  std::vector<std::unique_ptr<network::DnsServer>> servers_;
  std::vector<uint16_t> ports_;
  std::thread thread_;
  std::atomic<bool> finished_{false};
  std::string error_;
};

// Runs `dig` (bind9-dnsutils) against 127.0.0.1:port; nullopt when dig is
// not installed. `args` are extra dig arguments (name, type, +tcp, ...).
std::optional<std::string> run_dig(uint16_t port, const std::string& args);

}  // namespace racker::test
