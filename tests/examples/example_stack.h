#pragma once
// The example stacks in examples/ brought up by the racker binary (root
// only). Every example runs on racker-examples/debian:bookworm, which
// examples/images/build bootstraps from Debian packages (minutes): it is built
// once into a state root kept under the build directory and keyed by the
// package list, so one test run (and later ones) builds it at most once. Each
// test works on a copy of examples/ in a temporary directory, with its own
// RACKER_RUN, and `down -v`s its project whatever happens.
#include <chrono>
#include <string>
#include <utility>
#include <vector>

#include "support/container_harness.h"

namespace racker::test {

// The shared state root holding the examples' image (built on first use,
// under a lock; later calls return at once). Empty with `why` set when the
// host cannot build it (not root, no mmdebstrap) or the build failed.
std::string examples_root(std::string* why);

class ExampleStack {
 public:
  // `example` is a folder of examples/, `project` the compose project name,
  // `files` the -f files (relative to the example's folder); `extra` files
  // (name, text) are written there first (a test's own override).
  ExampleStack(const std::string& root, const std::string& example, const std::string& project,
               std::vector<std::string> files, const std::vector<std::pair<std::string, std::string>>& extra = {});
  ~ExampleStack();
  ExampleStack(const ExampleStack&) = delete;
  ExampleStack& operator=(const ExampleStack&) = delete;

  // `racker compose -f F... -p PROJECT args...` in the example's copy.
  CommandResult compose(const std::vector<std::string>& args,
                        const std::vector<std::string>& env = {},
                        std::chrono::milliseconds timeout = std::chrono::minutes(5)) const;
  CommandResult racker(const std::vector<std::string>& args) const;
  // What `down -v` must leave: none of the project's containers, networks,
  // volumes, bridges or veths (as recorded before), and no mounts under the
  // root or the run dir. Returns what is left, one line per thing.
  std::vector<std::string> leftovers() const;
  // Bridge and veth names of the project's networks, read from racker's
  // network records (call while the stack is up).
  std::vector<std::string> links() const;
  void remember_links() { links_ = links(); }

  const std::string& dir() const { return dir_; }  // the example's copy
  const std::string& project() const { return project_; }

 private:
  std::string root_, tmp_, dir_, run_dir_, project_;
  std::vector<std::string> files_;
  std::vector<std::string> links_;
};

struct HttpResponse {
  int status = 0;  // 0: no connection
  std::string headers, body;
};

// One HTTP/1.0 request to 127.0.0.1:port (`headers`: "Name: value" lines).
HttpResponse http_request(int port, const std::string& method, const std::string& target,
                          const std::vector<std::string>& headers = {}, const std::string& body = "");
// One UDP datagram to 127.0.0.1:port.
bool send_udp(int port, const std::string& payload);

}  // namespace racker::test
