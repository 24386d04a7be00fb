#include "example_stack.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "racker/runtime/project_supervisor.h"
#include "support/bootstrapped_image.h"

namespace racker::test {
namespace fs = std::filesystem;
namespace {


std::string read_all(const std::string& path) {
  std::ifstream in(path);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

}  // namespace

std::string examples_root(std::string* why) {
  return bootstrapped_image_root(examples_image(), why);
}

ExampleStack::ExampleStack(const std::string& root, const std::string& example, const std::string& project,
                           std::vector<std::string> files,
                           const std::vector<std::pair<std::string, std::string>>& extra)
    : root_(root), project_(project), files_(std::move(files)) {
  ::prctl(PR_SET_CHILD_SUBREAPER, 1);  // detached monitors come back to us to be reaped
  char tmpl[] = "/var/tmp/racker-example-XXXXXX";
  tmp_ = ::mkdtemp(tmpl);
  // A copy of all examples/: stacks refer to ../images, and tests may edit files.
  std::error_code ec;
  fs::copy(RACKER_SOURCE_DIR "/examples", tmp_ + "/examples", fs::copy_options::recursive, ec);
  if (ec) {
    fs::remove_all(tmp_, ec);
    FAIL("copying examples/ failed");
  }
  dir_ = tmp_ + "/examples/" + example;
  for (const auto& [name, text] : extra) std::ofstream(dir_ + "/" + name) << text;
  run_dir_ = tmp_ + "/run";
  fs::create_directories(run_dir_, ec);
  ::setenv("RACKER_RUN", run_dir_.c_str(), 1);  // for supervisor_pid() in this process
  (void)compose({"down", "-v", "-t", "1", "--remove-orphans"});  // what a killed earlier run left
}

ExampleStack::~ExampleStack() {
  (void)compose({"down", "-v", "-t", "1", "--remove-orphans"}, {}, std::chrono::minutes(2));
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (runtime::supervisor_pid(project_) != 0 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  if (pid_t pid = runtime::supervisor_pid(project_)) ::kill(pid, SIGKILL);
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  reap_orphans();
  std::error_code ec;
  fs::remove_all(tmp_, ec);
}

CommandResult ExampleStack::compose(const std::vector<std::string>& args,
                                    const std::vector<std::string>& env, std::chrono::milliseconds timeout) const {
  std::vector<std::string> argv = {RACKER_BINARY, "compose"};
  for (const auto& f : files_) {
    argv.push_back("-f");
    argv.push_back(dir_ + "/" + f);
  }
  argv.push_back("-p");
  argv.push_back(project_);
  argv.insert(argv.end(), args.begin(), args.end());
  std::vector<std::string> full_env = env;
  full_env.push_back("RACKER_ROOT=" + root_);
  full_env.push_back("RACKER_RUN=" + run_dir_);
  auto r = run_command(argv, full_env, "", timeout);
  reap_orphans();
  return r;
}

CommandResult ExampleStack::racker(const std::vector<std::string>& args) const {
  std::vector<std::string> argv = {RACKER_BINARY};
  argv.insert(argv.end(), args.begin(), args.end());
  auto r = run_command(argv, {"RACKER_ROOT=" + root_, "RACKER_RUN=" + run_dir_});
  reap_orphans();
  return r;
}

std::vector<std::string> ExampleStack::links() const {
  std::vector<std::string> out;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(root_ + "/network/networks", ec)) {
    if (e.path().filename().string().rfind(project_ + "_", 0) != 0) continue;
    auto record = nlohmann::json::parse(read_all(e.path()), nullptr, false);
    if (!record.is_object()) continue;
    out.push_back(record.value("ifname", ""));
    if (record.contains("endpoints"))
      for (const auto& [name, endpoint] : record["endpoints"].items()) out.push_back(endpoint.value("host_ifname", ""));
  }
  return out;
}

std::vector<std::string> ExampleStack::leftovers() const {
  std::vector<std::string> left;
  auto ps = racker({"ps", "-a", "--format", "json"});
  std::istringstream lines(ps.out);
  for (std::string line; std::getline(lines, line);)
    if (line.find("\"" + project_ + "-") != std::string::npos) left.push_back("container: " + line);
  std::error_code ec;
  for (const auto& dir : {root_ + "/network/networks", root_ + "/volumes"})
    for (const auto& e : fs::directory_iterator(dir, ec))
      if (e.path().filename().string().rfind(project_ + "_", 0) == 0) left.push_back("state: " + e.path().string());
  for (const auto& link : links_)
    if (!link.empty() && fs::exists("/sys/class/net/" + link)) left.push_back("link: " + link);
  for (const auto& m : mounts_with_prefix(root_ + "/")) left.push_back("mount: " + m);
  for (const auto& m : mounts_with_prefix(tmp_ + "/")) left.push_back("mount: " + m);
  for (const auto& e : fs::directory_iterator(run_dir_ + "/netns", ec)) left.push_back("netns: " + e.path().string());
  return left;
}

HttpResponse http_request(int port, const std::string& method, const std::string& target,
                          const std::vector<std::string>& headers, const std::string& body) {
  HttpResponse r;
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return r;
  timeval tv{10, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    return r;
  }
  std::string request = method + " " + target + " HTTP/1.0\r\nHost: 127.0.0.1\r\n";
  for (const auto& h : headers) request += h + "\r\n";
  request += "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
  if (::send(fd, request.data(), request.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(request.size())) {
    ::close(fd);
    return r;
  }
  std::string raw;
  char buf[8192];
  for (ssize_t n; (n = ::read(fd, buf, sizeof buf)) > 0;) raw.append(buf, static_cast<size_t>(n));
  ::close(fd);
  auto end = raw.find("\r\n\r\n");
  if (raw.rfind("HTTP/", 0) != 0 || end == std::string::npos) return r;
  r.status = std::atoi(raw.c_str() + raw.find(' ') + 1);
  r.headers = raw.substr(0, end);
  r.body = raw.substr(end + 4);
  return r;
}

bool send_udp(int port, const std::string& payload) {
  int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bool ok = ::sendto(fd, payload.data(), payload.size(), 0, reinterpret_cast<sockaddr*>(&addr), sizeof addr) ==
            static_cast<ssize_t>(payload.size());
  ::close(fd);
  return ok;
}

}  // namespace racker::test
