#include "racker/network/firewall.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <set>

namespace racker::network {

namespace {

constexpr const char* kLockPath = "/run/lock/racker-firewall.lock";
const std::string kT = std::string("inet ") + kFirewallTable;

std::string quoted(const std::string& s) { return "\"" + s + "\""; }

// flock on a host-wide file: every racker process, whatever its state dir.
class HostLock {
 public:
  HostLock() {
    ::mkdir("/run/lock", 01777);
    fd_ = ::open(kLockPath, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd_ >= 0)
      while (::flock(fd_, LOCK_EX) != 0 && errno == EINTR) {
      }
  }
  ~HostLock() {
    if (fd_ >= 0) ::close(fd_);
  }
  HostLock(const HostLock&) = delete;
  HostLock& operator=(const HostLock&) = delete;

 private:
  int fd_ = -1;
};

std::string trim(const std::string& s) {
  auto b = s.find_first_not_of(" \t\n");
  if (b == std::string::npos) return "";
  auto e = s.find_last_not_of(" \t\n");
  return s.substr(b, e - b + 1);
}

// The bridge an element belongs to: the quoted name in it, or after "comment".
std::string owner_of(const std::string& element) {
  auto c = element.find("comment \"");
  std::size_t start = c != std::string::npos ? c + 9 : (element.front() == '"' ? 1 : std::string::npos);
  if (start == std::string::npos) return "";
  auto end = element.find('"', start);
  return end == std::string::npos ? "" : element.substr(start, end - start);
}

// The element as `delete element` wants it: without its comment.
std::string key_of(const std::string& element) {
  auto c = element.find(" comment ");
  return c == std::string::npos ? element : element.substr(0, c);
}

}  // namespace

std::string render_firewall_skeleton() {
  std::string t = kT;
  return "add table " + t + "\n" +
         "add set " + t + " same { type ifname . ifname; }\n" +
         "add set " + t + " internal { type ifname; }\n" +
         "add set " + t + " masq4 { type ipv4_addr; flags interval; }\n" +
         "add set " + t + " masq6 { type ipv6_addr; flags interval; }\n" +
         "add chain " + t + " forward { type filter hook forward priority filter - 5; policy accept; }\n" +
         "flush chain " + t + " forward\n" +
         "add rule " + t + " forward iifname . oifname @same accept\n" +
         "add rule " + t + " forward iifname \"rk-*\" oifname \"rk-*\" drop\n" +
         "add rule " + t + " forward iifname @internal drop\n" +
         "add rule " + t + " forward oifname @internal drop\n" +
         "add chain " + t + " postrouting { type nat hook postrouting priority srcnat - 5; policy accept; }\n" +
         "flush chain " + t + " postrouting\n" +
         "add rule " + t + " postrouting ip saddr @masq4 oifname != \"rk-*\" masquerade\n" +
         "add rule " + t + " postrouting ip6 saddr @masq6 oifname != \"rk-*\" masquerade\n";
}

std::string render_firewall_add(const FirewallEntry& e) {
  std::string b = quoted(e.bridge);
  std::string out = "add element " + kT + " same { " + b + " . " + b + " }\n";
  if (e.internal) out += "add element " + kT + " internal { " + b + " }\n";
  for (const auto& subnet : e.masquerade) {
    const char* set = subnet.find(':') == std::string::npos ? "masq4" : "masq6";
    out += "add element " + kT + " " + set + " { " + subnet + " comment " + b + " }\n";
  }
  return out;
}

FirewallSets parse_firewall_listing(const std::string& listing) {
  FirewallSets sets;
  std::size_t pos = 0;
  while ((pos = listing.find("\tset ", pos)) != std::string::npos) {
    std::size_t name_start = pos + 5;
    std::size_t brace = listing.find('{', name_start);
    if (brace == std::string::npos) break;
    std::string name = trim(listing.substr(name_start, brace - name_start));
    std::size_t close = listing.find("\n\t}", brace);
    std::string body = listing.substr(brace, close == std::string::npos ? std::string::npos : close - brace);
    auto& elements = sets[name];
    auto el = body.find("elements = {");
    if (el != std::string::npos) {
      auto end = body.find('}', el + 12);
      std::string list = body.substr(el + 12, end == std::string::npos ? std::string::npos : end - el - 12);
      std::size_t start = 0;
      for (;;) {
        auto comma = list.find(',', start);
        std::string item = trim(list.substr(start, comma == std::string::npos ? std::string::npos : comma - start));
        if (!item.empty()) elements.push_back(item);
        if (comma == std::string::npos) break;
        start = comma + 1;
      }
    }
    pos = close == std::string::npos ? listing.size() : close;
  }
  return sets;
}

std::string render_firewall_remove(const std::string& bridge, const FirewallSets& sets) {
  std::string out;
  bool others = false;
  for (const auto& [set, elements] : sets)
    for (const auto& e : elements) {
      if (owner_of(e) == bridge)
        out += "delete element " + kT + " " + set + " { " + key_of(e) + " }\n";
      else
        others = true;
    }
  if (!others && !sets.empty()) return "delete table " + kT + "\n";
  return out;
}

std::vector<std::string> firewall_bridges(const FirewallSets& sets) {
  std::set<std::string> out;
  for (const auto& [set, elements] : sets)
    for (const auto& e : elements)
      if (auto o = owner_of(e); !o.empty()) out.insert(o);
  return {out.begin(), out.end()};
}

Result<Firewall> Firewall::open() {
  auto nft = Nftables::open();
  if (!nft) return nft.error();
  return Firewall(std::move(*nft));
}

Result<FirewallSets> Firewall::sets() {
  if (!nft_.has_table("inet", kFirewallTable)) return FirewallSets();
  auto listing = nft_.list("list table " + kT);
  if (!listing) return listing.error();
  return parse_firewall_listing(*listing);
}

Status Firewall::add(const FirewallEntry& entry) {
  HostLock lock;
  auto present = sets();
  if (!present) return present.error();
  // Elements already there stay; re-adding an interval element would fail.
  std::string batch = render_firewall_skeleton();
  std::string adds = render_firewall_add(entry);
  std::size_t start = 0;
  while (start < adds.size()) {
    auto end = adds.find('\n', start);
    std::string line = adds.substr(start, end - start);
    start = end + 1;
    bool have = false;
    for (const auto& [set, elements] : *present)
      for (const auto& e : elements)
        if (line.find(" " + set + " { " + key_of(e) + " ") != std::string::npos) have = true;
    if (!have) batch += line + "\n";
  }
  if (auto s = nft_.run(batch); !s) return s.error().with_context("while adding firewall rules for " + entry.bridge);
  return ok_status();
}

Status Firewall::remove(const std::string& bridge) {
  HostLock lock;
  auto present = sets();
  if (!present) return present.error();
  std::string batch = render_firewall_remove(bridge, *present);
  if (batch.empty()) return ok_status();
  if (auto s = nft_.run(batch); !s)
    return s.error().with_context("while removing firewall rules for " + bridge);
  return ok_status();
}

Result<std::vector<std::string>> Firewall::bridges() {
  auto present = sets();
  if (!present) return present.error();
  return firewall_bridges(*present);
}

Result<bool> enable_ip_forward() {
  const char* path = "/proc/sys/net/ipv4/ip_forward";
  std::ifstream in(path);
  std::string value;
  in >> value;
  if (value == "1") return false;
  std::ofstream out(path);
  out << "1\n";
  out.flush();
  if (!out) return Error(Errc::kPermission, std::string("cannot set net.ipv4.ip_forward=1: ") + std::strerror(errno));
  return true;
}

}  // namespace racker::network
