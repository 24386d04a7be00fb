// The host DNS daemon's core: records from the NetworkStore, one DnsServer
// per served network, the singleton lock and the idle exit (dns_daemon.h).
//
// Watching the store: a 200 ms poll of the networks directory (names, inode,
// mtime and size of each *.json), not inotify. The store replaces files by
// rename, so every save changes the inode and a poll never misses one; the
// directory may not exist yet when the daemon starts, or be removed and made
// again, which inotify watches do not survive without extra bookkeeping; and
// the same timer drives bind retries and the idle exit. A stat of a handful
// of files five times a second costs nothing measurable.
#include "racker/network/dns_daemon.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <set>
#include <thread>

#include <boost/asio/ip/address.hpp>
#include <spdlog/spdlog.h>

#include "racker/network/dns_forwarder.h"

namespace racker::network {

namespace asio = boost::asio;
using Clock = std::chrono::steady_clock;

namespace {

std::optional<asio::ip::address> parse_address(std::string text) {
  if (auto slash = text.find('/'); slash != std::string::npos) text.resize(slash);
  if (text.empty()) return std::nullopt;
  boost::system::error_code ec;
  auto a = asio::ip::make_address(text, ec);
  if (ec) return std::nullopt;
  return a;
}

bool same_endpoint(const DnsEndpoint& a, const DnsEndpoint& b) {
  return a.network == b.network && a.container == b.container && a.service == b.service &&
         a.aliases == b.aliases && a.hostname == b.hostname && a.addresses == b.addresses;
}

bool has_endpoints(const std::vector<NetworkRecord>& networks) {
  return std::any_of(networks.begin(), networks.end(),
                     [](const NetworkRecord& n) { return !n.endpoints.empty(); });
}

// What the poll compares: every record file's name, inode, mtime and size.
std::string store_signature(const std::string& dir) {
  std::vector<std::string> lines;
  std::error_code ec;
  for (std::filesystem::directory_iterator it(dir + "/networks", ec), end; !ec && it != end; it.increment(ec)) {
    std::string name = it->path().filename().string();
    if (name.size() < 5 || name.compare(name.size() - 5, 5, ".json") != 0) continue;
    struct stat st {};
    if (::stat(it->path().c_str(), &st) != 0) continue;
    lines.push_back(name + ' ' + std::to_string(st.st_ino) + ' ' + std::to_string(st.st_mtim.tv_sec) + '.' +
                    std::to_string(st.st_mtim.tv_nsec) + ' ' + std::to_string(st.st_size));
  }
  std::sort(lines.begin(), lines.end());
  std::string out;
  for (const auto& l : lines) out += l + '\n';
  return out;
}

}  // namespace

std::vector<DnsEndpoint> dns_endpoints(const NetworkRecord& network) {
  std::vector<DnsEndpoint> out;
  for (const auto& [key, e] : network.endpoints) {
    DnsEndpoint d;
    d.network = network.name;
    d.container = e.container.empty() ? key : e.container;
    d.service = e.service;
    d.aliases = e.aliases;
    d.hostname = e.hostname;
    for (const std::string* text : {&e.ipv4, &e.ipv6})
      if (auto a = parse_address(*text)) d.addresses.push_back(*a);
    out.push_back(std::move(d));
  }
  return out;
}

Status fill_dns_records(const std::vector<NetworkRecord>& networks, DnsRecords& records) {
  std::string problems;
  for (const auto& network : networks) {
    std::vector<DnsEndpoint> wanted = dns_endpoints(network);
    std::set<std::string> keep;
    for (const auto& e : wanted) keep.insert(e.container);
    std::map<std::string, DnsEndpoint> had;
    for (auto& e : records.endpoints(network.name)) {
      if (!keep.count(e.container)) records.remove(network.name, e.container);
      else had.emplace(e.container, std::move(e));
    }
    for (auto& e : wanted) {
      auto it = had.find(e.container);
      if (it != had.end() && same_endpoint(it->second, e)) continue;  // keeps its round-robin turn
      Status added = records.add(std::move(e));
      if (!added) problems += (problems.empty() ? "" : "; ") + added.error().message;
    }
  }
  if (!problems.empty()) return Error(Errc::kInvalidArgument, problems);
  return ok_status();
}

bool dns_serves(const NetworkRecord& network) {
  return network.status != NetworkStatus::kRemoving && !network.endpoints.empty() &&
         parse_address(network.gateway).has_value();
}

Result<DnsServerOptions> dns_server_options(const NetworkRecord& network,
                                            const std::vector<asio::ip::udp::endpoint>& upstreams,
                                            uint16_t port) {
  auto gateway = parse_address(network.gateway);
  if (!gateway) return Error(Errc::kInvalidArgument, "network " + network.name + " has no usable gateway");
  DnsServerOptions o;
  o.address = *gateway;
  o.port = port;
  o.zone.network = network.name;
  if (!network.internal) o.forwarder.upstreams = upstreams;
  return o;
}

std::string dns_lock_path(const std::string& run_dir) {
  if (!run_dir.empty()) return run_dir + "/dns.lock";
  const char* run = std::getenv("RACKER_RUN");
  return std::string(run && *run ? run : "/run/racker") + "/dns.lock";
}

DnsDaemonOptions dns_daemon_options_from_env() {
  DnsDaemonOptions o;
  if (const char* idle = std::getenv("RACKER_DNS_IDLE_SECONDS"); idle && *idle) {
    char* end = nullptr;
    double s = std::strtod(idle, &end);
    if (end && *end == '\0' && s >= 0)
      o.idle_exit = std::chrono::milliseconds(static_cast<int64_t>(s * 1000));
    else
      spdlog::warn("dns daemon: ignoring RACKER_DNS_IDLE_SECONDS={}", idle);
  }
  return o;
}

DnsDaemon::DnsDaemon(asio::io_context& io, DnsDaemonOptions options)
    : io_(io),
      options_(std::move(options)),
      store_(options_.state_dir.empty() ? NetworkStore::default_dir() : options_.state_dir),
      timer_(io) {}

DnsDaemon::~DnsDaemon() {
  if (running_) finish(false);
}

bool DnsDaemon::lock(std::chrono::milliseconds patience) {
  std::string path = dns_lock_path(options_.run_dir);
  std::error_code ec;
  std::filesystem::create_directories(std::filesystem::path(path).parent_path(), ec);
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) {
    spdlog::error("dns daemon: cannot open {}: {}", path, std::strerror(errno));
    return false;
  }
  // ensure_dns_daemon() probes the lock by taking it for an instant: retry
  // for a moment before concluding another daemon holds it.
  auto deadline = Clock::now() + patience;
  while (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    if ((errno != EWOULDBLOCK && errno != EINTR) || Clock::now() >= deadline) {
      ::close(fd);
      return false;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  std::string pid = std::to_string(::getpid()) + "\n";
  if (::ftruncate(fd, 0) != 0 || ::pwrite(fd, pid.data(), pid.size(), 0) < 0)
    spdlog::debug("dns daemon: cannot write pid to {}", path);
  lock_fd_ = fd;
  return true;
}

void DnsDaemon::unlock() {
  if (lock_fd_ < 0) return;
  ::flock(lock_fd_, LOCK_UN);
  ::close(lock_fd_);
  lock_fd_ = -1;
}

Status DnsDaemon::start() {
  if (running_) return ok_status();
  if (options_.take_lock && !lock(std::chrono::milliseconds(300)))
    return Error(Errc::kConflict, "another racker DNS daemon holds " + dns_lock_path(options_.run_dir));
  running_ = true;
  last_busy_ = Clock::now();
  if (refresh(true)) last_busy_ = Clock::now();
  schedule();
  return ok_status();
}

void DnsDaemon::stop() {
  if (running_) finish(true);
}

void DnsDaemon::finish(bool notify) {
  running_ = false;
  timer_.cancel();
  for (auto& [name, s] : servers_)
    if (s.server) s.server->stop();
  servers_.clear();
  unlock();
  publish();
  if (notify && options_.on_exit) options_.on_exit();
}

void DnsDaemon::schedule() {
  timer_.expires_after(options_.poll_interval);
  timer_.async_wait([this](boost::system::error_code ec) {
    if (ec || !running_) return;
    tick();
  });
}

void DnsDaemon::tick() {
  bool busy = refresh(false);
  if (busy) last_busy_ = Clock::now();
  if (!busy && options_.idle_exit.count() > 0 && Clock::now() - last_busy_ >= options_.idle_exit)
    return idle_check();
  schedule();
}

bool DnsDaemon::refresh(bool force) {
  std::string signature = store_signature(store_.dir());
  bool changed = force || signature != signature_;
  if (!changed) {
    // Nothing new; only servers that failed to bind are retried.
    reconcile({}, false);
    return busy_;
  }
  auto networks = store_.list();
  if (!networks) {
    spdlog::warn("dns daemon: reading {}: {}", store_.dir(), networks.error().to_string());
    return busy_;  // keep what runs; try again at the next poll
  }
  signature_ = signature;
  busy_ = has_endpoints(*networks);
  reconcile(*networks, true);
  return busy_;
}

void DnsDaemon::reconcile(const std::vector<NetworkRecord>& networks, bool changed) {
  auto now = Clock::now();
  if (changed) {
    auto upstreams = host_dns_upstreams(options_.resolv_conf);
    std::string problem = upstreams ? "" : upstreams.error().to_string();
    if (!problem.empty() && problem != upstream_problem_)
      spdlog::warn("dns daemon: no upstream resolvers: {}", problem);
    upstream_problem_ = problem;
    upstreams_ = upstreams ? std::move(*upstreams) : std::vector<asio::ip::udp::endpoint>{};

    // Records first, so a server started below answers at once.
    Status filled = fill_dns_records(networks, records_);
    if (!filled) spdlog::warn("dns daemon: {}", filled.error().message);
    std::set<std::string> names;
    for (const auto& n : networks) names.insert(n.name);
    for (const auto& old : known_)
      if (!names.count(old)) records_.remove_network(old);
    known_.assign(names.begin(), names.end());

    // Servers of networks that went, or whose gateway or kind changed, stop.
    std::map<std::string, const NetworkRecord*> wanted;
    for (const auto& n : networks)
      if (dns_serves(n)) wanted.emplace(n.name, &n);
    for (auto it = servers_.begin(); it != servers_.end();) {
      auto w = wanted.find(it->first);
      bool keep = w != wanted.end() && w->second->gateway == it->second.gateway &&
                  w->second->internal == it->second.internal;
      if (keep) {
        ++it;
        continue;
      }
      spdlog::info("dns daemon: stopping the server of {} on {}", it->first, it->second.gateway);
      if (it->second.server) it->second.server->stop();
      it = servers_.erase(it);
    }
    for (const auto& [name, n] : wanted) {
      if (servers_.count(name)) continue;
      Served s;
      s.gateway = n->gateway;
      s.internal = n->internal;
      servers_.emplace(name, std::move(s));
    }
    wanted_.clear();
    for (const auto& [name, n] : wanted) wanted_.emplace(name, *n);
  }

  bool started = false;
  for (auto& [name, s] : servers_) {
    if (s.server) continue;
    bool first = s.last_try == Clock::time_point{};
    if (!changed && !first && now - s.last_try < options_.bind_retry) continue;
    s.last_try = now;
    auto w = wanted_.find(name);
    if (w == wanted_.end()) continue;
    auto o = dns_server_options(w->second, upstreams_, options_.port);
    if (!o) {
      spdlog::warn("dns daemon: {}", o.error().message);
      continue;
    }
    auto server = DnsServer::start(io_, records_, std::move(*o));
    if (!server) {
      // Logged loudly once, then quietly at every retry.
      if (first) spdlog::warn("dns daemon: {} (retrying)", server.error().to_string());
      else spdlog::debug("dns daemon: {}", server.error().to_string());
      continue;
    }
    spdlog::info("dns daemon: serving {} on {}:{}{}", name, s.gateway, (*server)->port(),
                 s.internal ? " (internal: no upstreams)" : "");
    s.server = std::move(*server);
    started = true;
  }
  if (changed || started) publish();
}

void DnsDaemon::idle_check() {
  // From the unlock on, a racker process that writes an endpoint and finds
  // the lock free starts a new daemon; one that wrote before our read below
  // found it held and relies on us. So: unlock, read, and stay only if the
  // read shows endpoints and the lock can be taken again.
  unlock();
  auto networks = store_.list();
  bool busy = !networks || has_endpoints(*networks);
  if (!busy) {
    spdlog::info("dns daemon: no endpoints for {} ms, exiting", options_.idle_exit.count());
    return finish(true);
  }
  if (options_.take_lock && !lock(std::chrono::milliseconds(300))) {
    spdlog::info("dns daemon: another daemon took over, exiting");
    return finish(true);
  }
  last_busy_ = Clock::now();
  refresh(true);
  schedule();
}

void DnsDaemon::publish() {
  std::map<std::string, std::string> now;
  for (const auto& [name, s] : servers_)
    if (s.server) now.emplace(name, s.gateway);
  std::lock_guard<std::mutex> g(served_mu_);
  served_ = std::move(now);
}

std::map<std::string, std::string> DnsDaemon::served() const {
  std::lock_guard<std::mutex> g(served_mu_);
  return served_;
}

}  // namespace racker::network
