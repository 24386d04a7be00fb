#include "racker/network/network_state.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

namespace racker::network {

namespace fs = std::filesystem;
using nlohmann::json;

const char* status_name(NetworkStatus s) {
  switch (s) {
    case NetworkStatus::kCreating: return "creating";
    case NetworkStatus::kReady: return "ready";
    case NetworkStatus::kRemoving: return "removing";
  }
  return "creating";
}

namespace {

NetworkStatus status_from(const std::string& s) {
  if (s == "ready") return NetworkStatus::kReady;
  if (s == "removing") return NetworkStatus::kRemoving;
  return NetworkStatus::kCreating;
}

// Network names become file names: keep [A-Za-z0-9_.-], %-escape the rest
// (and a leading dot), so no name can climb out of the directory.
std::string file_name_of(const std::string& name) {
  static const char* kHex = "0123456789ABCDEF";
  std::string out;
  for (std::size_t i = 0; i < name.size(); ++i) {
    unsigned char c = name[i];
    bool plain = std::isalnum(c) || c == '_' || c == '-' || (c == '.' && i > 0);
    if (plain) {
      out += char(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 0xf];
    }
  }
  return out + ".json";
}

Status write_atomically(const std::string& path, const std::string& data) {
  std::string tmp = path + ".tmp." + std::to_string(::getpid());
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return Error(Errc::kIo, "cannot write " + tmp + ": " + std::strerror(errno));
  std::size_t done = 0;
  while (done < data.size()) {
    ssize_t n = ::write(fd, data.data() + done, data.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      int e = errno;
      ::close(fd);
      ::unlink(tmp.c_str());
      return Error(Errc::kIo, "cannot write " + tmp + ": " + std::strerror(e));
    }
    done += n;
  }
  ::fsync(fd);
  ::close(fd);
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    int e = errno;
    ::unlink(tmp.c_str());
    return Error(Errc::kIo, "cannot rename " + tmp + ": " + std::strerror(e));
  }
  return ok_status();
}

json endpoint_json(const EndpointRecord& e) {
  return {{"container", e.container}, {"netns", e.netns},   {"host_ifname", e.host_ifname},
          {"ifname", e.ifname},       {"ipv4", e.ipv4},     {"ipv6", e.ipv6},
          {"mac", e.mac},             {"static_ipv4", e.static_ipv4}, {"static_ipv6", e.static_ipv6},
          {"service", e.service},     {"hostname", e.hostname}, {"aliases", e.aliases}};
}

template <class T>
T get_or(const json& j, const char* key, T fallback) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return fallback;
  return it->get<T>();
}

}  // namespace

std::string record_to_json(const NetworkRecord& r) {
  json endpoints = json::object();
  for (const auto& [name, e] : r.endpoints) endpoints[name] = endpoint_json(e);
  json j = {{"name", r.name},
            {"project", r.project},
            {"key", r.key},
            {"ifname", r.ifname},
            {"backend", r.backend},
            {"status", status_name(r.status)},
            {"internal", r.internal},
            {"adopted", r.adopted},
            {"enable_ipv6", r.enable_ipv6},
            {"subnet", r.subnet},
            {"gateway", r.gateway},
            {"ip_range", r.ip_range},
            {"subnet6", r.subnet6},
            {"gateway6", r.gateway6},
            {"ip_range6", r.ip_range6},
            {"reserved", r.reserved},
            {"labels", r.labels},
            {"endpoints", endpoints}};
  if (r.mtu) j["mtu"] = *r.mtu;
  return j.dump(2) + "\n";
}

Result<NetworkRecord> record_from_json(const std::string& text) {
  try {
    json j = json::parse(text);
    NetworkRecord r;
    r.name = j.at("name").get<std::string>();
    r.project = get_or<std::string>(j, "project", "");
    r.key = get_or<std::string>(j, "key", "");
    r.ifname = j.at("ifname").get<std::string>();
    r.backend = get_or<std::string>(j, "backend", "");
    r.status = status_from(get_or<std::string>(j, "status", "creating"));
    r.internal = get_or<bool>(j, "internal", false);
    r.adopted = get_or<bool>(j, "adopted", false);
    r.enable_ipv6 = get_or<bool>(j, "enable_ipv6", false);
    r.subnet = get_or<std::string>(j, "subnet", "");
    r.gateway = get_or<std::string>(j, "gateway", "");
    r.ip_range = get_or<std::string>(j, "ip_range", "");
    r.subnet6 = get_or<std::string>(j, "subnet6", "");
    r.gateway6 = get_or<std::string>(j, "gateway6", "");
    r.ip_range6 = get_or<std::string>(j, "ip_range6", "");
    r.reserved = get_or<std::vector<std::string>>(j, "reserved", {});
    r.labels = get_or<std::map<std::string, std::string>>(j, "labels", {});
    if (j.contains("mtu") && !j["mtu"].is_null()) r.mtu = j["mtu"].get<int>();
    if (j.contains("endpoints"))
      for (const auto& [name, e] : j["endpoints"].items()) {
        EndpointRecord ep;
        ep.container = get_or<std::string>(e, "container", name);
        ep.netns = get_or<std::string>(e, "netns", "");
        ep.host_ifname = get_or<std::string>(e, "host_ifname", "");
        ep.ifname = get_or<std::string>(e, "ifname", "");
        ep.ipv4 = get_or<std::string>(e, "ipv4", "");
        ep.ipv6 = get_or<std::string>(e, "ipv6", "");
        ep.mac = get_or<std::string>(e, "mac", "");
        ep.static_ipv4 = get_or<bool>(e, "static_ipv4", false);
        ep.static_ipv6 = get_or<bool>(e, "static_ipv6", false);
        ep.service = get_or<std::string>(e, "service", "");
        ep.hostname = get_or<std::string>(e, "hostname", "");
        ep.aliases = get_or<std::vector<std::string>>(e, "aliases", {});
        r.endpoints[name] = std::move(ep);
      }
    return r;
  } catch (const std::exception& e) {
    return Error(Errc::kParse, std::string("network state: ") + e.what());
  }
}

StateLock& StateLock::operator=(StateLock&& o) noexcept {
  if (this != &o) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = o.fd_;
    o.fd_ = -1;
  }
  return *this;
}

StateLock::~StateLock() {
  if (fd_ >= 0) {
    ::flock(fd_, LOCK_UN);
    ::close(fd_);
  }
}

std::string NetworkStore::default_dir() {
  const char* root = std::getenv("RACKER_ROOT");
  return std::string(root && *root ? root : "/var/lib/racker") + "/network";
}

std::string NetworkStore::path_of(const std::string& name) const { return dir_ + "/networks/" + file_name_of(name); }

Result<StateLock> NetworkStore::lock() const {
  std::error_code ec;
  fs::create_directories(dir_ + "/networks", ec);
  if (ec) return Error(Errc::kIo, "cannot create " + dir_ + "/networks: " + ec.message());
  std::string path = dir_ + "/lock";
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) return Error(Errc::kIo, "cannot open " + path + ": " + std::strerror(errno));
  while (::flock(fd, LOCK_EX) != 0) {
    if (errno == EINTR) continue;
    int e = errno;
    ::close(fd);
    return Error(Errc::kIo, "cannot lock " + path + ": " + std::strerror(e));
  }
  return StateLock(fd);
}

Result<std::optional<NetworkRecord>> NetworkStore::load(const std::string& name) const {
  std::ifstream in(path_of(name));
  if (!in) return std::optional<NetworkRecord>();
  std::stringstream ss;
  ss << in.rdbuf();
  auto r = record_from_json(ss.str());
  if (!r) return r.error().with_context("while reading " + path_of(name));
  return std::optional<NetworkRecord>(std::move(*r));
}

Result<std::vector<NetworkRecord>> NetworkStore::list() const {
  std::vector<NetworkRecord> out;
  std::error_code ec;
  fs::directory_iterator it(dir_ + "/networks", ec), end;
  if (ec) return out;  // no directory yet: no networks
  for (; it != end; it.increment(ec)) {
    const auto& p = it->path();
    if (p.extension() != ".json") continue;
    std::ifstream in(p);
    std::stringstream ss;
    ss << in.rdbuf();
    auto r = record_from_json(ss.str());
    if (!r) {
      spdlog::warn("network state: skipping {}: {}", p.string(), r.error().message);
      continue;
    }
    out.push_back(std::move(*r));
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.name < b.name; });
  return out;
}

Status NetworkStore::save(const NetworkRecord& record) const {
  std::error_code ec;
  fs::create_directories(dir_ + "/networks", ec);
  if (ec) return Error(Errc::kIo, "cannot create " + dir_ + "/networks: " + ec.message());
  return write_atomically(path_of(record.name), record_to_json(record));
}

Status NetworkStore::remove(const std::string& name) const {
  if (::unlink(path_of(name).c_str()) != 0 && errno != ENOENT)
    return Error(Errc::kIo, "cannot remove " + path_of(name) + ": " + std::strerror(errno));
  return ok_status();
}

bool NetworkStore::ip_forward_changed() const { return fs::exists(dir_ + "/ip_forward"); }

Status NetworkStore::set_ip_forward_changed(bool changed) const {
  std::string path = dir_ + "/ip_forward";
  if (!changed) {
    ::unlink(path.c_str());
    return ok_status();
  }
  std::error_code ec;
  fs::create_directories(dir_, ec);
  return write_atomically(path, "racker set net.ipv4.ip_forward=1\n");
}

}  // namespace racker::network
