#pragma once
// DNS messages for tests, built and read with ldns independently of racker's
// own codec: queries as bytes, replies as a plain struct with answers as
// text ("A 10.0.0.2", "AAAA fd00::2", "PTR web-1.net.").

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace racker::test {

struct DnsQueryOptions {
  uint16_t id = 0x1234;
  bool rd = true;
  uint8_t opcode = 0;
  uint16_t qclass = 1;
  std::optional<uint16_t> edns_udp_size;  // set: add an OPT record
  uint8_t edns_version = 0;
};

std::vector<uint8_t> dns_query(const std::string& name, uint16_t type, DnsQueryOptions options = {});

struct DnsTestReply {
  bool parsed = false;  // false: not a valid DNS message
  uint16_t id = 0;
  int rcode = -1;       // including the EDNS extended bits
  bool qr = false, aa = false, tc = false, ra = false, rd = false;
  std::string question;  // as written in the reply, with trailing dot
  uint16_t qtype = 0;
  int qdcount = 0;
  std::vector<std::string> answers;
  bool edns = false;
  size_t size = 0;
};

DnsTestReply dns_parse_reply(std::span<const uint8_t> wire);

// A reply to `query` made by a test's fake server: answers given as
// text records ("A 198.51.100.7"); `truncate` sets TC with no answers.
std::vector<uint8_t> dns_fake_reply(std::span<const uint8_t> query, int rcode,
                                    const std::vector<std::string>& answers, bool truncate);

}  // namespace racker::test
