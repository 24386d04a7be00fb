#pragma once
// DNS messages as racker's embedded server needs them: a query parsed into a
// plain struct, replies built from plain structs. The wire codec is ldns
// (libldns); it stays inside dns_message.cpp.
//
// Parsing never trusts its input: any byte string is either a query, a
// malformed message that deserves FORMERR (it has a header), or something to
// drop silently (too short for a header, or a response: answering responses
// invites loops).

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include <boost/asio/ip/address.hpp>

namespace racker::network {

enum class DnsRcode : uint8_t {
  kNoError = 0,
  kFormErr = 1,
  kServFail = 2,
  kNxDomain = 3,
  kNotImp = 4,
  kRefused = 5,
};

inline constexpr uint16_t kDnsTypeA = 1;
inline constexpr uint16_t kDnsTypePtr = 12;
inline constexpr uint16_t kDnsTypeAaaa = 28;
inline constexpr uint16_t kDnsTypeAny = 255;
inline constexpr uint16_t kDnsClassIn = 1;
inline constexpr uint16_t kDnsClassAny = 255;
inline constexpr size_t kDnsHeaderSize = 12;
inline constexpr size_t kDnsClassicUdpSize = 512;   // without EDNS (RFC 1035)
inline constexpr uint16_t kDnsServerUdpSize = 1232;  // what racker advertises in EDNS

struct DnsQuery {
  uint16_t id = 0;
  uint8_t opcode = 0;
  bool recursion_desired = false;
  bool checking_disabled = false;
  std::string name;  // lower case, no trailing dot ("" is the root); escaped as in zone files
  std::string asked_name;  // `name` in the client's own letter case, echoed in replies
  uint16_t type = 0;
  uint16_t qclass = 0;
  bool edns = false;  // the query carried an OPT record
  uint8_t edns_version = 0;
  uint16_t edns_udp_size = 0;
  bool edns_do = false;
  size_t question_end = 0;  // offset just past the question in the wire query
};

enum class DnsParseOutcome {
  kQuery,      // `query` is filled
  kMalformed,  // has a header: answer with dns_header_reply(kFormErr)
  kIgnore,     // drop without answering
};

struct DnsParsed {
  DnsParseOutcome outcome = DnsParseOutcome::kIgnore;
  DnsQuery query;
};

// Parses a query. More or less than one question is kMalformed.
DnsParsed parse_dns_query(std::span<const uint8_t> wire);

// One answer record: an address for A/AAAA, a name for PTR.
struct DnsAnswer {
  std::string owner;  // without trailing dot
  uint32_t ttl = 0;
  std::variant<boost::asio::ip::address, std::string> data;
};

struct DnsReplySpec {
  DnsRcode rcode = DnsRcode::kNoError;
  bool authoritative = false;
  bool recursion_available = true;
  std::vector<DnsAnswer> answers;
};

// Builds the reply to `query` (same ID, question echoed, RD/CD copied, an OPT
// record when the query had one; BADVERS for EDNS versions other than 0). When
// it would exceed `max_size` bytes the answers are dropped and TC is set, so
// the client retries over TCP.
std::vector<uint8_t> build_dns_reply(const DnsQuery& query, const DnsReplySpec& spec,
                                     size_t max_size);

// A header-only reply (no question) to `wire`, which must hold at least a
// header: for messages that could not be parsed.
std::vector<uint8_t> build_dns_header_reply(std::span<const uint8_t> wire, DnsRcode rcode);

// The largest UDP reply `query`'s sender accepts: 512 without EDNS, else its
// advertised size clamped to [512, kDnsServerUdpSize].
size_t dns_udp_limit(const DnsQuery& query);

// Message header fields of any wire message of at least 12 bytes.
uint16_t dns_wire_id(std::span<const uint8_t> wire);
void dns_set_wire_id(std::span<uint8_t> wire, uint16_t id);
bool dns_wire_truncated(std::span<const uint8_t> wire);
DnsRcode dns_wire_rcode(std::span<const uint8_t> wire);

// True when `reply` answers `query_wire` (sent with the same ID): QR set and
// the same question, names compared case-insensitively. Guards the forwarder
// against stray or spoofed datagrams.
bool dns_reply_matches(std::span<const uint8_t> query_wire, size_t question_end,
                       std::span<const uint8_t> reply);

// A recursive query for `name` (A for an IPv4 `type_of`, else AAAA) with
// `id`, as a client sends it.
std::vector<uint8_t> build_dns_address_query(const std::string& name, const boost::asio::ip::address& type_of,
                                             uint16_t id);
// The A and AAAA addresses in a reply's answer section; empty when it has
// none or is not a valid message.
std::vector<boost::asio::ip::address> dns_reply_addresses(std::span<const uint8_t> reply);

// "4.3.2.1.in-addr.arpa" -> 1.2.3.4, the 32-nibble ip6.arpa form -> an IPv6
// address; nullopt for anything else (including partial reverse names).
std::optional<boost::asio::ip::address> dns_reverse_name_address(std::string_view name);

// The reverse name of an address, without trailing dot.
std::string dns_reverse_name(const boost::asio::ip::address& address);

}  // namespace racker::network
