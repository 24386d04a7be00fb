// HttpClient on Boost.Beast. Each operation is started asynchronously and
// the private io_context is run until it completes: that is how Beast's
// per-operation timeouts (tcp_stream::expires_after) apply to a blocking API.
#include "racker/runtime/http_client.h"

#include <boost/asio/ip/address.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/version.hpp>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <limits>
#include <map>
#include <optional>
#include <set>

namespace racker::runtime {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;
using error_code = boost::system::error_code;

constexpr size_t kChunk = 256 * 1024;
constexpr uint64_t kBufferedBodyLimit = 64ull << 20;

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
  return out;
}

// Runs one asynchronous operation to completion on `ioc`.
template <class Start>
error_code run_op(asio::io_context& ioc, Start&& start) {
  error_code result = asio::error::would_block;
  start([&result](error_code ec, auto&&...) { result = ec; });
  ioc.restart();
  ioc.run();
  return result;
}

Error io_error(const std::string& what, const error_code& ec) {
  if (ec == beast::error::timeout) return Error(Errc::kTimeout, what + ": timed out");
  return Error(Errc::kIo, what + ": " + ec.message());
}

bool is_redirect(int status) {
  return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
}

// Resolves "Location" against the URL that sent it.
Result<Url> resolve_location(const Url& base, const std::string& location) {
  if (location.rfind("http://", 0) == 0 || location.rfind("https://", 0) == 0) return Url::parse(location);
  Url next = base;
  if (!location.empty() && location[0] == '/') {
    next.target = location;
  } else {
    std::string path = base.target.substr(0, base.target.find('?'));
    next.target = path.substr(0, path.rfind('/') + 1) + location;
  }
  return next;
}

class BeastHttpClient : public HttpClient {
 public:
  explicit BeastHttpClient(const HttpClientOptions& options) : options_(options) {}

  Result<HttpResponse> send(const HttpRequest& request, const BodySink* sink) override {
    auto url = Url::parse(request.url);
    if (!url) return url.error();
    HttpRequest current = request;
    for (int hop = 0;; ++hop) {
      bool fallback = current.plain_http_fallback && hop == 0 && url->scheme == "https";
      if (fallback && plain_origins_.count(url->origin())) to_plain(*url);
      auto response = send_once(*url, current, sink);
      if (!response && fallback && url->scheme == "https" && not_tls_) {
        // A plain-HTTP server on an address where HTTPS is tried first.
        plain_origins_.insert(url->origin());
        to_plain(*url);
        response = send_once(*url, current, sink);
      }
      if (!response) return response;
      if (!is_redirect(response->status) || (current.method != "GET" && current.method != "HEAD")) return response;
      if (hop >= options_.max_redirects) return Error(Errc::kIo, request.url + ": too many redirects");
      auto next = resolve_location(*url, response->header("location"));
      if (!next) return next.error();
      if (next->origin() != url->origin()) {
        auto& h = current.headers;
        h.erase(std::remove_if(h.begin(), h.end(), [](const auto& kv) { return lower(kv.first) == "authorization"; }),
                h.end());
      }
      url = std::move(next);
    }
  }

 private:
  // https://h:p -> http://h:p (the default port becomes 80).
  static void to_plain(Url& url) {
    url.scheme = "http";
    if (url.port == "443") url.port = "80";
  }

  // One request on the cached connection; a reused connection that the
  // server closed meanwhile is reopened once.
  Result<HttpResponse> send_once(const Url& url, const HttpRequest& request, const BodySink* sink) {
    bool reused = connected_origin_ == url.origin() && (plain_ || secure_);
    if (!reused) {
      if (auto st = connect(url); !st) return st.error();
    }
    bool started_body = false;
    auto r = exchange(url, request, sink, started_body);
    if (!r && reused && !started_body && r.error().code == Errc::kIo) {
      if (auto st = connect(url); !st) return st.error();
      r = exchange(url, request, sink, started_body);
    }
    if (!r) disconnect();
    return r;
  }

  void disconnect() {
    plain_.reset();
    secure_.reset();
    connected_origin_.clear();
    buffer_.clear();
  }

  // "host:port" as docker names registries (and certs.d directories).
  static std::string authority(const Url& url) {
    std::string h = url.host.find(':') != std::string::npos ? "[" + url.host + "]" : url.host;
    return h + ":" + url.port;
  }

  Error certificate_error(const Url& url, long verify) const {
    std::string msg = "TLS handshake with " + url.origin() + ": certificate verify failed: " +
                      X509_verify_cert_error_string(verify);
    if (!options_.certs_dir.empty())
      msg += " (to trust a private CA for this registry, put its certificate in " + options_.certs_dir + "/" +
             authority(url) + "/ca.crt)";
    return Error(Errc::kIo, msg);
  }

  // The TLS context for one origin: the system store, the extra CA file and
  // the host's own CAs from certs_dir. Built once per origin.
  Result<ssl::context*> tls_context_for(const Url& url) {
    auto& slot = tls_[url.origin()];
    if (slot) return slot.get();
    auto ctx = std::make_unique<ssl::context>(ssl::context::tls_client);
    ctx->set_default_verify_paths();
    ctx->set_verify_mode(ssl::verify_peer);
    std::vector<std::string> ca_files;
    if (!options_.ca_file.empty()) ca_files.push_back(options_.ca_file);
    if (!options_.certs_dir.empty()) {
      std::vector<std::string> dirs = {options_.certs_dir + "/" + authority(url)};
      if (url.port == "443") dirs.push_back(options_.certs_dir + "/" + authority(url).substr(0, authority(url).rfind(':')));
      for (const auto& dir : dirs) {
        std::error_code fs_ec;
        std::vector<std::string> found;
        for (const auto& e : std::filesystem::directory_iterator(dir, fs_ec)) {
          std::string name = e.path().filename().string();
          if (name.size() > 4 && name.compare(name.size() - 4, 4, ".crt") == 0) found.push_back(e.path().string());
        }
        std::sort(found.begin(), found.end());
        ca_files.insert(ca_files.end(), found.begin(), found.end());
      }
    }
    for (const auto& file : ca_files) {
      error_code ec;
      ctx->load_verify_file(file, ec);
      if (ec) return Error(Errc::kIo, "load CA certificate " + file + ": " + ec.message());
    }
    slot = std::move(ctx);
    return slot.get();
  }

  Status connect(const Url& url) {
    disconnect();
    not_tls_ = false;
    tcp::resolver resolver(ioc_);
    tcp::resolver::results_type endpoints;
    error_code ec = run_op(ioc_, [&](auto handler) {
      resolver.async_resolve(url.host, url.port, [&endpoints, handler](error_code e, tcp::resolver::results_type r) mutable {
        endpoints = std::move(r);
        handler(e);
      });
    });
    if (ec) return io_error("resolve " + url.host, ec);

    beast::tcp_stream tcp_stream(ioc_);
    tcp_stream.expires_after(options_.connect_timeout);
    ec = run_op(ioc_, [&](auto handler) { tcp_stream.async_connect(endpoints, handler); });
    if (ec) return io_error("connect " + url.origin(), ec);
    tcp_stream.socket().set_option(tcp::no_delay(true));

    if (url.scheme == "http") {
      plain_.emplace(std::move(tcp_stream));
    } else {
      auto tls = tls_context_for(url);
      if (!tls) return tls.error();
      secure_.emplace(std::move(tcp_stream), **tls);
      SSL* ssl = secure_->native_handle();
      if (!SSL_set_tlsext_host_name(ssl, url.host.c_str())) return Error(Errc::kIo, "TLS: cannot set SNI for " + url.host);
      // OpenSSL checks the name (or IP address) itself, so a mismatch gets
      // its own verify result and message.
      error_code addr_ec;
      asio::ip::make_address(url.host, addr_ec);
      int named = addr_ec ? SSL_set1_host(ssl, url.host.c_str())
                          : X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), url.host.c_str());
      if (named != 1) return Error(Errc::kIo, "TLS: cannot set the expected peer name " + url.host);
      beast::get_lowest_layer(*secure_).expires_after(options_.connect_timeout);
      ec = run_op(ioc_, [&](auto handler) { secure_->async_handshake(ssl::stream_base::client, handler); });
      if (ec) {
        long verify = SSL_get_verify_result(ssl);
        bool got_certificate = SSL_get0_peer_certificate(ssl) != nullptr;
        disconnect();
        if (verify != X509_V_OK) return certificate_error(url, verify);
        not_tls_ = !got_certificate && ec != beast::error::timeout;
        return io_error("TLS handshake with " + url.origin(), ec);
      }
    }
    connected_origin_ = url.origin();
    // Beast sizes each socket read by the buffer's spare capacity (512 bytes
    // at minimum): a large buffer means few, large reads of blob bodies.
    buffer_.reserve(kChunk);
    return ok_status();
  }

  Result<HttpResponse> exchange(const Url& url, const HttpRequest& request, const BodySink* sink, bool& started_body) {
    if (plain_) return exchange_on(*plain_, *plain_, url, request, sink, started_body);
    return exchange_on(*secure_, beast::get_lowest_layer(*secure_), url, request, sink, started_body);
  }

  template <class Stream>
  Result<HttpResponse> exchange_on(Stream& stream, beast::tcp_stream& lowest, const Url& url, const HttpRequest& request,
                                   const BodySink* sink, bool& started_body) {
    http::request<http::string_body> req;
    req.method_string(request.method);
    req.target(url.target);
    req.version(11);
    bool default_port = (url.scheme == "https" && url.port == "443") || (url.scheme == "http" && url.port == "80");
    std::string host = url.host.find(':') != std::string::npos ? "[" + url.host + "]" : url.host;
    req.set(http::field::host, default_port ? host : host + ":" + url.port);
    req.set(http::field::user_agent, options_.user_agent);
    for (const auto& [k, v] : request.headers) req.set(k, v);
    if (!request.body.empty() || request.method == "POST" || request.method == "PUT") {
      req.body() = request.body;
      req.prepare_payload();
    }

    lowest.expires_after(options_.io_timeout);
    error_code ec = run_op(ioc_, [&](auto handler) { http::async_write(stream, req, handler); });
    if (ec) return io_error(request.method + " " + url.str(), ec);

    http::response_parser<http::buffer_body> parser;
    parser.body_limit(std::numeric_limits<std::uint64_t>::max());  // not boost::none: Beast 1.74 compares it wrongly
    if (request.method == "HEAD") parser.skip(true);
    lowest.expires_after(options_.io_timeout);
    ec = run_op(ioc_, [&](auto handler) { http::async_read_header(stream, buffer_, parser, handler); });
    if (ec) return io_error(request.method + " " + url.str(), ec);

    HttpResponse response;
    response.url = url.str();
    response.status = static_cast<int>(parser.get().result_int());
    for (const auto& field : parser.get()) response.headers.emplace_back(lower(std::string(field.name_string())), std::string(field.value()));
    bool stream_body = sink && response.status >= 200 && response.status < 300;

    std::vector<char> chunk(kChunk);
    while (!parser.is_done()) {
      parser.get().body().data = chunk.data();
      parser.get().body().size = chunk.size();
      lowest.expires_after(options_.io_timeout);
      ec = run_op(ioc_, [&](auto handler) { http::async_read(stream, buffer_, parser, handler); });
      if (ec == http::error::need_buffer) ec = {};
      if (ec) return io_error(request.method + " " + url.str(), ec);
      size_t got = chunk.size() - parser.get().body().size;
      if (got == 0) continue;
      started_body = true;
      if (stream_body) {
        if (auto st = (*sink)(chunk.data(), got); !st) {
          disconnect();  // the rest of the body is still on the wire
          return st.error();
        }
      } else {
        if (response.body.size() + got > kBufferedBodyLimit)
          return Error(Errc::kIo, request.method + " " + url.str() + ": response body too large");
        response.body.append(chunk.data(), got);
      }
    }
    if (!parser.keep_alive()) disconnect();
    return response;
  }

  HttpClientOptions options_;
  asio::io_context ioc_;
  std::map<std::string, std::unique_ptr<ssl::context>> tls_;  // origin -> context
  std::set<std::string> plain_origins_;                       // https origins that turned out to be plain HTTP
  bool not_tls_ = false;                                      // the last handshake met a non-TLS server
  std::optional<beast::tcp_stream> plain_;
  std::optional<beast::ssl_stream<beast::tcp_stream>> secure_;
  std::string connected_origin_;
  beast::flat_buffer buffer_;
};

}  // namespace

Result<Url> Url::parse(std::string_view text) {
  auto bad = [&] { return Error(Errc::kInvalidArgument, "invalid URL \"" + std::string(text) + "\""); };
  Url url;
  size_t scheme_end = text.find("://");
  if (scheme_end == std::string_view::npos) return bad();
  url.scheme = lower(text.substr(0, scheme_end));
  if (url.scheme != "http" && url.scheme != "https") return bad();
  std::string_view rest = text.substr(scheme_end + 3);
  size_t path_start = rest.find_first_of("/?");
  std::string_view authority = rest.substr(0, path_start);
  url.target = path_start == std::string_view::npos ? "/" : std::string(rest.substr(path_start));
  if (!url.target.empty() && url.target[0] == '?') url.target = "/" + url.target;
  if (authority.empty() || authority.find('@') != std::string_view::npos) return bad();
  if (authority[0] == '[') {
    size_t close = authority.find(']');
    if (close == std::string_view::npos) return bad();
    url.host = std::string(authority.substr(1, close - 1));
    std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after[0] != ':') return bad();
      url.port = std::string(after.substr(1));
    }
  } else {
    size_t colon = authority.rfind(':');
    url.host = std::string(authority.substr(0, colon));
    if (colon != std::string_view::npos) url.port = std::string(authority.substr(colon + 1));
  }
  if (url.host.empty()) return bad();
  if (url.port.empty()) url.port = url.scheme == "https" ? "443" : "80";
  for (char c : url.port)
    if (!std::isdigit(static_cast<unsigned char>(c))) return bad();
  return url;
}

std::string Url::origin() const {
  std::string h = host.find(':') != std::string::npos ? "[" + host + "]" : host;
  return scheme + "://" + h + ":" + port;
}

std::string HttpResponse::header(std::string_view name) const {
  std::string key = lower(name);
  for (const auto& [k, v] : headers)
    if (k == key) return v;
  return "";
}

std::unique_ptr<HttpClient> make_http_client(const HttpClientOptions& options) {
  return std::make_unique<BeastHttpClient>(options);
}

}  // namespace racker::runtime
