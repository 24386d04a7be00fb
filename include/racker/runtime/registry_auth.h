#pragma once
// Registry credentials and authentication challenges.
//
// Credentials live where docker keeps them, so `docker login` and `racker
// login` share them: $DOCKER_CONFIG/config.json or ~/.docker/config.json,
// "auths": {"<registry>": {"auth": base64("user:password")}}. Docker Hub's key
// is "https://index.docker.io/v1/". Credential helpers (credsStore) are not
// consulted.

#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "racker/util/error.h"

namespace racker::runtime {

struct Credentials {
  std::string username;
  std::string password;
  bool empty() const { return username.empty() && password.empty(); }
};

// A parsed WWW-Authenticate header: scheme ("bearer", "basic", lowercased)
// and its parameters (realm, service, scope, ...).
struct AuthChallenge {
  std::string scheme;
  std::map<std::string, std::string> params;
};

// Parses `Bearer realm="https://auth/token",service="registry",scope="..."`.
// nullopt when there is no recognizable scheme.
std::optional<AuthChallenge> parse_www_authenticate(std::string_view header);

std::string base64_encode(std::string_view bytes);
Result<std::string> base64_decode(std::string_view text);
// "Basic <base64(user:password)>"
std::string basic_authorization(const Credentials& creds);

// The key docker uses in config.json for a registry domain.
std::string credentials_key(const std::string& domain);

// Where config.json lives: $DOCKER_CONFIG/config.json, else $HOME/.docker/config.json.
std::string docker_config_path();

// Credentials for `domain` (keys "host", "https://host", "http://host/..."
// all match). Empty credentials when none are stored; kParse for a broken file.
Result<Credentials> load_credentials(const std::string& domain, const std::string& config_path);
// Adds or replaces the entry, keeping everything else in the file; written
// atomically with mode 0600.
Status store_credentials(const std::string& domain, const Credentials& creds, const std::string& config_path);
// kNotFound "not logged in to <domain>" when there was no entry.
Status erase_credentials(const std::string& domain, const std::string& config_path);

}  // namespace racker::runtime
