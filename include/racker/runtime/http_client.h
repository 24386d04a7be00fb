#pragma once
// A small blocking HTTP/1.1 client for registry traffic: HTTPS verified
// against the system CA store plus per-host CAs (docker's certs.d layout),
// plain HTTP, keep-alive on one connection, redirects, timeouts, and response
// bodies either buffered or streamed into a sink. Abstract so the registry
// client can be tested with a scripted fake. Boost.Beast stays in the .cpp.
//
// Thread safety: one HttpClient per thread; instances are independent.

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "racker/util/error.h"

namespace racker::runtime {

struct Url {
  std::string scheme;  // "http" or "https"
  std::string host;    // without brackets for IPv6
  std::string port;    // always set: defaults to 80/443
  std::string target;  // path and query, at least "/"

  // kInvalidArgument for anything but http(s)://host[:port][/path].
  static Result<Url> parse(std::string_view text);
  std::string origin() const;  // "https://host:port"
  std::string str() const { return origin() + target; }
};

using Headers = std::vector<std::pair<std::string, std::string>>;

struct HttpRequest {
  std::string method = "GET";
  std::string url;
  Headers headers;
  std::string body;
  // For an https URL: when the server answers the TLS handshake with
  // something that is not TLS (a plain-HTTP server), send the request over
  // plain HTTP to the same host and port instead, and keep doing so for that
  // origin. Docker's rule for registries on localhost. A server that does
  // speak TLS but presents an untrusted certificate never falls back.
  bool plain_http_fallback = false;
};

struct HttpResponse {
  int status = 0;
  Headers headers;       // names lowercased
  std::string body;      // empty when the body went to a sink
  std::string url;       // the URL that answered (after redirects)

  // First value of a header (name case-insensitive), "" when absent.
  std::string header(std::string_view name) const;
};

// Receives a streamed body chunk by chunk; an error aborts the transfer.
using BodySink = std::function<Status(const char* data, size_t size)>;

class HttpClient {
 public:
  virtual ~HttpClient() = default;
  // Sends a request and reads the response. Redirects (301, 302, 303, 307,
  // 308) are followed for GET and HEAD; the Authorization header is dropped
  // when a redirect leaves the original origin (blob storage on S3 and the
  // like must not see registry credentials). When `sink` is set, a 2xx body
  // streams into it; other bodies are buffered (for error messages).
  // Errors: kIo for connection/TLS/protocol failures, kTimeout. A
  // certificate that does not verify is kIo "TLS handshake with ORIGIN:
  // certificate verify failed: REASON", naming the certs.d file that would
  // make the registry trusted.
  virtual Result<HttpResponse> send(const HttpRequest& request, const BodySink* sink = nullptr) = 0;
};

struct HttpClientOptions {
  std::chrono::milliseconds connect_timeout{std::chrono::seconds(30)};
  std::chrono::milliseconds io_timeout{std::chrono::seconds(120)};  // per read/write, not per transfer
  int max_redirects = 5;
  std::string ca_file;  // extra CA bundle (PEM) for every host; the system store is always loaded
  // Per-host CAs, docker's /etc/docker/certs.d convention: every *.crt in
  // <certs_dir>/<host:port>/ (and <certs_dir>/<host>/ for port 443) is
  // trusted for that host only. Empty: none.
  std::string certs_dir;
  std::string user_agent = "racker";
};

std::unique_ptr<HttpClient> make_http_client(const HttpClientOptions& options = {});

}  // namespace racker::runtime
