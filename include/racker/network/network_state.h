#pragma once
// What racker knows about the networks it made, on disk, so a later racker
// process (or one after a crash) finds bridges, subnets and endpoints again:
//
//   $RACKER_ROOT/network/networks/<name>.json   one NetworkRecord each
//   $RACKER_ROOT/network/lock                   flock(2): held by every
//                                               read-modify-write (IPAM!)
//   $RACKER_ROOT/network/ip_forward             present when racker turned
//                                               net.ipv4.ip_forward on
//
// RACKER_ROOT defaults to /var/lib/racker. Files are replaced atomically
// (write + rename), so a reader never sees half a record.

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "racker/util/error.h"

namespace racker::network {

// One container's attachment to one network.
struct EndpointRecord {
  std::string container;    // the key: container name
  std::string netns;        // path of the network namespace file
  std::string host_ifname;  // rkv..., on the host, enslaved to the bridge
  std::string ifname;       // inside the namespace: eth0, eth1, ...
  std::string ipv4, ipv6;   // "" when none
  std::string mac;          // "" when the kernel chose
  bool static_ipv4 = false, static_ipv6 = false;
  // Names the embedded DNS server answers for this endpoint (dns_records.h).
  std::string service, hostname;
  std::vector<std::string> aliases;
};

enum class NetworkStatus { kCreating, kReady, kRemoving };

struct NetworkRecord {
  std::string name;     // full name: <project>_<key>, or compose `name:`
  std::string project;  // "" for networks made outside a project
  std::string key;      // compose key
  std::string ifname;   // the bridge
  std::string backend;  // "networkd" | "netlink" | "host" (adopted host bridge)
  NetworkStatus status = NetworkStatus::kCreating;
  bool internal = false;
  bool adopted = false;  // an existing host bridge used as `external`: never created nor deleted by racker
  bool enable_ipv6 = false;
  // IPv4 addressing (always), IPv6 when enable_ipv6. Subnets in CIDR text.
  std::string subnet, gateway, ip_range;
  std::string subnet6, gateway6, ip_range6;
  std::vector<std::string> reserved;  // aux_addresses, both families
  std::optional<int> mtu;
  std::map<std::string, std::string> labels;
  std::map<std::string, EndpointRecord> endpoints;  // by container name
};

const char* status_name(NetworkStatus s);

// Held while alive; released (flock LOCK_UN + close) on destruction.
class StateLock {
 public:
  StateLock() = default;
  explicit StateLock(int fd) : fd_(fd) {}
  StateLock(StateLock&& o) noexcept : fd_(o.fd_) { o.fd_ = -1; }
  StateLock& operator=(StateLock&& o) noexcept;
  StateLock(const StateLock&) = delete;
  StateLock& operator=(const StateLock&) = delete;
  ~StateLock();

 private:
  int fd_ = -1;
};

class NetworkStore {
 public:
  // `dir` is $RACKER_ROOT/network; see default_dir().
  explicit NetworkStore(std::string dir) : dir_(std::move(dir)) {}
  static std::string default_dir();  // $RACKER_ROOT/network, RACKER_ROOT=/var/lib/racker by default
  const std::string& dir() const { return dir_; }

  // Blocks until this process holds the store's exclusive lock. Every caller
  // that reads records to decide a write holds it across both.
  Result<StateLock> lock() const;

  // nullopt when no record of that name exists.
  Result<std::optional<NetworkRecord>> load(const std::string& name) const;
  // Every record, sorted by name. Unreadable files are skipped with a warning.
  Result<std::vector<NetworkRecord>> list() const;
  Status save(const NetworkRecord& record) const;
  Status remove(const std::string& name) const;  // absent is fine

  // The ip_forward marker (see above).
  bool ip_forward_changed() const;
  Status set_ip_forward_changed(bool changed) const;

 private:
  std::string path_of(const std::string& name) const;
  std::string dir_;
};

// JSON round trip, exposed for tests.
std::string record_to_json(const NetworkRecord& record);
Result<NetworkRecord> record_from_json(const std::string& text);

}  // namespace racker::network
