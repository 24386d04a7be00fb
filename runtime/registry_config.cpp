#include "racker/runtime/registry_config.h"

#include <cstdlib>
#include <fstream>
#include <sstream>

namespace racker::runtime {
namespace {

std::vector<std::string> words(const std::string& line) {
  std::vector<std::string> out;
  std::istringstream in(line.substr(0, line.find('#')));
  std::string w;
  while (in >> w) out.push_back(w);
  return out;
}

std::string strip_slash(std::string url) {
  while (!url.empty() && url.back() == '/') url.pop_back();
  return url;
}

bool is_loopback(const std::string& domain) {
  std::string host = domain;
  if (!host.empty() && host[0] == '[') return host.rfind("[::1]", 0) == 0;
  host = host.substr(0, host.find(':'));
  return host == "localhost" || host.rfind("127.", 0) == 0;
}

}  // namespace

bool RegistryConfig::is_insecure(const std::string& domain) const {
  return is_loopback(domain) || insecure.count(domain) > 0;
}

std::vector<RegistryEndpoint> RegistryConfig::endpoints_for(const std::string& domain) const {
  std::vector<RegistryEndpoint> out;
  if (auto it = mirrors.find(domain); it != mirrors.end())
    for (const auto& url : it->second) out.push_back({url, true, false});
  if (auto it = endpoint.find(domain); it != endpoint.end()) out.push_back({it->second, false, false});
  else if (domain == "docker.io") out.push_back({std::string(kDockerHubEndpoint), false, false});
  else if (insecure.count(domain)) out.push_back({"http://" + domain, false, false});
  else out.push_back({"https://" + domain, false, is_loopback(domain)});
  return out;
}

Result<RegistryConfig> parse_registry_config(std::string_view text, std::string_view file_name) {
  RegistryConfig cfg;
  std::istringstream in{std::string(text)};
  std::string line;
  int number = 0;
  while (std::getline(in, line)) {
    ++number;
    auto w = words(line);
    if (w.empty()) continue;
    auto bad = [&](const std::string& why) {
      return Error(Errc::kParse, std::string(file_name) + ":" + std::to_string(number) + ": " + why);
    };
    if (w[0] == "mirror") {
      if (w.size() != 3) return bad("expected \"mirror DOMAIN URL\"");
      if (w[2].rfind("http://", 0) != 0 && w[2].rfind("https://", 0) != 0)
        return bad("mirror URL must start with http:// or https://");
      cfg.mirrors[w[1]].push_back(strip_slash(w[2]));
    } else if (w[0] == "endpoint") {
      if (w.size() != 3) return bad("expected \"endpoint DOMAIN URL\"");
      if (w[2].rfind("http://", 0) != 0 && w[2].rfind("https://", 0) != 0)
        return bad("endpoint URL must start with http:// or https://");
      cfg.endpoint[w[1]] = strip_slash(w[2]);
    } else if (w[0] == "insecure") {
      if (w.size() != 2) return bad("expected \"insecure DOMAIN\"");
      cfg.insecure.insert(w[1]);
    } else {
      return bad("unknown directive \"" + w[0] + "\"");
    }
  }
  return cfg;
}

Result<RegistryConfig> load_registry_config() {
  const char* env_path = std::getenv("RACKER_REGISTRIES_CONF");
  std::string path = env_path && *env_path ? env_path : std::string(kDefaultRegistriesConf);
  RegistryConfig cfg;
  std::ifstream file(path);
  if (file) {
    std::stringstream ss;
    ss << file.rdbuf();
    auto parsed = parse_registry_config(ss.str(), path);
    if (!parsed) return parsed.error();
    cfg = std::move(*parsed);
  }
  if (const char* mirror = std::getenv("RACKER_REGISTRY_MIRROR"); mirror && *mirror) {
    std::string list = mirror;
    std::vector<std::string> from_env;
    size_t start = 0;
    while (start <= list.size()) {
      size_t comma = list.find(',', start);
      std::string url = list.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
      if (!url.empty()) from_env.push_back(strip_slash(url));
      if (comma == std::string::npos) break;
      start = comma + 1;
    }
    auto& m = cfg.mirrors["docker.io"];
    m.insert(m.begin(), from_env.begin(), from_env.end());  // the environment wins
  }
  return cfg;
}

std::string registry_certs_dir() {
  const char* env = std::getenv("RACKER_CERTS_DIR");
  return env && *env ? env : std::string(kDefaultCertsDir);
}

}  // namespace racker::runtime
