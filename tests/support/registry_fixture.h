#pragma once
// A real registry for integration tests: Debian's docker-registry (CNCF
// distribution) started on 127.0.0.1 with a random free port and its own
// storage directory; optionally behind htpasswd Basic auth or token auth (a
// TokenServer's realm), and optionally serving HTTPS with a given
// certificate. The destructor stops it and removes everything, also when a
// test fails.

#include <sys/types.h>

#include <string>

#include "support/container_harness.h"  // shell()

namespace racker::test {

struct RegistryFixtureOptions {
  std::string username;  // non-empty: require Basic auth with these credentials
  std::string password;
  // Non-empty: require Bearer tokens from this realm (distribution's
  // `auth: token`), signed by the key whose certificate is token_rootcert.
  std::string token_realm, token_service, token_issuer, token_rootcert;
  // Non-empty: serve HTTPS with this certificate and key (PEM files).
  std::string tls_cert, tls_key;
};

// Options for a registry behind htpasswd Basic auth.
inline RegistryFixtureOptions basic_auth(std::string username, std::string password) {
  RegistryFixtureOptions o;
  o.username = std::move(username);
  o.password = std::move(password);
  return o;
}

class RegistryFixture {
 public:
  explicit RegistryFixture(RegistryFixtureOptions options = {});
  ~RegistryFixture();
  RegistryFixture(const RegistryFixture&) = delete;
  RegistryFixture& operator=(const RegistryFixture&) = delete;

  // False (with a reason) when docker-registry is missing or did not start.
  bool ok() const { return error_.empty(); }
  const std::string& error() const { return error_; }

  std::string host() const { return "127.0.0.1:" + std::to_string(port_); }
  int port() const { return port_; }
  // "http://127.0.0.1:PORT" or "https://..."
  std::string url() const { return (tls_ ? "https://" : "http://") + host(); }
  // Where the registry keeps a blob on disk (to corrupt it on purpose).
  std::string blob_data_path(const std::string& digest_hex) const;
  const std::string& dir() const { return dir_; }

 private:
  std::string dir_;
  int port_ = 0;
  bool tls_ = false;
  pid_t pid_ = -1;
  std::string error_;
};

// True if `tool` is on PATH.
bool have_tool(const std::string& tool);
// A port on 127.0.0.1 that was free a moment ago.
int free_port();

}  // namespace racker::test
