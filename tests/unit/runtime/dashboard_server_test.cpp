// The dashboard's web server: routing and event-stream framing as pure
// functions, then the real server on a loopback port (its own io_context
// thread) with plain sockets as clients.
#include "racker/runtime/dashboard_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <boost/asio/post.hpp>
#include <catch2/catch.hpp>
#include <chrono>
#include <future>
#include <thread>

using namespace racker::runtime;

namespace {

std::optional<HttpReply> routes(const std::string& path) {
  if (path == "/api/services") return HttpReply{200, "application/json", "[]"};
  return std::nullopt;
}

// A running server on 127.0.0.1:<any port>, its loop on a thread of its own.
struct LiveServer {
  boost::asio::io_context io;
  std::unique_ptr<DashboardServer> server;
  std::thread loop;
  std::atomic<int> greetings{0};

  LiveServer() {
    DashboardServer::Options o;
    o.routes = routes;
    o.greeting = [this] {
      ++greetings;
      return sse_frame("hello", "{}");
    };
    auto started = DashboardServer::start(io, o);
    REQUIRE(started.ok());
    server = std::move(*started);
    loop = std::thread([this] { io.run(); });
  }
  ~LiveServer() {
    boost::asio::post(io, [this] { server->stop(); });
    io.stop();
    loop.join();
  }
  // Runs `f` on the loop thread and waits for its result.
  template <class F>
  auto on_loop(F f) {
    std::packaged_task<decltype(f())()> task(f);
    auto result = task.get_future();
    boost::asio::post(io, [&task] { task(); });
    return result.get();
  }
};

int connect_to(uint16_t port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  timeval tv{10, 0};  // a test that hangs fails instead
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  return fd;
}

void send_text(int fd, const std::string& text) { REQUIRE(::write(fd, text.data(), text.size()) == ssize_t(text.size())); }

// Reads until `needle` shows up (or the connection ends / times out).
std::string read_until(int fd, const std::string& needle) {
  std::string got;
  char buf[4096];
  while (got.find(needle) == std::string::npos) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n <= 0) break;
    got.append(buf, static_cast<size_t>(n));
  }
  return got;
}

template <class F>
bool eventually(F done) {
  for (int i = 0; i < 200 && !done(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(25));
  return done();
}

}  // namespace

TEST_CASE("dashboard: only GET and HEAD are answered, unknown paths are 404", "[dashboard]") {
  CHECK(answer_request("GET", "/api/services", routes).status == 200);
  CHECK(answer_request("GET", "/api/services?x=1", routes).body == "[]");
  CHECK(answer_request("HEAD", "/api/services", routes).content_type == "application/json");
  CHECK(answer_request("GET", "/nope", routes).status == 404);
  for (const char* method : {"POST", "PUT", "DELETE", "PATCH", "OPTIONS"})
    CHECK(answer_request(method, "/api/services", routes).status == 405);
  CHECK(answer_request("GET", "http://elsewhere/", routes).status == 400);
}

TEST_CASE("dashboard: an event frame carries each line of its data on a data line", "[dashboard]") {
  CHECK(sse_frame("log", "{\"a\":1}") == "event: log\ndata: {\"a\":1}\n\n");
  CHECK(sse_frame("log", "one\ntwo\r\nthree") == "event: log\ndata: one\ndata: two\ndata: three\n\n");
  CHECK(sse_frame("reset", "") == "event: reset\ndata: \n\n");
}

TEST_CASE("dashboard: the live server answers requests and keeps the connection alive", "[dashboard]") {
  LiveServer live;
  int fd = connect_to(live.server->port());
  send_text(fd, "GET /api/services HTTP/1.1\r\nHost: x\r\n\r\n");
  std::string first = read_until(fd, "[]");
  CHECK(first.rfind("HTTP/1.1 200", 0) == 0);
  CHECK(first.find("Content-Type: application/json") != std::string::npos);
  send_text(fd, "DELETE /api/services HTTP/1.1\r\nHost: x\r\n\r\n");
  std::string second = read_until(fd, "GET only\n");
  CHECK(second.rfind("HTTP/1.1 405", 0) == 0);
  CHECK(second.find("Allow: GET, HEAD") != std::string::npos);
  ::close(fd);
}

TEST_CASE("dashboard: event clients get the greeting, then every published frame, and leave cleanly", "[dashboard]") {
  LiveServer live;
  int a = connect_to(live.server->port()), b = connect_to(live.server->port());
  for (int fd : {a, b}) {
    send_text(fd, "GET /api/events HTTP/1.1\r\nHost: x\r\n\r\n");
    std::string head = read_until(fd, "event: hello\ndata: {}\n\n");
    CHECK(head.rfind("HTTP/1.1 200 OK\r\n", 0) == 0);
    CHECK(head.find("Content-Type: text/event-stream") != std::string::npos);
    CHECK(head.find("event: hello") != std::string::npos);
  }
  CHECK(live.greetings == 2);
  CHECK(eventually([&] { return live.on_loop([&] { return live.server->event_clients(); }) == 2; }));
  live.on_loop([&] {
    live.server->publish(sse_frame("log", "line one"));
    return 0;
  });
  CHECK(read_until(a, "data: line one\n\n").find("event: log\ndata: line one\n\n") != std::string::npos);
  CHECK(read_until(b, "data: line one\n\n").find("event: log\ndata: line one\n\n") != std::string::npos);
  // A page that goes away is noticed without any write to it.
  ::close(a);
  CHECK(eventually([&] { return live.on_loop([&] { return live.server->event_clients(); }) == 1; }));
  ::close(b);
  CHECK(eventually([&] { return live.on_loop([&] { return live.server->event_clients(); }) == 0; }));
}

TEST_CASE("dashboard: a port in use is a clear conflict", "[dashboard]") {
  LiveServer live;
  boost::asio::io_context io;
  DashboardServer::Options o;
  o.routes = routes;
  o.port = live.server->port();
  auto second = DashboardServer::start(io, o);
  REQUIRE_FALSE(second.ok());
  CHECK(second.error().code == racker::Errc::kConflict);
  CHECK(second.error().message.find("already in use") != std::string::npos);
}
