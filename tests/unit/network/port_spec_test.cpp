#include "racker/network/port_spec.h"

#include <catch2/catch.hpp>

#include "racker/compose/model.h"

using namespace racker;
using namespace racker::network;

namespace {

// "host_ip|first-last|container/proto" per spec, or "error: message".
std::string show(const char* spec) {
  auto r = parse_port_spec(spec);
  if (!r) return "error: " + r.error().message;
  std::string out;
  for (const PortSpec& p : *r) {
    if (!out.empty()) out += " ";
    out += p.host_ip + "|" + std::to_string(p.host_first) + "-" + std::to_string(p.host_last) + "|" +
           std::to_string(p.container_port) + "/" + protocol_name(p.protocol);
  }
  return out;
}

}  // namespace

TEST_CASE("short syntax: container port only means an ephemeral host port", "[port_spec]") {
  CHECK(show("80") == "|0-0|80/tcp");
  CHECK(show("80/udp") == "|0-0|80/udp");
  CHECK(show("80/UDP") == "|0-0|80/udp");
  CHECK(show("80/") == "|0-0|80/tcp");
  CHECK(show("127.0.0.1::80") == "127.0.0.1|0-0|80/tcp");
  CHECK(show("0:80") == "|0-0|80/tcp");
}

TEST_CASE("short syntax: fixed host ports and addresses", "[port_spec]") {
  CHECK(show("8080:80") == "|8080-8080|80/tcp");
  CHECK(show("127.0.0.1:3000:3000") == "127.0.0.1|3000-3000|3000/tcp");
  CHECK(show("8125:8125/udp") == "|8125-8125|8125/udp");
  CHECK(show("0.0.0.0:53:53/udp") == "0.0.0.0|53-53|53/udp");
}

TEST_CASE("short syntax: IPv6 host addresses bare or in brackets", "[port_spec]") {
  CHECK(show("[::1]:8080:80") == "::1|8080-8080|80/tcp");
  CHECK(show("::1:8080:80") == "::1|8080-8080|80/tcp");
  CHECK(show("[fd00::2]::80/udp") == "fd00::2|0-0|80/udp");
}

TEST_CASE("short syntax: ranges of equal length pair up port by port", "[port_spec]") {
  CHECK(show("8000-8001:80-81") == "|8000-8000|80/tcp |8001-8001|81/tcp");
  CHECK(show("127.0.0.1:5000-5002:6000-6002/udp") ==
        "127.0.0.1|5000-5000|6000/udp 127.0.0.1|5001-5001|6001/udp 127.0.0.1|5002-5002|6002/udp");
  CHECK(show("80-82") == "|0-0|80/tcp |0-0|81/tcp |0-0|82/tcp");
  CHECK(show("8080-8080:80-80") == "|8080-8080|80/tcp");
}

TEST_CASE("short syntax: a host range with one container port is a pool", "[port_spec]") {
  CHECK(show("8000-8005:80") == "|8000-8005|80/tcp");
  CHECK(show("127.0.0.1:9000-9100:9000/udp") == "127.0.0.1|9000-9100|9000/udp");
}

TEST_CASE("short syntax: errors use docker's wording", "[port_spec]") {
  CHECK(show("8o") == "error: invalid containerPort: 8o");
  CHECK(show("8080:8o") == "error: invalid containerPort: 8o");
  CHECK(show("0") == "error: invalid containerPort: 0");
  CHECK(show("70000") == "error: invalid containerPort: 70000");
  CHECK(show("82-80") == "error: invalid containerPort: 82-80");
  CHECK(show("80-") == "error: invalid containerPort: 80-");
  CHECK(show("70000:80") == "error: invalid hostPort: 70000");
  CHECK(show("x:80") == "error: invalid hostPort: x");
  CHECK(show("9-8:80") == "error: invalid hostPort: 9-8");
  CHECK(show("0-5:80") == "error: invalid hostPort: 0-5");
  CHECK(show("80/icmp") == "error: invalid proto: icmp");
  CHECK(show("8000-8002:80-81") == "error: invalid ranges specified for container and host Ports: 80-81 and 8000-8002");
  CHECK(show("8080:") == "error: no port specified: 8080:<empty>");
  CHECK(show("") == "error: no port specified: <empty>");
  CHECK(show("/tcp") == "error: no port specified: /tcp<empty>");
  CHECK(show("1.2.3:80:80") == "error: invalid IP address: 1.2.3");
  CHECK(show("localhost:80:80") == "error: invalid IP address: localhost");
  CHECK(show("[::1:80:80") == "error: invalid IP address: [::1");
  auto r = parse_port_spec("8o");
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().code == Errc::kInvalidArgument);
}

TEST_CASE("short syntax: sctp parses but is refused as unsupported", "[port_spec]") {
  auto r = parse_port_spec("5000:5000/sctp");
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().code == Errc::kUnsupported);
  CHECK(r.error().message == "sctp ports cannot be published by racker (tcp and udp only)");
}

TEST_CASE("compose long syntax becomes a spec", "[port_spec]") {
  compose::model::PortConfig port;
  port.target = 80;
  port.published = "8080";
  auto fixed = port_spec_from_compose(port);
  REQUIRE(fixed.ok());
  CHECK(*fixed == PortSpec{"", 8080, 8080, 80, Protocol::kTcp});

  port.host_ip = "127.0.0.1";
  port.published = "8000-8010";
  port.protocol = "udp";
  auto pool = port_spec_from_compose(port);
  REQUIRE(pool.ok());
  CHECK(*pool == PortSpec{"127.0.0.1", 8000, 8010, 80, Protocol::kUdp});

  port.host_ip = "";
  port.published = "";
  auto ephemeral = port_spec_from_compose(port);
  REQUIRE(ephemeral.ok());
  CHECK(ephemeral->ephemeral());

  port.published = "80a";
  CHECK(port_spec_from_compose(port).error().message == "invalid hostPort: 80a");
  port.published = "";
  port.host_ip = "not-an-ip";
  CHECK(port_spec_from_compose(port).error().message == "invalid IP address: not-an-ip");
  port.host_ip = "";
  port.protocol = "sctp";
  CHECK(port_spec_from_compose(port).error().code == Errc::kUnsupported);
}

TEST_CASE("mapping text round-trips, with any-addresses for all", "[port_spec]") {
  PortMapping all = PortMapping{"", 8080, "10.88.0.2", 80};
  CHECK(format_port_mapping(all) == "0.0.0.0:8080->10.88.0.2:80/tcp");
  PortMapping local = PortMapping{"127.0.0.1", 8125, "10.88.0.2", 8125, Protocol::kUdp};
  CHECK(format_port_mapping(local) == "127.0.0.1:8125->10.88.0.2:8125/udp");
  PortMapping v6 = PortMapping{"fd00::1", 53, "fd01::2", 5353, Protocol::kUdp};
  CHECK(format_port_mapping(v6) == "[fd00::1]:53->[fd01::2]:5353/udp");
  PortMapping v6_all = PortMapping{"", 443, "fd01::2", 443};
  CHECK(format_port_mapping(v6_all) == "[::]:443->[fd01::2]:443/tcp");

  for (const PortMapping& m : {all, local, v6, v6_all}) {
    auto back = parse_port_mapping(format_port_mapping(m));
    REQUIRE(back.has_value());
    CHECK(*back == m);
  }
  CHECK_FALSE(parse_port_mapping("0.0.0.0:8080->10.88.0.2:80/icmp").has_value());
  CHECK_FALSE(parse_port_mapping("0.0.0.0:8080-10.88.0.2:80/tcp").has_value());
  CHECK_FALSE(parse_port_mapping("host:8080->10.88.0.2:80/tcp").has_value());
  CHECK_FALSE(parse_port_mapping("0.0.0.0:80800->10.88.0.2:80/tcp").has_value());
}

TEST_CASE("port lines read like docker port", "[port_spec]") {
  CHECK(format_port_line(PortMapping{"", 8080, "10.88.0.2", 80}) == "80/tcp -> 0.0.0.0:8080");
  CHECK(format_port_line(PortMapping{"127.0.0.1", 3000, "10.88.0.2", 3000}) == "3000/tcp -> 127.0.0.1:3000");
  CHECK(format_port_line(PortMapping{"", 53, "fd01::2", 53, Protocol::kUdp}) == "53/udp -> [::]:53");
}
