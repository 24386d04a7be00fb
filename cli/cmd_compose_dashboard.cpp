// racker compose dashboard [--listen [ADDR:]PORT]: a read-only web page of the
// project (services, states, health, ports, the dependency graph and live
// logs), served by runtime/dashboard_server.h until interrupted. The page
// gets everything through one event stream: the services' rows (as `compose
// ps --format json` prints them) whenever they change, and every log line.
#include <algorithm>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <csignal>
#include <cstdio>
#include <deque>
#include <memory>
#include <nlohmann/json.hpp>
#include <set>
#include <spdlog/spdlog.h>

#include "cmd_compose_common.h"
#include "command.h"
#include "container_cli.h"
#include "compose_ps_json.h"
#include "dashboard_page.h"
#include "graph_svg.h"
#include "racker/compose/graph.h"
#include "racker/convert/graph_render.h"
#include "racker/runtime/dashboard_server.h"
#include "racker/runtime/project_logs.h"
#include "racker/runtime/service_container.h"

namespace racker::cli {
namespace {

using namespace racker::runtime;

constexpr const char* kDefaultListen = "127.0.0.1:7654";
constexpr auto kRefresh = std::chrono::milliseconds(500);
constexpr size_t kRecentLogFrames = 200;  // what a page that connects now sees first
constexpr int kInitialTail = 20;          // records per container read when the dashboard starts

struct DashboardFlags {
  std::string listen = kDefaultListen;
};

struct ListenAddress {
  std::string address;
  uint16_t port = 0;
};

// "PORT", ":PORT", "ADDR:PORT" or "[V6]:PORT"; a bare port listens on loopback.
Result<ListenAddress> parse_listen(const std::string& text) {
  ListenAddress out{"127.0.0.1", 0};
  std::string port = text;
  if (!text.empty() && text[0] == '[') {
    auto close = text.find("]:");
    if (close == std::string::npos) return Error(Errc::kInvalidArgument, "--listen: expected [ADDRESS]:PORT, got " + text);
    out.address = text.substr(1, close - 1);
    port = text.substr(close + 2);
  } else if (auto colon = text.rfind(':'); colon != std::string::npos) {
    if (colon > 0) out.address = text.substr(0, colon);
    port = text.substr(colon + 1);
  }
  int n = -1;
  try {
    size_t used = 0;
    n = std::stoi(port, &used);
    if (used != port.size()) n = -1;
  } catch (...) {
  }
  if (n < 0 || n > 65535) return Error(Errc::kInvalidArgument, "--listen: invalid port \"" + port + "\"");
  out.port = static_cast<uint16_t>(n);
  return out;
}

bool is_loopback(const std::string& address) {
  return address == "::1" || address == "localhost" || address.rfind("127.", 0) == 0;
}

// The project's service containers as `compose ps -a` lists them.
std::vector<ContainerInfo> project_containers(ComposeSession& s) {
  std::vector<ContainerInfo> out;
  auto list = s.driver().list(true);
  if (!list) {
    spdlog::warn("dashboard: listing containers: {}", list.error().to_string());
    return out;
  }
  for (auto& info : *list) {
    if (label_of(info, kLabelProject) != s.name() || label_of(info, kLabelOneoff) == "True") continue;
    out.push_back(std::move(info));
  }
  std::sort(out.begin(), out.end(), [](const ContainerInfo& a, const ContainerInfo& b) { return a.spec.name < b.spec.name; });
  return out;
}

std::string log_frame(const std::string& name, const LogRecord& r) {
  std::string line = r.message;
  while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.pop_back();
  nlohmann::json j = {{"name", name},
                      {"stream", r.stream == LogStream::kStderr ? "stderr" : "stdout"},
                      {"time", r.time},
                      {"line", line}};
  return sse_frame("log", j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
}

int run_dashboard(const DashboardFlags& f) {
  auto listen = parse_listen(f.listen);
  if (!listen) return compose_fail(listen.error());
  auto session = open_compose();
  if (!session) return 1;
  auto& s = *session;

  // The graph does not change while the dashboard runs: rendered once.
  std::string dot;
  if (auto graph = compose::DependencyGraph::build(s.project()))
    dot = convert::render_graph(s.project(), *graph, convert::GraphFormat::kDot);
  auto svg = dot_to_svg(dot);
  if (!svg) spdlog::warn("dashboard: the graph is shown as DOT text: {}", svg.error().message);
  const std::string page = dashboard_page(s.name());

  std::string services = "[]";
  std::deque<std::string> recent;
  DashboardServer::Options options;
  options.address = listen->address;
  options.port = listen->port;
  options.routes = [&](const std::string& path) -> std::optional<HttpReply> {
    if (path == "/" || path == "/index.html") return HttpReply{200, "text/html; charset=utf-8", page};
    if (path == "/api/services") return HttpReply{200, "application/json", services};
    if (path == "/api/graph.dot") return HttpReply{200, "text/vnd.graphviz; charset=utf-8", dot};
    if (path == "/api/graph.svg") {
      if (svg) return HttpReply{200, "image/svg+xml", *svg};
      return HttpReply{503, "text/plain; charset=utf-8", svg.error().message + "\n"};
    }
    return std::nullopt;
  };
  options.greeting = [&] {
    std::string frames = sse_frame("reset", "{}") + sse_frame("services", services);
    for (const auto& frame : recent) frames += frame;
    return frames;
  };

  boost::asio::io_context io;
  auto server = DashboardServer::start(io, options);
  if (!server) return compose_fail(server.error());
  if (!is_loopback(listen->address))
    spdlog::warn("the dashboard listens on {}: it has no authentication, anyone who reaches it reads the logs",
                 listen->address);

  auto remember = [&](const std::string& frame) {
    recent.push_back(frame);
    if (recent.size() > kRecentLogFrames) recent.pop_front();
    (*server)->publish(frame);
  };
  LogFollower follower(io, [&](const std::string& name, const LogRecord& r) { remember(log_frame(name, r)); });

  // What the containers said before: the last lines of each, merged by time.
  std::set<std::string> followed;
  auto containers = project_containers(s);
  std::vector<std::pair<std::string, LogRecord>> backlog;
  LogReadOptions tail;
  tail.tail = kInitialTail;
  for (const auto& c : containers) {
    std::string name = log_name(s.name(), c.spec.name);
    (void)read_logs(s.containers.store->log_path(c.spec.id), c.spec.log.max_files, tail,
                    [&](const LogRecord& r) {
                      backlog.emplace_back(name, r);
                      return true;
                    },
                    [] { return false; });
    follower.follow(c.spec.id, name, s.containers.store->log_path(c.spec.id), false);
    followed.insert(c.spec.id);
  }
  std::stable_sort(backlog.begin(), backlog.end(), [](const auto& a, const auto& b) { return a.second.time < b.second.time; });
  for (const auto& [name, record] : backlog) remember(log_frame(name, record));

  // Rows re-read on a timer; a change goes to every page. New containers
  // (a restart recreated one, `up` ran again) are followed from their start.
  auto refresh = [&](std::vector<ContainerInfo> now) {
    auto ports = PublishedPortsView::read(now);
    nlohmann::json rows = nlohmann::json::array();
    for (const auto& c : now) {
      if (!label_of(c, kLabelGroupHost).empty()) continue;  // a group's machine is racker's, not a service
      rows.push_back(compose_ps_json(c, ports));
      if (followed.insert(c.spec.id).second)
        follower.follow(c.spec.id, log_name(s.name(), c.spec.name), s.containers.store->log_path(c.spec.id), true);
    }
    std::string text = rows.dump();
    if (text == services) return;
    services = text;
    (*server)->publish(sse_frame("services", services));
  };
  refresh(std::move(containers));

  boost::asio::steady_timer timer(io);
  std::function<void()> arm = [&] {
    timer.expires_after(kRefresh);
    timer.async_wait([&](const boost::system::error_code& ec) {
      if (ec) return;
      refresh(project_containers(s));
      arm();
    });
  };
  arm();
  boost::asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&](const boost::system::error_code& ec, int) {
    if (ec) return;
    timer.cancel();
    follower.stop();
    (*server)->stop();
    io.stop();
  });
  std::printf("racker dashboard of project %s: http://%s%s%s:%u/ (Ctrl-C stops it)\n", s.name().c_str(),
              listen->address.find(':') != std::string::npos ? "[" : "", listen->address.c_str(),
              listen->address.find(':') != std::string::npos ? "]" : "", (*server)->port());
  std::fflush(stdout);
  io.run();
  return 0;
}

CommandRegistration register_compose_dashboard(Parent::kCompose, 47, [](CLI::App& parent, Context& ctx) {
  auto* cmd = parent.add_subcommand("dashboard", "Serve a read-only web page of the project: services, graph, live logs");
  auto f = std::make_shared<DashboardFlags>();
  cmd->add_option("--listen", f->listen,
                  "Address and port to serve on ([ADDRESS:]PORT; port 0 picks a free one); loopback unless an "
                  "address is given")
      ->capture_default_str();
  cmd->callback([&ctx, f] { ctx.exit_code = run_dashboard(*f); });
});

}  // namespace
}  // namespace racker::cli
