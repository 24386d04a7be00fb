#pragma once
// IP addresses and CIDR subnets as values: parse, print, compare, contain,
// overlap, and step through the addresses of a subnet. IPv4 and IPv6 share
// one type so IPAM code is written once; the arithmetic racker needs on v6
// (host numbers within a /64 or smaller range) fits in 64 bits.

#include <array>
#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "racker/util/error.h"

namespace racker::network {

enum class Family { kV4, kV6 };

class IpAddress {
 public:
  IpAddress() = default;  // 0.0.0.0
  static IpAddress v4(std::uint32_t host_order);
  // "10.1.0.100", "fd00::1". kInvalidArgument otherwise (no ports, no zones).
  static Result<IpAddress> parse(std::string_view text);

  Family family() const { return family_; }
  bool is_v4() const { return family_ == Family::kV4; }
  int bits() const { return is_v4() ? 32 : 128; }
  std::uint32_t v4_value() const;  // host order; REQUIRES: is_v4()
  const std::array<std::uint8_t, 16>& bytes() const { return bytes_; }  // v4 in the first 4
  std::string to_string() const;

  // This address plus n * 2^shift (wraps within the family's width).
  IpAddress plus(std::uint64_t n, int shift = 0) const;
  // With the host part (bits past `prefix`) cleared / set.
  IpAddress masked(int prefix) const;
  IpAddress with_host_bits_set(int prefix) const;

  auto operator<=>(const IpAddress&) const = default;

 private:
  Family family_ = Family::kV4;
  std::array<std::uint8_t, 16> bytes_{};
};

class Subnet {
 public:
  Subnet() = default;
  // REQUIRES: 0 <= prefix <= address.bits(); host bits are cleared.
  Subnet(IpAddress address, int prefix);
  // "172.18.0.0/16". Host bits set ("10.1.0.5/16") is an error that names the
  // subnet meant, as docker does; a bare address is a host route (/32, /128).
  static Result<Subnet> parse(std::string_view text);

  const IpAddress& network() const { return network_; }
  int prefix() const { return prefix_; }
  Family family() const { return network_.family(); }
  IpAddress last() const { return network_.with_host_bits_set(prefix_); }  // broadcast for v4
  std::string to_string() const;

  bool contains(const IpAddress& a) const;
  bool contains(const Subnet& s) const;
  bool overlaps(const Subnet& s) const;
  // The n-th address of the subnet (network() + n); nullopt past the end.
  std::optional<IpAddress> host(std::uint64_t n) const;
  // Addresses in the subnet, capped at 2^63 for huge v6 subnets.
  std::uint64_t size() const;

  auto operator<=>(const Subnet&) const = default;

 private:
  IpAddress network_;
  int prefix_ = 0;
};

// "172.18.0.1/16" -> address and prefix (the interface-address form).
struct Interface {
  IpAddress address;
  int prefix = 0;
  std::string to_string() const { return address.to_string() + "/" + std::to_string(prefix); }
};

}  // namespace racker::network
