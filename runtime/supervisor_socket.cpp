#include "racker/runtime/supervisor_socket.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <boost/asio/read_until.hpp>
#include <boost/asio/streambuf.hpp>
#include <boost/asio/write.hpp>
#include <cerrno>
#include <cstring>
#include <istream>

namespace racker::runtime {

namespace {

using boost::asio::local::stream_protocol;

// One client: reads lines, answers each, until it closes.
class Connection : public std::enable_shared_from_this<Connection> {
 public:
  Connection(stream_protocol::socket socket, SupervisorServer::Handler handler, std::shared_ptr<bool> alive)
      : socket_(std::move(socket)), handler_(std::move(handler)), alive_(std::move(alive)) {}

  void read() {
    auto self = shared_from_this();
    boost::asio::async_read_until(socket_, buffer_, '\n', [self](const boost::system::error_code& ec, size_t) {
      if (ec || !*self->alive_) return;
      std::istream in(&self->buffer_);
      std::string line;
      std::getline(in, line);
      self->reply_ = self->handler_(line) + "\n";
      boost::asio::async_write(self->socket_, boost::asio::buffer(self->reply_),
                               [self](const boost::system::error_code& ec, size_t) {
                                 if (!ec && *self->alive_) self->read();
                               });
    });
  }

 private:
  stream_protocol::socket socket_;
  SupervisorServer::Handler handler_;
  std::shared_ptr<bool> alive_;
  boost::asio::streambuf buffer_;
  std::string reply_;
};

}  // namespace

SupervisorServer::SupervisorServer(boost::asio::io_context& io, std::string path, Handler handler)
    : acceptor_(io), path_(std::move(path)), handler_(std::move(handler)), alive_(std::make_shared<bool>(true)) {}

SupervisorServer::~SupervisorServer() { close(); }

Result<std::unique_ptr<SupervisorServer>> SupervisorServer::listen(boost::asio::io_context& io, const std::string& path,
                                                                   Handler handler) {
  std::unique_ptr<SupervisorServer> server(new SupervisorServer(io, path, std::move(handler)));
  ::unlink(path.c_str());  // a socket left by a supervisor that was killed
  boost::system::error_code ec;
  // Created under a umask that leaves the socket to root alone.
  mode_t old = ::umask(0177);
  server->acceptor_.open(stream_protocol(), ec);
  if (!ec) server->acceptor_.bind(stream_protocol::endpoint(path), ec);
  ::umask(old);
  if (!ec) server->acceptor_.listen(16, ec);
  if (ec) return Error(Errc::kIo, "listen on " + path + ": " + ec.message());
  ::fcntl(server->acceptor_.native_handle(), F_SETFD, FD_CLOEXEC);
  ::chmod(path.c_str(), 0600);
  server->accept();
  return server;
}

void SupervisorServer::accept() {
  auto alive = alive_;
  acceptor_.async_accept([this, alive](const boost::system::error_code& ec, stream_protocol::socket socket) {
    if (!*alive) return;
    if (!ec) {
      ::fcntl(socket.native_handle(), F_SETFD, FD_CLOEXEC);
      std::make_shared<Connection>(std::move(socket), handler_, alive_)->read();
    }
    if (acceptor_.is_open()) accept();
  });
}

void SupervisorServer::close() {
  if (!*alive_) return;
  *alive_ = false;
  boost::system::error_code ec;
  acceptor_.close(ec);
  ::unlink(path_.c_str());
}

Result<std::string> supervisor_request(const std::string& path, const std::string& request,
                                       std::chrono::milliseconds timeout) {
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return Error(Errc::kIo, std::string("socket: ") + std::strerror(errno));
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (path.size() >= sizeof addr.sun_path) {
    ::close(fd);
    return Error(Errc::kInvalidArgument, "socket path too long: " + path);
  }
  std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    int err = errno;
    ::close(fd);
    return Error(Errc::kNotFound, "no supervisor at " + path + ": " + std::strerror(err));
  }
  std::string line = request + "\n";
  auto deadline = std::chrono::steady_clock::now() + timeout;
  size_t sent = 0;
  while (sent < line.size()) {
    ssize_t n = ::send(fd, line.data() + sent, line.size() - sent, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      ::close(fd);
      return Error(Errc::kIo, "write to " + path + " failed");
    }
    sent += static_cast<size_t>(n);
  }
  std::string reply;
  char buf[4096];
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      ::close(fd);
      return Error(Errc::kTimeout, "the supervisor at " + path + " did not answer");
    }
    pollfd p{fd, POLLIN, 0};
    int r = ::poll(&p, 1, static_cast<int>(left.count()));
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) continue;
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    reply.append(buf, static_cast<size_t>(n));
    if (auto nl = reply.find('\n'); nl != std::string::npos) {
      reply.resize(nl);
      ::close(fd);
      return reply;
    }
  }
  ::close(fd);
  return Error(Errc::kIo, "the supervisor at " + path + " closed the connection");
}

}  // namespace racker::runtime
