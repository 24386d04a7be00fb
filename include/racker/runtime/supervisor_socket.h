#pragma once
// The control socket between racker's CLI and a project supervisor: a unix
// stream socket (mode 0600: root only) carrying JSON lines, one request and
// one response per line. The server lives on the supervisor's io_context;
// the client is blocking, with a deadline, for CLI use.
//
// Requests: {"op":"ping"} -> {"ok":true,"pid":N,"project":"p","mode":"..."};
//           {"op":"shutdown"} -> {"ok":true}, then the supervisor exits and
//           leaves the containers running (a new `up` takes over);
//           {"op":"status"} -> {"ok":true,"containers":[{"name","state","health"}]}.

#include <boost/asio/io_context.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "racker/util/error.h"

namespace racker::runtime {

class SupervisorServer {
 public:
  // Request line (without '\n') -> response line (without '\n'). Loop thread.
  using Handler = std::function<std::string(const std::string& request)>;

  // Binds `path` (replacing a stale socket file), mode 0600, and accepts.
  static Result<std::unique_ptr<SupervisorServer>> listen(boost::asio::io_context& io, const std::string& path,
                                                          Handler handler);
  ~SupervisorServer();
  // Stops accepting, closes connections and removes the socket file.
  void close();

 private:
  SupervisorServer(boost::asio::io_context& io, std::string path, Handler handler);
  void accept();

  boost::asio::local::stream_protocol::acceptor acceptor_;
  std::string path_;
  Handler handler_;
  std::shared_ptr<bool> alive_;
};

// Sends one request line and returns the response line. kNotFound when no
// one listens; kTimeout past `timeout`.
Result<std::string> supervisor_request(const std::string& path, const std::string& request,
                                       std::chrono::milliseconds timeout = std::chrono::seconds(5));

}  // namespace racker::runtime
