#pragma once
// A stand-in for the host's resolver in DNS tests: a tiny UDP + TCP DNS
// responder on a loopback address and a free port, on the caller's
// io_context. In kAnswer mode it answers A with 198.51.100.7 and AAAA with
// 2001:db8::7 (documentation ranges: data only, nothing is ever sent there);
// names starting with "big." get 40 A records, truncated (TC) over UDP when
// the query has no EDNS. kSilent drops every query; kServFail answers
// SERVFAIL. Counters are safe to read from any thread.
//
// Loop affinity: construct before running `io`, destroy after it stopped
// (or call close() on its thread first).

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ip/udp.hpp>

namespace racker::test {

class DnsFakeUpstream {
 public:
  enum class Mode { kAnswer, kSilent, kServFail };

  explicit DnsFakeUpstream(boost::asio::io_context& io, const std::string& address = "127.0.0.1");
  ~DnsFakeUpstream();

  bool ok() const { return error_.empty(); }
  const std::string& error() const { return error_; }
  boost::asio::ip::udp::endpoint endpoint() const;

  void set_mode(Mode mode) { mode_ = mode; }
  int udp_queries() const { return udp_queries_; }
  int tcp_queries() const { return tcp_queries_; }
  std::vector<std::string> names() const;  // question names seen, in order
  void close();

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
  std::atomic<Mode> mode_{Mode::kAnswer};
  std::atomic<int> udp_queries_{0}, tcp_queries_{0};
  mutable std::mutex mu_;
  std::vector<std::string> names_;
  std::string error_;

  std::vector<uint8_t> respond(const std::vector<uint8_t>& query, bool over_udp);
};

}  // namespace racker::test
