#include "support/static_registry.h"

#include <sys/socket.h>

#include <utility>  // boost/asio/awaitable.hpp needs std::exchange declared

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include "racker/runtime/digest.h"

namespace racker::test {

namespace asio = boost::asio;
namespace http = boost::beast::http;
using tcp = asio::ip::tcp;

namespace {

// "/v2/<name...>/manifests/<ref>" -> "manifests/<ref>" (same for blobs); "" otherwise.
std::string object_key(const std::string& target) {
  for (const char* kind : {"/manifests/", "/blobs/"}) {
    size_t at = target.rfind(kind);
    if (target.rfind("/v2/", 0) == 0 && at != std::string::npos && at > 3) return target.substr(at + 1);
  }
  return "";
}

}  // namespace

StaticRegistry::StaticRegistry() {
  listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  if (listen_fd_ < 0 || ::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      ::listen(listen_fd_, 16) != 0 || ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len) != 0)
    return;
  port_ = ntohs(addr.sin_port);
  thread_ = std::thread([this] { serve(); });
}

StaticRegistry::~StaticRegistry() {
  stopping_ = true;
  if (listen_fd_ >= 0) ::shutdown(listen_fd_, SHUT_RDWR);  // wakes accept()
  if (thread_.joinable()) thread_.join();
  if (listen_fd_ >= 0) ::close(listen_fd_);
}

void StaticRegistry::put_manifest(const std::string& reference, StaticObject manifest) {
  std::lock_guard<std::mutex> lock(mu_);
  objects_["manifests/" + reference] = std::move(manifest);
}

std::string StaticRegistry::put_blob(const std::string& bytes) {
  std::string digest = runtime::sha256_of(bytes).str();
  std::lock_guard<std::mutex> lock(mu_);
  objects_["blobs/" + digest] = {"application/octet-stream", bytes};
  return digest;
}

void StaticRegistry::serve() {
  asio::io_context io;
  while (!stopping_) {
    int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) {
      if (stopping_) return;
      continue;
    }
    boost::system::error_code ec;
    tcp::socket socket(io);
    socket.assign(tcp::v4(), fd, ec);
    boost::beast::flat_buffer buffer;
    http::request<http::string_body> req;
    http::read(socket, buffer, req, ec);
    if (ec) continue;
    http::response<http::string_body> res;
    res.version(11);
    res.keep_alive(false);
    std::string target(req.target());
    std::string key = object_key(target);
    {
      std::lock_guard<std::mutex> lock(mu_);
      auto it = objects_.find(key);
      if (target == "/v2/" || target == "/v2") {
        res.result(http::status::ok);
        res.set(http::field::content_type, "application/json");
        res.body() = "{}";
      } else if (it != objects_.end()) {
        res.result(http::status::ok);
        res.set(http::field::content_type, it->second.content_type);
        res.set("Docker-Content-Digest", runtime::sha256_of(it->second.body).str());
        res.body() = it->second.body;
      } else {
        res.result(http::status::not_found);
        res.set(http::field::content_type, "application/json");
        res.body() = R"({"errors":[{"code":"MANIFEST_UNKNOWN","message":"manifest unknown"}]})";
      }
    }
    res.prepare_payload();  // HEAD keeps the Content-Length of the body it does not send
    if (req.method() == http::verb::head) {
      http::response<http::empty_body> head{res.result(), 11};
      for (const auto& field : res) head.set(field.name_string(), field.value());
      head.keep_alive(false);
      http::response_serializer<http::empty_body> sr{head};
      sr.split(true);
      http::write_header(socket, sr, ec);
    } else {
      http::write(socket, res, ec);
    }
    socket.shutdown(tcp::socket::shutdown_both, ec);
  }
}

}  // namespace racker::test
