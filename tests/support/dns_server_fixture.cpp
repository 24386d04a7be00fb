#include "support/dns_server_fixture.h"

#include <chrono>
#include <cstdio>

namespace racker::test {

namespace asio = boost::asio;

DnsServerFixture::DnsServerFixture(std::vector<std::string> networks,
                                   std::chrono::milliseconds upstream_timeout) {
  work_.emplace(asio::make_work_guard(io_));
  upstream_ = std::make_unique<DnsFakeUpstream>(io_, "127.0.0.1");
  if (!upstream_->ok()) {
    error_ = upstream_->error();
  } else {
    for (const auto& network : networks) {
      network::DnsServerOptions o;
      o.address = asio::ip::make_address("127.0.0.1");
      o.port = 0;
      o.zone.network = network;
      o.forwarder.upstreams = {upstream_->endpoint()};
      o.forwarder.timeout = upstream_timeout;
      auto server = network::DnsServer::start(io_, records_, o);
      if (!server) {
        error_ = server.error().to_string();
        break;
      }
      ports_.push_back((*server)->port());
      servers_.push_back(std::move(*server));
    }
  }
  thread_ = std::thread([this] {
    io_.run();
    finished_ = true;
  });
}

DnsServerFixture::~DnsServerFixture() {
  asio::post(io_, [this] {
    for (auto& s : servers_) s->stop();
    upstream_->close();
  });
  work_.reset();
  // Stopped servers leave only aborted handlers behind: run() returns by
  // itself. Force it after a while rather than hang a failing test.
  for (int i = 0; i < 500 && !finished_; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  if (!finished_) io_.stop();
  thread_.join();
}

void DnsServerFixture::add(const std::string& network, const std::string& container,
                           const std::string& service, const std::vector<std::string>& addresses,
                           const std::vector<std::string>& aliases, const std::string& hostname) {
  network::DnsEndpoint e;
  e.network = network;
  e.container = container;
  e.service = service;
  e.aliases = aliases;
  e.hostname = hostname;
  for (const auto& a : addresses) e.addresses.push_back(asio::ip::make_address(a));
  (void)records_.add(std::move(e));
}

void DnsServerFixture::on_loop(std::function<void()> f) {
  std::promise<void> done;
  asio::post(io_, [&] {
    f();
    done.set_value();
  });
  done.get_future().wait();
}

void DnsServerFixture::stop_server(size_t index) {
  on_loop([&] { servers_.at(index)->stop(); });
}

network::DnsServerStats DnsServerFixture::stats(size_t index) {
  network::DnsServerStats out;
  on_loop([&] { out = servers_.at(index)->stats(); });
  return out;
}

std::optional<std::string> run_dig(uint16_t port, const std::string& args) {
  if (std::system("command -v dig >/dev/null 2>&1") != 0) return std::nullopt;
  std::string cmd = "dig @127.0.0.1 -p " + std::to_string(port) + " +time=3 +tries=1 " + args + " 2>&1";
  FILE* p = ::popen(cmd.c_str(), "r");
  if (p == nullptr) return std::nullopt;
  std::string out;
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  ::pclose(p);
  return out;
}

}  // namespace racker::test
