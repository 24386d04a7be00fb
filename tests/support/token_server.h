#pragma once
// A registry token server for tests (the "Bearer realm=..." side of the
// distribution token auth spec): GET /token?service=S&scope=T:NAME:ACTIONS
// with optional Basic credentials answers {"token": JWT} signed RS256 with a
// throwaway key, the key's self-signed certificate in the JWT's x5c header.
// A docker-registry started with `auth: token: {rootcertbundle: cert_path()}`
// trusts those tokens. What a token grants is the requested actions that
// the caller's grants allow; wrong credentials get 401. Every request is
// recorded so tests can check what clients asked for.
//
// Listens on 127.0.0.1 (random port) on its own thread, one connection at a
// time with "Connection: close"; the destructor stops and joins it.

#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

namespace racker::test {

struct TokenUser {
  std::string password;
  // repository name (or "*" for any) -> actions ("pull", "push", ...)
  std::map<std::string, std::set<std::string>> grants;
};

struct TokenServerOptions {
  std::map<std::string, TokenUser> users;
  std::map<std::string, std::set<std::string>> anonymous;  // grants without credentials
};

struct TokenRequest {
  std::string account;               // the Basic user, "" when anonymous
  bool authenticated = false;        // credentials were given and right
  std::string service;
  std::vector<std::string> scopes;   // as asked: "repository:x/y:pull,push"
  std::vector<std::string> granted;  // as granted: "repository:x/y:pull"
};

class TokenServer {
 public:
  explicit TokenServer(TokenServerOptions options);
  ~TokenServer();
  TokenServer(const TokenServer&) = delete;
  TokenServer& operator=(const TokenServer&) = delete;

  bool ok() const { return error_.empty(); }
  const std::string& error() const { return error_; }

  std::string realm() const { return "http://127.0.0.1:" + std::to_string(port_) + "/token"; }
  static std::string service() { return "racker-test-registry"; }
  static std::string issuer() { return "racker-test-issuer"; }
  const std::string& cert_path() const { return cert_; }  // for the registry's rootcertbundle

  std::vector<TokenRequest> requests() const;

 private:
  void serve();
  std::string dir_, cert_, key_pem_, x5c_;
  TokenServerOptions options_;
  int port_ = 0;
  int listen_fd_ = -1;
  std::string error_;
  mutable std::mutex mu_;
  std::vector<TokenRequest> requests_;  // guarded by mu_
  std::thread thread_;
};

}  // namespace racker::test
