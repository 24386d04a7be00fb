// TokenServer: a blocking accept loop on a thread; requests are small GETs,
// read up to the blank line and answered with Connection: close.
#include "support/token_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <random>

#include "racker/runtime/registry_auth.h"
#include "support/image_tar_builder.h"
#include "support/registry_certs.h"
#include "support/registry_fixture.h"

namespace racker::test {
namespace {

using nlohmann::json;

std::string base64url(const std::string& bytes) {
  std::string s = runtime::base64_encode(bytes);
  for (char& c : s) c = c == '+' ? '-' : c == '/' ? '_' : c;
  while (!s.empty() && s.back() == '=') s.pop_back();
  return s;
}

std::string url_decode(const std::string& s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size()) {
      out.push_back(static_cast<char>(std::strtol(s.substr(i + 1, 2).c_str(), nullptr, 16)));
      i += 2;
    } else {
      out.push_back(s[i] == '+' ? ' ' : s[i]);
    }
  }
  return out;
}

std::string sign_rs256(const std::string& key_pem, const std::string& input) {
  BIO* bio = BIO_new_mem_buf(key_pem.data(), static_cast<int>(key_pem.size()));
  EVP_PKEY* key = PEM_read_bio_PrivateKey(bio, nullptr, nullptr, nullptr);
  BIO_free(bio);
  if (!key) return "";
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  std::string sig;
  size_t len = 0;
  if (EVP_DigestSignInit(ctx, nullptr, EVP_sha256(), nullptr, key) == 1 &&
      EVP_DigestSign(ctx, nullptr, &len, reinterpret_cast<const unsigned char*>(input.data()), input.size()) == 1) {
    sig.resize(len);
    if (EVP_DigestSign(ctx, reinterpret_cast<unsigned char*>(sig.data()), &len,
                       reinterpret_cast<const unsigned char*>(input.data()), input.size()) == 1)
      sig.resize(len);
    else
      sig.clear();
  }
  EVP_MD_CTX_free(ctx);
  EVP_PKEY_free(key);
  return sig;
}

// The certificate's DER, base64 (not url-safe), as JWS x5c wants it.
std::string x5c_of(const std::string& cert_pem) {
  BIO* bio = BIO_new_mem_buf(cert_pem.data(), static_cast<int>(cert_pem.size()));
  X509* cert = PEM_read_bio_X509(bio, nullptr, nullptr, nullptr);
  BIO_free(bio);
  if (!cert) return "";
  unsigned char* der = nullptr;
  int n = i2d_X509(cert, &der);
  std::string out = n > 0 ? runtime::base64_encode(std::string(reinterpret_cast<char*>(der), static_cast<size_t>(n))) : "";
  OPENSSL_free(der);
  X509_free(cert);
  return out;
}

void send_all(int fd, const std::string& data) {
  size_t done = 0;
  while (done < data.size()) {
    ssize_t n = ::send(fd, data.data() + done, data.size() - done, MSG_NOSIGNAL);
    if (n <= 0) return;
    done += static_cast<size_t>(n);
  }
}

std::string response(int status, const std::string& reason, const std::string& body) {
  return "HTTP/1.1 " + std::to_string(status) + " " + reason + "\r\nContent-Type: application/json\r\nContent-Length: " +
         std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n" + body;
}

}  // namespace

TokenServer::TokenServer(TokenServerOptions options) : options_(std::move(options)) {
  char tmpl[] = "/tmp/racker-token-XXXXXX";
  dir_ = ::mkdtemp(tmpl);
  auto signing = make_signing_cert(dir_, "token-signer");
  if (signing.cert.empty()) {
    error_ = "openssl could not make the token signing key";
    return;
  }
  cert_ = signing.cert;
  key_pem_ = read_file(signing.key);
  x5c_ = x5c_of(read_file(signing.cert));
  if (key_pem_.empty() || x5c_.empty()) {
    error_ = "cannot read the token signing key";
    return;
  }
  listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  if (::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || ::listen(listen_fd_, 16) != 0 ||
      ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    error_ = "token server: cannot listen on 127.0.0.1";
    return;
  }
  port_ = ntohs(addr.sin_port);
  thread_ = std::thread([this] { serve(); });
}

TokenServer::~TokenServer() {
  if (listen_fd_ >= 0) ::shutdown(listen_fd_, SHUT_RDWR);  // wakes accept()
  if (thread_.joinable()) thread_.join();
  if (listen_fd_ >= 0) ::close(listen_fd_);
  std::error_code ec;
  if (!dir_.empty()) std::filesystem::remove_all(dir_, ec);
}

std::vector<TokenRequest> TokenServer::requests() const {
  std::lock_guard<std::mutex> lock(mu_);
  return requests_;
}

void TokenServer::serve() {
  for (;;) {
    int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) return;  // shut down
    timeval tv{5, 0};    // a client that never sends must not hang the server
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    std::string head;
    char buf[4096];
    while (head.find("\r\n\r\n") == std::string::npos && head.size() < 65536) {
      ssize_t n = ::recv(fd, buf, sizeof buf, 0);
      if (n <= 0) break;
      head.append(buf, static_cast<size_t>(n));
    }
    // "GET /token?query HTTP/1.1", then headers.
    TokenRequest req;
    std::string target = head.substr(0, head.find("\r\n"));
    size_t sp1 = target.find(' '), sp2 = target.rfind(' ');
    target = sp1 != std::string::npos && sp2 > sp1 ? target.substr(sp1 + 1, sp2 - sp1 - 1) : "";
    std::string query = target.find('?') != std::string::npos ? target.substr(target.find('?') + 1) : "";
    size_t start = 0;
    while (start < query.size()) {
      size_t amp = query.find('&', start);
      std::string kv = query.substr(start, amp == std::string::npos ? std::string::npos : amp - start);
      std::string k = url_decode(kv.substr(0, kv.find('='))), v = kv.find('=') == std::string::npos ? "" : url_decode(kv.substr(kv.find('=') + 1));
      if (k == "scope") req.scopes.push_back(v);
      if (k == "service") req.service = v;
      if (amp == std::string::npos) break;
      start = amp + 1;
    }
    std::string password;
    bool gave_credentials = false;
    size_t pos = 0;
    while ((pos = head.find("\r\n", pos)) != std::string::npos) {
      pos += 2;
      std::string line = head.substr(pos, head.find("\r\n", pos) - pos);
      std::string lower = line;
      for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      if (lower.rfind("authorization: basic ", 0) == 0) {
        auto decoded = runtime::base64_decode(line.substr(21));
        if (decoded && decoded->find(':') != std::string::npos) {
          gave_credentials = true;
          req.account = decoded->substr(0, decoded->find(':'));
          password = decoded->substr(decoded->find(':') + 1);
        }
      }
    }

    const std::map<std::string, std::set<std::string>>* grants = &options_.anonymous;
    if (gave_credentials) {
      auto user = options_.users.find(req.account);
      if (user == options_.users.end() || user->second.password != password) {
        {
          std::lock_guard<std::mutex> lock(mu_);
          requests_.push_back(req);
        }
        send_all(fd, response(401, "Unauthorized", R"({"details":"incorrect username or password"})"));
        ::close(fd);
        continue;
      }
      req.authenticated = true;
      grants = &user->second.grants;
    }

    json access = json::array();
    for (const auto& scope : req.scopes) {
      // type:name:actions; the name may itself hold colons in theory, the type and actions never do.
      size_t first = scope.find(':'), last = scope.rfind(':');
      if (first == std::string::npos || last == first) continue;
      std::string type = scope.substr(0, first), name = scope.substr(first + 1, last - first - 1);
      std::set<std::string> allowed;
      for (const char* key : {"*", name.c_str()})
        if (auto g = grants->find(key); g != grants->end()) allowed.insert(g->second.begin(), g->second.end());
      json actions = json::array();
      std::string granted;
      std::string list = scope.substr(last + 1);
      size_t s = 0;
      while (s <= list.size()) {
        size_t comma = list.find(',', s);
        std::string a = list.substr(s, comma == std::string::npos ? std::string::npos : comma - s);
        if (!a.empty() && allowed.count(a)) {
          actions.push_back(a);
          granted += (granted.empty() ? "" : ",") + a;
        }
        if (comma == std::string::npos) break;
        s = comma + 1;
      }
      if (!actions.empty()) {
        access.push_back({{"type", type}, {"name", name}, {"actions", actions}});
        req.granted.push_back(type + ":" + name + ":" + granted);
      }
    }
    std::time_t now = std::time(nullptr);
    std::mt19937_64 rng(std::random_device{}());
    json header = {{"typ", "JWT"}, {"alg", "RS256"}, {"x5c", json::array({x5c_})}};
    json claims = {{"iss", issuer()}, {"sub", req.account}, {"aud", service()},         {"exp", now + 600},
                   {"nbf", now - 60}, {"iat", now},         {"jti", std::to_string(rng())}, {"access", access}};
    std::string signing_input = base64url(header.dump()) + "." + base64url(claims.dump());
    std::string token = signing_input + "." + base64url(sign_rs256(key_pem_, signing_input));
    {
      std::lock_guard<std::mutex> lock(mu_);
      requests_.push_back(req);
    }
    json body = {{"token", token}, {"access_token", token}, {"expires_in", 600}};
    send_all(fd, response(200, "OK", body.dump()));
    ::close(fd);
  }
}

}  // namespace racker::test
