// WWW-Authenticate parsing, base64 and docker's config.json credentials.
#include "racker/runtime/registry_auth.h"

#include <openssl/evp.h>

#include <cctype>
#include <cstdlib>
#include <nlohmann/json.hpp>

#include "image_files.h"

namespace racker::runtime {
namespace {

using nlohmann::json;

constexpr const char* kDockerHubKey = "https://index.docker.io/v1/";

// "https://host/v1/" -> "host"; "host" stays.
std::string key_domain(std::string key) {
  if (auto p = key.find("://"); p != std::string::npos) key = key.substr(p + 3);
  key = key.substr(0, key.find('/'));
  if (key == "index.docker.io" || key == "registry-1.docker.io") key = "docker.io";
  return key;
}

Result<json> read_config(const std::string& path) {
  auto text = files::read(path);
  if (!text) {
    if (text.error().code == Errc::kNotFound) return json::object();
    return text.error();
  }
  try {
    json doc = json::parse(*text);
    if (!doc.is_object()) return Error(Errc::kParse, path + ": not a JSON object");
    return doc;
  } catch (const json::exception& e) {
    return Error(Errc::kParse, path + ": " + e.what());
  }
}

Status write_config(const std::string& path, const json& doc) {
  size_t slash = path.rfind('/');
  if (slash != std::string::npos) {
    if (auto st = files::make_dirs(path.substr(0, slash)); !st) return st;
  }
  return files::write_atomic(path, doc.dump(1, '\t') + "\n", 0600);
}

}  // namespace

std::optional<AuthChallenge> parse_www_authenticate(std::string_view header) {
  size_t i = 0;
  while (i < header.size() && std::isspace(static_cast<unsigned char>(header[i]))) ++i;
  size_t start = i;
  while (i < header.size() && !std::isspace(static_cast<unsigned char>(header[i]))) ++i;
  if (i == start) return std::nullopt;
  AuthChallenge c;
  for (size_t k = start; k < i; ++k) c.scheme.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(header[k]))));
  // key=value or key="quoted, value", separated by commas.
  while (i < header.size()) {
    while (i < header.size() && (header[i] == ',' || std::isspace(static_cast<unsigned char>(header[i])))) ++i;
    size_t eq = header.find('=', i);
    if (eq == std::string_view::npos) break;
    std::string key;
    for (size_t k = i; k < eq; ++k)
      if (!std::isspace(static_cast<unsigned char>(header[k]))) key.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(header[k]))));
    i = eq + 1;
    std::string value;
    if (i < header.size() && header[i] == '"') {
      ++i;
      while (i < header.size() && header[i] != '"') {
        if (header[i] == '\\' && i + 1 < header.size()) ++i;
        value.push_back(header[i++]);
      }
      ++i;
    } else {
      while (i < header.size() && header[i] != ',') value.push_back(header[i++]);
      while (!value.empty() && std::isspace(static_cast<unsigned char>(value.back()))) value.pop_back();
    }
    c.params[key] = value;
  }
  return c;
}

std::string base64_encode(std::string_view bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3) + 1, '\0');
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), reinterpret_cast<const unsigned char*>(bytes.data()),
                          static_cast<int>(bytes.size()));
  out.resize(static_cast<size_t>(n));
  return out;
}

Result<std::string> base64_decode(std::string_view text) {
  std::string in(text);
  while (!in.empty() && std::isspace(static_cast<unsigned char>(in.back()))) in.pop_back();
  if (in.size() % 4 != 0) return Error(Errc::kParse, "invalid base64");
  std::string out(in.size() / 4 * 3 + 1, '\0');
  int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()), reinterpret_cast<const unsigned char*>(in.data()),
                          static_cast<int>(in.size()));
  if (n < 0) return Error(Errc::kParse, "invalid base64");
  size_t len = static_cast<size_t>(n);
  // EVP_DecodeBlock counts padding as zero bytes.
  if (!in.empty() && in.back() == '=') --len;
  if (in.size() > 1 && in[in.size() - 2] == '=') --len;
  out.resize(len);
  return out;
}

std::string basic_authorization(const Credentials& creds) {
  return "Basic " + base64_encode(creds.username + ":" + creds.password);
}

std::string credentials_key(const std::string& domain) {
  return domain == "docker.io" ? kDockerHubKey : domain;
}

std::string docker_config_path() {
  if (const char* dir = std::getenv("DOCKER_CONFIG"); dir && *dir) return std::string(dir) + "/config.json";
  const char* home = std::getenv("HOME");
  return std::string(home && *home ? home : "/root") + "/.docker/config.json";
}

Result<Credentials> load_credentials(const std::string& domain, const std::string& config_path) {
  auto doc = read_config(config_path);
  if (!doc) return doc.error();
  auto auths = doc->find("auths");
  if (auths == doc->end() || !auths->is_object()) return Credentials{};
  for (const auto& [key, entry] : auths->items()) {
    if (key_domain(key) != domain || !entry.is_object()) continue;
    Credentials c;
    if (auto a = entry.find("auth"); a != entry.end() && a->is_string() && !a->get<std::string>().empty()) {
      auto decoded = base64_decode(a->get<std::string>());
      if (!decoded) return Error(Errc::kParse, config_path + ": auths." + key + ".auth: invalid base64");
      size_t colon = decoded->find(':');
      if (colon == std::string::npos) return Error(Errc::kParse, config_path + ": auths." + key + ".auth: expected user:password");
      c.username = decoded->substr(0, colon);
      c.password = decoded->substr(colon + 1);
    } else {
      c.username = entry.value("username", "");
      c.password = entry.value("password", "");
    }
    return c;
  }
  return Credentials{};
}

Status store_credentials(const std::string& domain, const Credentials& creds, const std::string& config_path) {
  auto doc = read_config(config_path);
  if (!doc) return doc.error();
  json& auths = (*doc)["auths"];
  if (!auths.is_object()) auths = json::object();
  for (auto it = auths.begin(); it != auths.end();) {
    if (key_domain(it.key()) == domain) it = auths.erase(it);
    else ++it;
  }
  auths[credentials_key(domain)] = {{"auth", base64_encode(creds.username + ":" + creds.password)}};
  return write_config(config_path, *doc);
}

Status erase_credentials(const std::string& domain, const std::string& config_path) {
  auto doc = read_config(config_path);
  if (!doc) return doc.error();
  bool found = false;
  if (auto auths = doc->find("auths"); auths != doc->end() && auths->is_object()) {
    for (auto it = auths->begin(); it != auths->end();) {
      if (key_domain(it.key()) == domain) {
        it = auths->erase(it);
        found = true;
      } else {
        ++it;
      }
    }
  }
  if (!found) return Error(Errc::kNotFound, "not logged in to " + domain);
  return write_config(config_path, *doc);
}

}  // namespace racker::runtime
