// Benchmark driver for racker's embedded DNS server (bench/dns/run builds it
// from the network/ sources): serves the names of a hosts-format file
// ("ADDRESS NAME [NAME...]" per line) as one network's endpoints on
// ADDRESS:PORT, UDP and TCP, until SIGINT/SIGTERM; then prints its counters.
//
// usage: dns_bench_server ADDRESS PORT HOSTS_FILE
// Prints "ready PORT" on stdout once listening.
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>
#include <string>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>

#include "racker/network/dns_records.h"
#include "racker/network/dns_server.h"

namespace asio = boost::asio;
using racker::network::DnsEndpoint;
using racker::network::DnsRecords;
using racker::network::DnsServer;
using racker::network::DnsServerOptions;

int main(int argc, char** argv) {
  if (argc != 4) {
    std::fprintf(stderr, "usage: %s ADDRESS PORT HOSTS_FILE\n", argv[0]);
    return 2;
  }
  std::ifstream hosts(argv[3]);
  if (!hosts) {
    std::fprintf(stderr, "cannot read %s\n", argv[3]);
    return 2;
  }
  // One endpoint per line; the first name is the container, the second (if
  // any) the service, the rest aliases: replicas share a service name.
  DnsRecords records;
  std::string line;
  int n = 0;
  while (std::getline(hosts, line)) {
    std::istringstream in(line);
    std::string address, container, service, alias;
    if (!(in >> address >> container)) continue;
    DnsEndpoint e;
    e.network = "bench_default";
    e.container = container;
    if (in >> service) e.service = service;
    while (in >> alias) e.aliases.push_back(alias);
    e.addresses.push_back(asio::ip::make_address(address));
    if (auto st = records.add(e); !st) {
      std::fprintf(stderr, "%s\n", st.error().message.c_str());
      return 1;
    }
    ++n;
  }

  asio::io_context io;
  DnsServerOptions o;
  o.address = asio::ip::make_address(argv[1]);
  o.port = static_cast<uint16_t>(std::atoi(argv[2]));
  o.zone.network = "bench_default";
  auto server = DnsServer::start(io, records, o);  // no upstreams: nothing leaves the host
  if (!server) {
    std::fprintf(stderr, "%s\n", server.error().to_string().c_str());
    return 1;
  }
  asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&](const boost::system::error_code&, int) { (*server)->stop(); });
  std::printf("ready %u (%d endpoints)\n", (*server)->port(), n);
  std::fflush(stdout);
  io.run();
  auto s = (*server)->stats();
  std::printf("queries %llu local %llu forwarded %llu dropped %llu\n",
              static_cast<unsigned long long>(s.queries), static_cast<unsigned long long>(s.local),
              static_cast<unsigned long long>(s.forwarded), static_cast<unsigned long long>(s.dropped));
  return 0;
}
