#pragma once
// Where to reach a registry: its endpoints (mirrors first), and whether it
// speaks plain HTTP. Read from /etc/racker/registries.conf (or the file named
// by RACKER_REGISTRIES_CONF) and RACKER_REGISTRY_MIRROR.
//
// registries.conf, one directive per line, "#" starts a comment:
//   mirror docker.io http://127.0.0.1:5000   # try this before the registry itself
//   insecure registry.lan:5000               # plain HTTP for this registry
// RACKER_REGISTRY_MIRROR=URL[,URL...] adds mirrors for docker.io.
// localhost, 127.0.0.0/8 and [::1] are always plain HTTP, as docker does.

#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "racker/util/error.h"

namespace racker::runtime {

inline constexpr std::string_view kDefaultRegistriesConf = "/etc/racker/registries.conf";
inline constexpr std::string_view kDockerHubEndpoint = "https://registry-1.docker.io";

struct RegistryEndpoint {
  std::string base_url;  // "https://registry-1.docker.io", "http://127.0.0.1:5000"
  bool mirror = false;
  bool operator==(const RegistryEndpoint&) const = default;
};

struct RegistryConfig {
  std::map<std::string, std::vector<std::string>> mirrors;  // domain -> base URLs
  std::set<std::string> insecure;                           // domains (host[:port])

  // Mirrors in order, then the registry itself.
  std::vector<RegistryEndpoint> endpoints_for(const std::string& domain) const;
  bool is_insecure(const std::string& domain) const;
};

// Parses registries.conf text; kParse "registries.conf:3: ..." on bad lines.
Result<RegistryConfig> parse_registry_config(std::string_view text, std::string_view file_name);

// The host's configuration: the file (absent is fine) plus the environment.
Result<RegistryConfig> load_registry_config();

}  // namespace racker::runtime
