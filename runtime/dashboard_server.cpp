#include "racker/runtime/dashboard_server.h"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <deque>
#include <set>

namespace racker::runtime {

namespace beast = boost::beast;
namespace http = boost::beast::http;
using boost::asio::ip::tcp;

namespace {

constexpr auto kIdleTimeout = std::chrono::seconds(30);
constexpr size_t kMaxQueuedFrames = 1000;  // a client this far behind is dropped

std::string path_of(const std::string& target) { return target.substr(0, target.find('?')); }

}  // namespace

HttpReply answer_request(const std::string& method, const std::string& target, const Routes& routes) {
  if (method != "GET" && method != "HEAD") return {405, "text/plain; charset=utf-8", "read-only: GET only\n"};
  if (target.empty() || target[0] != '/') return {400, "text/plain; charset=utf-8", "bad request target\n"};
  if (auto reply = routes(path_of(target))) return *reply;
  return {404, "text/plain; charset=utf-8", "not found\n"};
}

std::string sse_frame(const std::string& event, const std::string& data) {
  std::string out = "event: " + event + "\n";
  size_t start = 0;
  while (true) {
    size_t nl = data.find('\n', start);
    std::string line = data.substr(start, nl == std::string::npos ? std::string::npos : nl - start);
    if (!line.empty() && line.back() == '\r') line.pop_back();
    out += "data: " + line + "\n";
    if (nl == std::string::npos) break;
    start = nl + 1;
  }
  return out + "\n";
}

class Connection;

struct DashboardServer::Hub {
  explicit Hub(boost::asio::io_context& io) : acceptor(io), keepalive(io) {}
  tcp::acceptor acceptor;
  boost::asio::steady_timer keepalive;
  Options options;
  std::set<std::shared_ptr<Connection>> subscribers;
  std::set<std::weak_ptr<Connection>, std::owner_less<std::weak_ptr<Connection>>> open;
  bool stopped = false;
};

// One client connection: HTTP requests until it asks for the event stream,
// then a queue of frames written one after the other.
class Connection : public std::enable_shared_from_this<Connection> {
 public:
  Connection(tcp::socket socket, std::shared_ptr<DashboardServer::Hub> hub)
      : stream_(std::move(socket)), hub_(std::move(hub)) {}

  void start() { read_request(); }

  void send(const std::string& frame) {
    if (queue_.size() >= kMaxQueuedFrames) return close();
    queue_.push_back(frame);
    if (queue_.size() == 1) write_next();
  }

  void close() {
    if (closed_) return;
    closed_ = true;
    hub_->subscribers.erase(shared_from_this());
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ec);
    stream_.socket().close(ec);
  }

 private:
  void read_request() {
    request_ = {};
    stream_.expires_after(kIdleTimeout);
    http::async_read(stream_, buffer_, request_, [self = shared_from_this()](beast::error_code ec, size_t) {
      if (ec) return self->close();
      self->on_request();
    });
  }

  void on_request() {
    std::string method(request_.method_string()), target(request_.target());
    if (method == "GET" && path_of(target) == hub_->options.events_path) return subscribe();
    HttpReply reply = answer_request(method, target, hub_->options.routes);
    auto response = std::make_shared<http::response<http::string_body>>(static_cast<http::status>(reply.status),
                                                                        request_.version());
    response->set(http::field::server, "racker");
    response->set(http::field::content_type, reply.content_type);
    response->set(http::field::cache_control, "no-store");
    if (reply.status == 405) response->set(http::field::allow, "GET, HEAD");
    size_t length = reply.body.size();  // HEAD: the length GET would send, no body
    if (method != "HEAD") response->body() = std::move(reply.body);
    response->content_length(length);
    response->keep_alive(request_.keep_alive());
    http::async_write(stream_, *response, [self = shared_from_this(), response](beast::error_code ec, size_t) {
      if (ec || !response->keep_alive()) return self->close();
      self->read_request();
    });
  }

  void subscribe() {
    stream_.expires_never();
    hub_->subscribers.insert(shared_from_this());
    send(
        "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nCache-Control: no-store\r\n"
        "Connection: keep-alive\r\nX-Accel-Buffering: no\r\n\r\n");
    send("retry: 1000\n\n");
    if (hub_->options.greeting) send(hub_->options.greeting());
    watch_for_close();
  }

  // A client that goes away is seen as EOF on the otherwise unused read side.
  void watch_for_close() {
    stream_.socket().async_read_some(boost::asio::buffer(sink_), [self = shared_from_this()](beast::error_code ec, size_t) {
      if (ec) return self->close();
      self->watch_for_close();
    });
  }

  void write_next() {
    if (closed_ || queue_.empty()) return;
    boost::asio::async_write(stream_.socket(), boost::asio::buffer(queue_.front()),
                             [self = shared_from_this()](beast::error_code ec, size_t) {
                               if (ec) return self->close();
                               self->queue_.pop_front();
                               self->write_next();
                             });
  }

  beast::tcp_stream stream_;
  std::shared_ptr<DashboardServer::Hub> hub_;
  beast::flat_buffer buffer_;
  http::request<http::string_body> request_;
  std::deque<std::string> queue_;
  char sink_[256];
  bool closed_ = false;
};

namespace {

void accept_next(const std::shared_ptr<DashboardServer::Hub>& hub) {
  hub->acceptor.async_accept([hub](beast::error_code ec, tcp::socket socket) {
    if (hub->stopped) return;
    if (!ec) {
      auto c = std::make_shared<Connection>(std::move(socket), hub);
      std::erase_if(hub->open, [](const auto& weak) { return weak.expired(); });
      hub->open.insert(c);
      c->start();
    }
    accept_next(hub);
  });
}

// A comment line every 15 s keeps proxies from timing the stream out and
// finds clients that vanished without a FIN.
void arm_keepalive(const std::shared_ptr<DashboardServer::Hub>& hub) {
  hub->keepalive.expires_after(std::chrono::seconds(15));
  hub->keepalive.async_wait([hub](beast::error_code ec) {
    if (ec || hub->stopped) return;
    auto subscribers = hub->subscribers;
    for (const auto& c : subscribers) c->send(": keep-alive\n\n");
    arm_keepalive(hub);
  });
}

}  // namespace

Result<std::unique_ptr<DashboardServer>> DashboardServer::start(boost::asio::io_context& io, Options options) {
  auto hub = std::make_shared<Hub>(io);
  hub->options = std::move(options);
  beast::error_code ec;
  auto address = boost::asio::ip::make_address(hub->options.address, ec);
  if (ec) return Error(Errc::kInvalidArgument, "invalid listen address \"" + hub->options.address + "\"");
  tcp::endpoint endpoint(address, hub->options.port);
  std::string where = hub->options.address + ":" + std::to_string(hub->options.port);
  hub->acceptor.open(endpoint.protocol(), ec);
  if (!ec) hub->acceptor.set_option(tcp::acceptor::reuse_address(true), ec);
  if (!ec) hub->acceptor.bind(endpoint, ec);
  if (ec == boost::asio::error::address_in_use)
    return Error(Errc::kConflict, "cannot listen on " + where + ": the address is already in use");
  if (!ec) hub->acceptor.listen(boost::asio::socket_base::max_listen_connections, ec);
  if (ec) return Error(Errc::kIo, "cannot listen on " + where + ": " + ec.message());
  accept_next(hub);
  arm_keepalive(hub);
  return std::unique_ptr<DashboardServer>(new DashboardServer(std::move(hub)));
}

DashboardServer::~DashboardServer() { stop(); }

uint16_t DashboardServer::port() const {
  beast::error_code ec;
  auto endpoint = hub_->acceptor.local_endpoint(ec);
  return ec ? 0 : endpoint.port();
}

void DashboardServer::publish(const std::string& frame) {
  auto subscribers = hub_->subscribers;  // send() may drop a client from the set
  for (const auto& c : subscribers) c->send(frame);
}

size_t DashboardServer::event_clients() const { return hub_->subscribers.size(); }

void DashboardServer::stop() {
  if (hub_->stopped) return;
  hub_->stopped = true;
  beast::error_code ec;
  hub_->acceptor.close(ec);
  hub_->keepalive.cancel();
  for (const auto& weak : hub_->open)
    if (auto c = weak.lock()) c->close();
  hub_->open.clear();
  hub_->subscribers.clear();
}

}  // namespace racker::runtime
