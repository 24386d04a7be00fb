// The project supervisor's control socket and lock, over a fake driver.
#include "racker/runtime/project_supervisor.h"

#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <thread>

#include "compose_fakes.h"

using namespace racker;
using namespace racker::runtime;
using racker::test::FakeDriver;

namespace {
// The lock holder as another process sees it (a process never conflicts
// with its own POSIX locks).
pid_t holder_seen_from_outside(const std::string& project) {
  int pipefd[2];
  REQUIRE(::pipe(pipefd) == 0);
  pid_t child = ::fork();
  if (child == 0) {
    pid_t pid = supervisor_pid(project);
    (void)!::write(pipefd[1], &pid, sizeof pid);
    ::_exit(0);
  }
  ::close(pipefd[1]);
  pid_t pid = -1;
  (void)!::read(pipefd[0], &pid, sizeof pid);
  ::close(pipefd[0]);
  ::waitpid(child, nullptr, 0);
  return pid;
}
}  // namespace

TEST_CASE("supervisor: answers ping and status on a root-only socket, retires on request", "[compose][supervisor]") {
  char tmpl[] = "/tmp/racker-supervisor-test-XXXXXX";
  std::string dir = ::mkdtemp(tmpl);
  ::setenv("RACKER_RUN", dir.c_str(), 1);
  FakeDriver driver;
  ContainerSpec spec;
  spec.name = "p-web-1";
  spec.labels = {{kLabelProject, "p"}, {kLabelService, "web"}};
  driver.add_existing(spec, ContainerStatus::kRunning);

  boost::asio::io_context io;
  SupervisorOptions options;
  options.poll_interval = std::chrono::milliseconds(10);
  bool retired = false;
  {
    ProjectSupervisor supervisor(io, driver, driver, "p", options);
    REQUIRE(supervisor.start());
    supervisor.on_retire([&] {
      retired = true;
      io.stop();
    });
    std::thread loop([&] { io.run(); });
    auto paths = supervisor_paths("p");
    CHECK(holder_seen_from_outside("p") == ::getpid());
    struct stat st{};
    REQUIRE(::stat(paths.socket.c_str(), &st) == 0);
    CHECK((st.st_mode & 0777) == 0600);
    auto ping = supervisor_request(paths.socket, R"({"op":"ping"})");
    REQUIRE(ping);
    CHECK(ping->find("\"ok\":true") != std::string::npos);
    CHECK(ping->find("\"project\":\"p\"") != std::string::npos);
    // The status lists what the watch saw (it may need a poll first).
    std::string status;
    for (int i = 0; i < 100 && status.find("p-web-1") == std::string::npos; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
      auto s = supervisor_request(paths.socket, R"({"op":"status"})");
      if (s) status = *s;
    }
    CHECK(status.find("\"name\":\"p-web-1\"") != std::string::npos);
    auto bad = supervisor_request(paths.socket, "not json");
    REQUIRE(bad);
    CHECK(*bad == R"({"ok":false,"error":"bad request"})");
    auto bye = supervisor_request(paths.socket, R"({"op":"shutdown"})");
    REQUIRE(bye);
    loop.join();
    supervisor.stop();
    CHECK(::stat(paths.socket.c_str(), &st) != 0);  // the socket goes with it
  }
  CHECK(retired);
  CHECK(holder_seen_from_outside("p") == 0);  // the lock went with the supervisor
  auto none = supervisor_request(supervisor_paths("p").socket, R"({"op":"ping"})", std::chrono::milliseconds(200));
  CHECK_FALSE(none);
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
}
