#pragma once
// A blocking DNS client for tests (plain sockets with a receive timeout), so
// a test thread can query a server whose io_context runs on another thread.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace racker::test {

// Sends `query` to address:port and returns the raw reply, or nullopt when
// nothing came back within `timeout_ms`.
std::optional<std::vector<uint8_t>> dns_udp_exchange(const std::string& address, uint16_t port,
                                                     const std::vector<uint8_t>& query,
                                                     int timeout_ms = 3000);

// The same over TCP with 2-byte length framing; several queries are sent on
// one connection before the replies are read (pipelining); replies are
// returned in arrival order.
std::optional<std::vector<std::vector<uint8_t>>> dns_tcp_exchange(
    const std::string& address, uint16_t port, const std::vector<std::vector<uint8_t>>& queries,
    int timeout_ms = 3000);

}  // namespace racker::test
