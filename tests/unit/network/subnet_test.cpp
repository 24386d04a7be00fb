#include "racker/network/subnet.h"

#include <catch2/catch.hpp>

using namespace racker;
using namespace racker::network;

namespace {
Subnet S(const char* text) { return Subnet::parse(text).value(); }
IpAddress A(const char* text) { return IpAddress::parse(text).value(); }
}  // namespace

TEST_CASE("addresses parse and print in both families", "[network][subnet]") {
  CHECK(A("10.1.0.100").to_string() == "10.1.0.100");
  CHECK(A("10.1.0.100").is_v4());
  CHECK(A("10.1.0.100").v4_value() == 0x0a010064u);
  CHECK(A("FD00:0::1").to_string() == "fd00::1");
  CHECK_FALSE(A("fd00::1").is_v4());
  CHECK(IpAddress::v4(0xac120001u).to_string() == "172.18.0.1");
  for (const char* bad : {"", "10.1.0", "10.1.0.256", "x", "10.1.0.1/24", "fd00::1%eth0", "1.2.3.4:80"}) {
    INFO(bad);
    auto r = IpAddress::parse(bad);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().code == Errc::kInvalidArgument);
  }
}

TEST_CASE("address arithmetic carries across bytes", "[network][subnet]") {
  CHECK(A("10.0.0.255").plus(1).to_string() == "10.0.1.0");
  CHECK(A("172.17.0.0").plus(1, 16).to_string() == "172.18.0.0");
  CHECK(A("192.168.0.0").plus(3, 12).to_string() == "192.168.48.0");
  CHECK(A("fd72:6b72:6b00::").plus(5, 64).to_string() == "fd72:6b72:6b00:5::");
  CHECK(A("fd00::ffff").plus(1).to_string() == "fd00::1:0");
  CHECK(A("10.1.2.3").masked(16).to_string() == "10.1.0.0");
  CHECK(A("10.1.2.3").with_host_bits_set(16).to_string() == "10.1.255.255");
}

TEST_CASE("subnets parse, print and refuse host bits", "[network][subnet]") {
  CHECK(S("172.18.0.0/16").to_string() == "172.18.0.0/16");
  CHECK(S("10.1.0.0/16").prefix() == 16);
  CHECK(S("10.1.0.7").to_string() == "10.1.0.7/32");
  CHECK(S("fd00::/64").to_string() == "fd00::/64");
  auto bad = Subnet::parse("10.1.0.5/16");
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.error().message == "invalid subnet 10.1.0.5/16: it should be 10.1.0.0/16");
  for (const char* text : {"10.1.0.0/33", "10.1.0.0/", "10.1.0.0/x", "fd00::/129", "nonsense/8", "10.1.0.0/-1"}) {
    INFO(text);
    CHECK_FALSE(Subnet::parse(text).ok());
  }
}

TEST_CASE("containment and overlap", "[network][subnet]") {
  CHECK(S("10.1.0.0/16").contains(A("10.1.255.254")));
  CHECK_FALSE(S("10.1.0.0/16").contains(A("10.2.0.1")));
  CHECK_FALSE(S("10.1.0.0/16").contains(A("fd00::1")));
  CHECK(S("10.0.0.0/8").contains(S("10.1.0.0/16")));
  CHECK_FALSE(S("10.1.0.0/16").contains(S("10.0.0.0/8")));
  CHECK(S("10.1.0.0/16").overlaps(S("10.0.0.0/8")));
  CHECK(S("10.0.0.0/8").overlaps(S("10.1.0.0/16")));
  CHECK_FALSE(S("172.18.0.0/16").overlaps(S("172.19.0.0/16")));
  CHECK_FALSE(S("10.0.0.0/8").overlaps(S("fd00::/8")));
  CHECK(S("fd00::/8").overlaps(S("fd00:1::/64")));
}

TEST_CASE("hosts of a subnet and its size", "[network][subnet]") {
  Subnet s = S("10.1.0.0/30");
  CHECK(s.size() == 4);
  CHECK(s.host(1)->to_string() == "10.1.0.1");
  CHECK(s.last().to_string() == "10.1.0.3");
  CHECK_FALSE(s.host(4).has_value());
  CHECK(S("fd00::/64").size() == (std::uint64_t(1) << 63));
}
