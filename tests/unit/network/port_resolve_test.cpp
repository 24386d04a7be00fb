#include "racker/network/port_resolve.h"

#include <catch2/catch.hpp>

#include <deque>
#include <set>
#include <tuple>

using namespace racker;
using namespace racker::network;

namespace {

// A host whose busy ports and ephemeral choices the test decides.
class FakeHostPorts : public HostPorts {
 public:
  std::set<std::tuple<std::string, uint16_t, Protocol>> busy;  // ("", port) = busy on every address
  std::set<std::string> foreign_addresses;                     // not on this host
  std::deque<uint16_t> ephemeral;                              // handed out in order
  int binds = 0;

  Status try_bind(const std::string& host_ip, bool, uint16_t port, Protocol protocol) override {
    ++binds;
    if (foreign_addresses.count(host_ip)) return Error(Errc::kIo, "Cannot assign requested address");
    if (busy.count({host_ip, port, protocol}) || busy.count({"", port, protocol}))
      return Error(Errc::kConflict, "Address already in use");
    return ok_status();
  }
  Result<uint16_t> pick_ephemeral(const std::string&, bool, Protocol) override {
    if (ephemeral.empty()) return Error(Errc::kIo, "no ports left");
    uint16_t p = ephemeral.front();
    ephemeral.pop_front();
    return p;
  }
};

PortSpec spec(std::string host_ip, uint16_t first, uint16_t last, uint16_t container,
              Protocol protocol = Protocol::kTcp) {
  return PortSpec{std::move(host_ip), first, last, container, protocol};
}

PortMapping mapping(std::string host_ip, uint16_t host_port, std::string container_ip, uint16_t container_port,
                    Protocol protocol = Protocol::kTcp) {
  return PortMapping{std::move(host_ip), host_port, std::move(container_ip), container_port, protocol};
}

}  // namespace

TEST_CASE("fixed ports map as written and 0.0.0.0 means all", "[port_resolve]") {
  FakeHostPorts host;
  auto r = resolve_ports({spec("", 8080, 8080, 80), spec("0.0.0.0", 53, 53, 53, Protocol::kUdp),
                          spec("127.0.0.1", 3000, 3000, 3000)},
                         "10.88.0.2", host, {});
  REQUIRE(r.ok());
  REQUIRE(r->size() == 3);
  CHECK((*r)[0] == mapping("", 8080, "10.88.0.2", 80));
  CHECK((*r)[1] == mapping("", 53, "10.88.0.2", 53, Protocol::kUdp));
  CHECK((*r)[2] == mapping("127.0.0.1", 3000, "10.88.0.2", 3000));
  CHECK(host.binds == 0);  // fixed ports are checked by check_ports, not here
}

TEST_CASE("a host range gives its first port free on the host and in racker", "[port_resolve]") {
  FakeHostPorts host;
  host.busy.insert({"", 8000, Protocol::kTcp});
  PublishedPorts published{{"other-1", {mapping("127.0.0.1", 8001, "10.88.0.3", 80)}}};
  auto r = resolve_ports({spec("", 8000, 8005, 80)}, "10.88.0.2", host, published);
  REQUIRE(r.ok());
  CHECK(r->at(0).host_port == 8002);

  // Two pools over the same range in one request take different ports.
  auto two = resolve_ports({spec("", 9000, 9001, 80), spec("", 9000, 9001, 81)}, "10.88.0.2", host, {});
  REQUIRE(two.ok());
  CHECK(two->at(0).host_port == 9000);
  CHECK(two->at(1).host_port == 9001);

  // The same port number is free for another protocol.
  auto udp = resolve_ports({spec("", 8000, 8005, 80, Protocol::kUdp)}, "10.88.0.2", host, published);
  REQUIRE(udp.ok());
  CHECK(udp->at(0).host_port == 8000);
}

TEST_CASE("a host range with no free port is refused", "[port_resolve]") {
  FakeHostPorts host;
  host.busy.insert({"", 8000, Protocol::kTcp});
  host.busy.insert({"", 8001, Protocol::kTcp});
  auto r = resolve_ports({spec("", 8000, 8001, 80)}, "10.88.0.2", host, {});
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().code == Errc::kConflict);
  CHECK(r.error().message == "Bind for 0.0.0.0:8000-8001 failed: port is already allocated (no free port in the range)");
}

TEST_CASE("ephemeral ports come from the kernel, skipping racker's own", "[port_resolve]") {
  FakeHostPorts host;
  host.ephemeral = {40000, 40001, 40002};
  PublishedPorts published{{"other-1", {mapping("", 40000, "10.88.0.3", 80)}}};
  auto r = resolve_ports({spec("", 0, 0, 80), spec("127.0.0.1", 0, 0, 81)}, "10.88.0.2", host, published);
  REQUIRE(r.ok());
  CHECK(r->at(0) == mapping("", 40001, "10.88.0.2", 80));
  CHECK(r->at(1) == mapping("127.0.0.1", 40002, "10.88.0.2", 81));
}

TEST_CASE("host addresses kernel NAT cannot serve are refused clearly", "[port_resolve]") {
  FakeHostPorts host;
  auto v6_to_v4 = resolve_ports({spec("fd00::1", 8080, 8080, 80)}, "10.88.0.2", host, {});
  REQUIRE_FALSE(v6_to_v4.ok());
  CHECK(v6_to_v4.error().code == Errc::kUnsupported);
  CHECK(v6_to_v4.error().message ==
        "cannot publish [fd00::1]:80 to container address 10.88.0.2: racker publishes ports with kernel NAT, "
        "which does not translate between IPv4 and IPv6");

  auto any6_to_v4 = resolve_ports({spec("::", 8080, 8080, 80)}, "10.88.0.2", host, {});
  REQUIRE_FALSE(any6_to_v4.ok());
  CHECK(any6_to_v4.error().code == Errc::kUnsupported);

  auto v4_to_v6 = resolve_ports({spec("127.0.0.1", 8080, 8080, 80)}, "fd01::2", host, {});
  REQUIRE_FALSE(v4_to_v6.ok());
  CHECK(v4_to_v6.error().code == Errc::kUnsupported);

  auto loop6 = resolve_ports({spec("::1", 8080, 8080, 80)}, "fd01::2", host, {});
  REQUIRE_FALSE(loop6.ok());
  CHECK(loop6.error().message ==
        "cannot publish on [::1]: IPv6 loopback traffic never leaves the host's lo interface, so kernel NAT "
        "cannot forward it to a container; use 127.0.0.1");

  auto bad = resolve_ports({spec("", 8080, 8080, 80)}, "not-an-ip", host, {});
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.error().message == "invalid container address \"not-an-ip\"");
}

TEST_CASE("IPv6 containers publish on IPv6 host addresses", "[port_resolve]") {
  FakeHostPorts host;
  auto r = resolve_ports({spec("fd00::1", 8080, 8080, 80), spec("::", 8443, 8443, 443)}, "fd01::2", host, {});
  REQUIRE(r.ok());
  CHECK(r->at(0) == mapping("fd00::1", 8080, "fd01::2", 80));
  CHECK(r->at(1) == mapping("", 8443, "fd01::2", 443));
}

TEST_CASE("overlap: same protocol and port, and all-addresses or the same address", "[port_resolve]") {
  CHECK(mappings_overlap(mapping("", 80, "10.0.0.2", 80), mapping("", 80, "10.0.0.3", 81)));
  CHECK(mappings_overlap(mapping("", 80, "10.0.0.2", 80), mapping("127.0.0.1", 80, "10.0.0.3", 80)));
  CHECK(mappings_overlap(mapping("127.0.0.1", 80, "10.0.0.2", 80), mapping("127.0.0.1", 80, "10.0.0.3", 80)));
  CHECK_FALSE(mappings_overlap(mapping("127.0.0.1", 80, "10.0.0.2", 80), mapping("10.1.0.1", 80, "10.0.0.3", 80)));
  CHECK_FALSE(mappings_overlap(mapping("", 80, "10.0.0.2", 80), mapping("", 80, "10.0.0.2", 80, Protocol::kUdp)));
  CHECK_FALSE(mappings_overlap(mapping("", 80, "10.0.0.2", 80), mapping("", 81, "10.0.0.2", 80)));
  CHECK_FALSE(mappings_overlap(mapping("", 80, "10.0.0.2", 80), mapping("", 80, "fd00::2", 80)));
}

TEST_CASE("check_ports: a port used on the host is refused with docker's words", "[port_resolve]") {
  FakeHostPorts host;
  host.busy.insert({"", 8080, Protocol::kTcp});
  Status st = check_ports({mapping("", 8080, "10.88.0.2", 80)}, host, {});
  REQUIRE_FALSE(st.ok());
  CHECK(st.error().code == Errc::kConflict);
  CHECK(st.error().message ==
        "Bind for 0.0.0.0:8080 failed: port is already allocated (in use on the host: Address already in use)");

  CHECK(check_ports({mapping("", 8080, "10.88.0.2", 80, Protocol::kUdp)}, host, {}).ok());
  CHECK(check_ports({mapping("", 8081, "10.88.0.2", 80)}, host, {}).ok());
}

TEST_CASE("check_ports: ports racker publishes for another container are refused", "[port_resolve]") {
  FakeHostPorts host;
  PublishedPorts published{{"web-1", {mapping("127.0.0.1", 3000, "10.88.0.3", 3000)}}};
  Status st = check_ports({mapping("", 3000, "10.88.0.2", 3000)}, host, published, "api-1");
  REQUIRE_FALSE(st.ok());
  CHECK(st.error().message ==
        "Bind for 0.0.0.0:3000 failed: port is already allocated (published by racker container web-1)");
  // A container's own current ports do not block its republication.
  CHECK(check_ports({mapping("", 3000, "10.88.0.2", 3000)}, host, published, "web-1").ok());
  // Another address on the same port is free.
  CHECK(check_ports({mapping("10.1.0.1", 3000, "10.88.0.2", 3000)}, host, published, "api-1").ok());
}

TEST_CASE("check_ports: the same host port twice in one request", "[port_resolve]") {
  FakeHostPorts host;
  Status st = check_ports({mapping("", 8080, "10.88.0.2", 80), mapping("127.0.0.1", 8080, "10.88.0.2", 81)}, host, {});
  REQUIRE_FALSE(st.ok());
  CHECK(st.error().message == "Bind for 127.0.0.1:8080 failed: port is already allocated");
}

TEST_CASE("check_ports: an address that is not the host's", "[port_resolve]") {
  FakeHostPorts host;
  host.foreign_addresses.insert("10.9.9.9");
  Status st = check_ports({mapping("10.9.9.9", 80, "10.88.0.2", 80)}, host, {});
  REQUIRE_FALSE(st.ok());
  CHECK(st.error().code == Errc::kIo);
  CHECK(st.error().message == "Bind for 10.9.9.9:80 failed: Cannot assign requested address");
}

TEST_CASE("check_ports refuses mappings kernel NAT cannot serve, before touching the host", "[port_resolve]") {
  FakeHostPorts host;
  auto why = [&](const PortMapping& m) {
    Status st = check_ports({m}, host, {});
    return st.ok() ? std::string("ok") : st.error().message;
  };
  CHECK(why(mapping("", 8080, "10.88.0.2", 80)) == "ok");
  CHECK(why(mapping("", 0, "10.88.0.2", 80)) == "invalid hostPort: 0");
  CHECK(why(mapping("", 8080, "10.88.0.2", 0)) == "invalid containerPort: 0");
  // Addresses end up in nft rule text: only IP literals pass.
  CHECK(why(mapping("", 8080, "10.88.0.2 drop; flush ruleset", 80)) ==
        "invalid container address \"10.88.0.2 drop; flush ruleset\"");
  CHECK(why(mapping("127.0.0.1 }", 8080, "10.88.0.2", 80)) == "invalid IP address: 127.0.0.1 }");
  CHECK(why(mapping("::1", 8080, "fd01::2", 80)).rfind("cannot publish on [::1]", 0) == 0);
  CHECK(why(mapping("fd00::1", 8080, "10.88.0.2", 80)).rfind("cannot publish [fd00::1]:80", 0) == 0);
  CHECK(host.binds == 1);  // only the good one reached the host
}
