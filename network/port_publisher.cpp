// PortPublisher: read racker's ports table, change one container's share,
// write the whole table back atomically, all under an flock.
#include "racker/network/port_publisher.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <utility>

#include <spdlog/spdlog.h>

#include "racker/network/port_rules.h"

namespace racker::network {
namespace {

// Holds an exclusive flock on a file for its lifetime.
class FileLock {
 public:
  static Result<FileLock> acquire(const std::string& path) {
    std::error_code ec;
    std::filesystem::create_directories(std::filesystem::path(path).parent_path(), ec);
    int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) return Error(Errc::kIo, "cannot open lock " + path + ": " + strerror(errno));
    while (::flock(fd, LOCK_EX) != 0) {
      if (errno == EINTR) continue;
      int err = errno;
      ::close(fd);
      return Error(Errc::kIo, "cannot lock " + path + ": " + strerror(err));
    }
    return FileLock(fd);
  }
  FileLock(FileLock&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  FileLock& operator=(FileLock&&) = delete;
  ~FileLock() {
    if (fd_ >= 0) ::close(fd_);  // closing releases the lock
  }

 private:
  explicit FileLock(int fd) : fd_(fd) {}
  int fd_;
};

std::string default_lock_path(const std::string& table) {
  const char* run = std::getenv("RACKER_RUN");
  std::string dir = run && *run ? run : "/run/racker";
  return dir + "/" + table + ".lock";
}

// The interface whose IPv4 subnet holds `ip` (the container's bridge), the
// most specific one if several do; "" when none does.
std::string interface_for(const std::string& ip) {
  in_addr target{};
  if (inet_pton(AF_INET, ip.c_str(), &target) != 1) return "";
  ifaddrs* list = nullptr;
  if (getifaddrs(&list) != 0) return "";
  std::string best;
  uint32_t best_mask = 0;
  for (ifaddrs* i = list; i; i = i->ifa_next) {
    if (!i->ifa_addr || !i->ifa_netmask || i->ifa_addr->sa_family != AF_INET) continue;
    if (i->ifa_flags & IFF_LOOPBACK) continue;
    uint32_t addr = ntohl(reinterpret_cast<sockaddr_in*>(i->ifa_addr)->sin_addr.s_addr);
    uint32_t mask = ntohl(reinterpret_cast<sockaddr_in*>(i->ifa_netmask)->sin_addr.s_addr);
    if ((addr & mask) != (ntohl(target.s_addr) & mask)) continue;
    if (best.empty() || mask > best_mask) {
      best = i->ifa_name;
      best_mask = mask;
    }
  }
  freeifaddrs(list);
  return best;
}

bool loopback_reachable(const PortMapping& m) {
  if (is_ipv6_literal(m.container_ip)) return false;
  return m.host_ip.empty() || m.host_ip.rfind("127.", 0) == 0;
}

// Bridges that need route_localnet=1 so 127.0.0.1 reaches their containers.
std::vector<std::string> localnet_bridges(const PublishedPorts& ports) {
  std::vector<std::string> out;
  for (const auto& [id, mappings] : ports) {
    for (const PortMapping& m : mappings) {
      if (!loopback_reachable(m)) continue;
      std::string bridge = interface_for(m.container_ip);
      if (bridge.empty()) {
        spdlog::warn("ports: no host interface holds {} ({}): 127.0.0.1 will not reach it", m.container_ip, id);
        continue;
      }
      if (std::find(out.begin(), out.end(), bridge) == out.end()) out.push_back(bridge);
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

void set_route_localnet(const std::string& bridge, bool on) {
  std::string path = "/proc/sys/net/ipv4/conf/" + bridge + "/route_localnet";
  std::ofstream f(path);
  f << (on ? "1" : "0");
  f.close();
  if (!f) spdlog::warn("ports: cannot write {}: published ports may not answer on 127.0.0.1", path);
}

void warn_if_no_forwarding() {
  std::ifstream f("/proc/sys/net/ipv4/ip_forward");
  char c = '1';
  f >> c;
  if (f && c == '0')
    spdlog::warn("ports: net.ipv4.ip_forward is 0: published ports answer from this host only, "
                 "not from other hosts");
}

}  // namespace

PortPublisher::PortPublisher(Nftables nft, PortPublisherOptions options)
    : nft_(std::move(nft)), options_(std::move(options)) {
  if (!options_.host) options_.host = std::make_shared<SystemHostPorts>();
  if (options_.lock_path.empty()) options_.lock_path = default_lock_path(options_.table);
}

Result<PortPublisher> PortPublisher::open(PortPublisherOptions options) {
  if (!valid_port_owner(options.table))
    return Error(Errc::kInvalidArgument, "invalid nftables table name \"" + options.table + "\"");
  auto nft = Nftables::open();
  if (!nft) return nft.error();
  return PortPublisher(std::move(*nft), std::move(options));
}

Result<PublishedPorts> PortPublisher::read_table() {
  table_exists_ = false;
  auto listing = nft_.list("list table inet " + options_.table);
  if (!listing) {
    if (listing.error().code == Errc::kNotFound) return PublishedPorts{};
    return listing.error();
  }
  table_exists_ = true;
  return parse_ports_table(*listing);
}

Status PortPublisher::write_table(const PublishedPorts& before, const PublishedPorts& next) {
  std::vector<std::string> old_bridges = localnet_bridges(before);
  std::vector<std::string> bridges = localnet_bridges(next);
  if (next.empty() && !table_exists_) return ok_status();
  if (Status st = nft_.run(render_ports_table(options_.table, next, bridges)); !st)
    return st.error().with_context("while writing nftables table inet " + options_.table);
  // After the batch, so the guard rule exists before route_localnet is on.
  for (const std::string& b : bridges) set_route_localnet(b, true);
  for (const std::string& b : old_bridges)
    if (std::find(bridges.begin(), bridges.end(), b) == bridges.end()) set_route_localnet(b, false);
  return ok_status();
}

Result<PublishedPorts> PortPublisher::published() {
  auto lock = FileLock::acquire(options_.lock_path);
  if (!lock) return lock.error();
  return read_table();
}

Result<std::vector<PortMapping>> PortPublisher::ports_of(const std::string& container_id) {
  auto ports = published();
  if (!ports) return ports.error();
  auto it = ports->find(container_id);
  return it == ports->end() ? std::vector<PortMapping>{} : it->second;
}

Result<std::vector<PortMapping>> PortPublisher::resolve(const std::vector<PortSpec>& specs,
                                                        const std::string& container_ip) {
  auto ports = published();
  if (!ports) return ports.error();
  return resolve_ports(specs, container_ip, *options_.host, *ports);
}

Status PortPublisher::check_available(const std::vector<PortMapping>& mappings, const std::string& container_id) {
  auto ports = published();
  if (!ports) return ports.error();
  return check_ports(mappings, *options_.host, *ports, container_id);
}

Status PortPublisher::publish(const std::string& container_id, const std::vector<PortMapping>& mappings) {
  if (!valid_port_owner(container_id))
    return Error(Errc::kInvalidArgument, "cannot publish ports for \"" + container_id +
                                             "\": container ids may hold letters, digits, '_', '.' and '-'");
  if (mappings.empty()) return unpublish(container_id);
  auto lock = FileLock::acquire(options_.lock_path);
  if (!lock) return lock.error();
  auto before = read_table();
  if (!before) return before.error();
  if (Status st = check_ports(mappings, *options_.host, *before, container_id); !st) return st;
  PublishedPorts next = *before;
  next[container_id] = mappings;
  if (Status st = write_table(*before, next); !st) return st;
  warn_if_no_forwarding();
  for (const PortMapping& m : mappings) spdlog::debug("ports: {} publishes {}", container_id, format_port_mapping(m));
  return ok_status();
}

Status PortPublisher::remove_owners(const std::function<bool(const std::string&)>& doomed) {
  auto lock = FileLock::acquire(options_.lock_path);
  if (!lock) return lock.error();
  auto before = read_table();
  if (!before) return before.error();
  PublishedPorts next;
  for (const auto& [id, mappings] : *before) {
    if (doomed(id)) {
      spdlog::debug("ports: removing the ports of {}", id);
    } else {
      next.emplace(id, mappings);
    }
  }
  // Nothing of theirs here (an empty table, left by a crash, still goes).
  if (next.size() == before->size() && !(next.empty() && table_exists_)) return ok_status();
  return write_table(*before, next);
}

Status PortPublisher::unpublish(const std::string& container_id) {
  return remove_owners([&](const std::string& id) { return id == container_id; });
}

Status PortPublisher::cleanup_stale(const std::set<std::string>& live_ids) {
  return remove_owners([&](const std::string& id) { return live_ids.count(id) == 0; });
}

}  // namespace racker::network
