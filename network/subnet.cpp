#include "racker/network/subnet.h"

#include <arpa/inet.h>

#include <charconv>

namespace racker::network {

IpAddress IpAddress::v4(std::uint32_t host_order) {
  IpAddress a;
  a.family_ = Family::kV4;
  a.bytes_[0] = host_order >> 24;
  a.bytes_[1] = host_order >> 16;
  a.bytes_[2] = host_order >> 8;
  a.bytes_[3] = host_order;
  return a;
}

Result<IpAddress> IpAddress::parse(std::string_view text) {
  std::string s(text);
  IpAddress a;
  if (s.find(':') == std::string::npos) {
    if (inet_pton(AF_INET, s.c_str(), a.bytes_.data()) == 1) return a;
  } else if (inet_pton(AF_INET6, s.c_str(), a.bytes_.data()) == 1) {
    a.family_ = Family::kV6;
    return a;
  }
  return Error(Errc::kInvalidArgument, "invalid IP address: \"" + s + "\"");
}

std::uint32_t IpAddress::v4_value() const {
  return (std::uint32_t(bytes_[0]) << 24) | (std::uint32_t(bytes_[1]) << 16) | (std::uint32_t(bytes_[2]) << 8) |
         bytes_[3];
}

std::string IpAddress::to_string() const {
  char buf[INET6_ADDRSTRLEN] = {};
  inet_ntop(is_v4() ? AF_INET : AF_INET6, bytes_.data(), buf, sizeof buf);
  return buf;
}

IpAddress IpAddress::plus(std::uint64_t n, int shift) const {
  IpAddress a = *this;
  int last = is_v4() ? 3 : 15;
  if (shift >= bits()) return a;
  // Whole bytes of the shift move the starting byte; the rest shifts n.
  int first = last - shift / 8;
  unsigned __int128 v = static_cast<unsigned __int128>(n) << (shift % 8);
  unsigned carry = 0;
  for (int i = first; i >= 0 && (v != 0 || carry != 0); --i) {
    unsigned sum = a.bytes_[i] + unsigned(v & 0xff) + carry;
    a.bytes_[i] = sum & 0xff;
    carry = sum >> 8;
    v >>= 8;
  }
  return a;
}

IpAddress IpAddress::masked(int prefix) const {
  IpAddress a = *this;
  for (int bit = prefix; bit < bits(); ++bit) a.bytes_[bit / 8] &= ~(0x80 >> (bit % 8));
  return a;
}

IpAddress IpAddress::with_host_bits_set(int prefix) const {
  IpAddress a = *this;
  for (int bit = prefix; bit < bits(); ++bit) a.bytes_[bit / 8] |= (0x80 >> (bit % 8));
  return a;
}

Subnet::Subnet(IpAddress address, int prefix) : network_(address.masked(prefix)), prefix_(prefix) {}

Result<Subnet> Subnet::parse(std::string_view text) {
  auto slash = text.find('/');
  auto addr = IpAddress::parse(text.substr(0, slash));
  if (!addr) return Error(Errc::kInvalidArgument, "invalid subnet: \"" + std::string(text) + "\"");
  int prefix = addr->bits();
  if (slash != std::string_view::npos) {
    auto digits = text.substr(slash + 1);
    auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), prefix);
    if (digits.empty() || ec != std::errc() || end != digits.data() + digits.size() || prefix < 0 ||
        prefix > addr->bits())
      return Error(Errc::kInvalidArgument, "invalid subnet: \"" + std::string(text) + "\"");
  }
  Subnet s(*addr, prefix);
  if (s.network() != *addr)
    return Error(Errc::kInvalidArgument, "invalid subnet " + std::string(text) + ": it should be " + s.to_string());
  return s;
}

std::string Subnet::to_string() const { return network_.to_string() + "/" + std::to_string(prefix_); }

bool Subnet::contains(const IpAddress& a) const {
  return a.family() == family() && a.masked(prefix_) == network_;
}

bool Subnet::contains(const Subnet& s) const { return s.prefix_ >= prefix_ && contains(s.network_); }

bool Subnet::overlaps(const Subnet& s) const { return contains(s) || s.contains(*this); }

std::uint64_t Subnet::size() const {
  int host_bits = network_.bits() - prefix_;
  return host_bits >= 63 ? (std::uint64_t(1) << 63) : (std::uint64_t(1) << host_bits);
}

std::optional<IpAddress> Subnet::host(std::uint64_t n) const {
  if (n >= size()) return std::nullopt;
  return network_.plus(n);
}

}  // namespace racker::network
