#pragma once
// The web server behind `racker compose dashboard`: Boost.Beast on the
// caller's io_context. It is read-only by construction: GET and HEAD are
// answered by a route function, every other method gets 405. One path is a
// server-sent events stream: clients stay connected and receive every frame
// publish() sends, starting with what `greeting` returns. Loop thread only.

#include <boost/asio/io_context.hpp>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "racker/util/error.h"

namespace racker::runtime {

struct HttpReply {
  unsigned status = 200;
  std::string content_type = "text/plain; charset=utf-8";
  std::string body;
};

// A GET route's answer for a path (query string removed); nullopt: 404.
using Routes = std::function<std::optional<HttpReply>(const std::string& path)>;

// The reply to one request line (events path excluded).
HttpReply answer_request(const std::string& method, const std::string& target, const Routes& routes);

// One event-stream frame: "event: NAME\ndata: ...\n\n", a data line per line of
// `data` (SSE has no other way to carry a newline).
std::string sse_frame(const std::string& event, const std::string& data);

class DashboardServer {
 public:
  struct Options {
    std::string address = "127.0.0.1";
    uint16_t port = 0;  // 0: any free port
    std::string events_path = "/api/events";
    Routes routes;
    std::function<std::string()> greeting;  // frames a new events client gets first
  };

  // Binds and starts accepting. kConflict when the address is in use.
  static Result<std::unique_ptr<DashboardServer>> start(boost::asio::io_context& io, Options options);
  ~DashboardServer();
  DashboardServer(const DashboardServer&) = delete;
  DashboardServer& operator=(const DashboardServer&) = delete;

  uint16_t port() const;
  // Sends a frame (sse_frame) to every events client.
  void publish(const std::string& frame);
  size_t event_clients() const;
  // Stops accepting and closes every connection.
  void stop();

  struct Hub;  // shared with the connections (dashboard_server.cpp)

 private:
  explicit DashboardServer(std::shared_ptr<Hub> hub) : hub_(std::move(hub)) {}
  std::shared_ptr<Hub> hub_;
};

}  // namespace racker::runtime
