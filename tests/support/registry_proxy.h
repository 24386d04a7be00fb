#pragma once
// A TCP relay in front of a registry on 127.0.0.1 that can hold a transfer
// mid-way, so a test can interrupt a pull at a known point instead of
// racing it: after hold_after(N), once N bytes in total have gone from the
// registry to clients, no more are forwarded until release(). Counts how
// many client connections were open at once (proof of parallel downloads).
//
// One thread accepts, one thread per connection relays (poll, 50 ms ticks);
// the destructor closes every socket and joins every thread.

#include <atomic>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace racker::test {

class RegistryProxy {
 public:
  explicit RegistryProxy(int upstream_port);
  ~RegistryProxy();
  RegistryProxy(const RegistryProxy&) = delete;
  RegistryProxy& operator=(const RegistryProxy&) = delete;

  bool ok() const { return port_ > 0; }
  std::string host() const { return "127.0.0.1:" + std::to_string(port_); }

  void hold_after(int64_t bytes);  // REQUIRES: before traffic starts
  void release();
  int64_t forwarded() const { return forwarded_; }  // registry -> clients, bytes
  bool holding() const;                            // the budget is used up and bytes wait
  int max_concurrent() const { return max_open_; }

 private:
  void accept_loop();
  void relay(int client);

  int upstream_port_;
  int port_ = 0;
  int listen_fd_ = -1;
  std::atomic<bool> stopping_{false};
  std::atomic<int64_t> budget_{-1};  // -1: unlimited
  std::atomic<int64_t> forwarded_{0};
  std::atomic<int> open_{0}, max_open_{0};
  std::mutex mu_;
  std::vector<std::thread> threads_;  // guarded by mu_
  std::thread acceptor_;
};

}  // namespace racker::test
