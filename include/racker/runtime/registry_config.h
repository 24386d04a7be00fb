#pragma once
// Where to reach a registry: its endpoints (mirrors first), and whether it
// speaks plain HTTP. Read from /etc/racker/registries.conf (or the file named
// by RACKER_REGISTRIES_CONF) and RACKER_REGISTRY_MIRROR.
//
// registries.conf, one directive per line, "#" starts a comment:
//   mirror docker.io http://127.0.0.1:5000   # try this before the registry itself
//   insecure registry.lan:5000               # plain HTTP for this registry
//   endpoint docker.io https://hub.lan       # reach the registry itself here
// RACKER_REGISTRY_MIRROR=URL[,URL...] adds mirrors for docker.io, before
// those of the file.
//
// Transport: HTTPS, verified against the system CA store plus the CAs in
// <certs dir>/<host:port>/*.crt (registry_certs_dir()). Registries named
// `insecure` speak plain HTTP. localhost, 127.0.0.0/8 and [::1] are tried
// over HTTPS first and spoken to in plain HTTP when the server does not
// speak TLS (docker treats them as insecure); a TLS server there must still
// present a certificate that verifies.

#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "racker/util/error.h"

namespace racker::runtime {

inline constexpr std::string_view kDefaultRegistriesConf = "/etc/racker/registries.conf";
inline constexpr std::string_view kDockerHubEndpoint = "https://registry-1.docker.io";

inline constexpr std::string_view kDefaultCertsDir = "/etc/racker/certs.d";

struct RegistryEndpoint {
  std::string base_url;  // "https://registry-1.docker.io", "http://127.0.0.1:5000"
  bool mirror = false;
  bool plain_http_fallback = false;  // https first, plain HTTP if the server does not speak TLS
  bool operator==(const RegistryEndpoint&) const = default;
};

struct RegistryConfig {
  std::map<std::string, std::vector<std::string>> mirrors;  // domain -> base URLs
  std::set<std::string> insecure;                           // domains (host[:port])
  std::map<std::string, std::string> endpoint;              // domain -> base URL of the registry itself

  // Mirrors in order, then the registry itself.
  std::vector<RegistryEndpoint> endpoints_for(const std::string& domain) const;
  bool is_insecure(const std::string& domain) const;
};

// Parses registries.conf text; kParse "registries.conf:3: ..." on bad lines.
Result<RegistryConfig> parse_registry_config(std::string_view text, std::string_view file_name);

// The host's configuration: the file (absent is fine) plus the environment.
Result<RegistryConfig> load_registry_config();

// Where per-registry CA certificates live: $RACKER_CERTS_DIR, else
// /etc/racker/certs.d (docker's /etc/docker/certs.d layout).
std::string registry_certs_dir();

}  // namespace racker::runtime
