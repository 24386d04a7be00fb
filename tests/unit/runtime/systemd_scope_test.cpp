// Scope unit names, and the StartTransientUnit exchange against a stand-in
// systemd manager on a private dbus-daemon (systemd is not PID 1 here).
#include <catch2/catch.hpp>

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <systemd/sd-bus.h>
#include <systemd/sd-daemon.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <mutex>
#include <thread>

#include "racker/runtime/systemd_scope.h"
#include "support/image_tar_builder.h"

using namespace racker;
using namespace racker::runtime;

namespace {

// What the stand-in manager was asked.
struct Request {
  std::string unit, mode, description, collect;
  std::vector<uint32_t> pids;
};

// org.freedesktop.systemd1.Manager.StartTransientUnit on a private bus:
// records the request, replies with a job, then signals JobRemoved with
// `result` (as systemd does once the scope exists).
class FakeManager {
 public:
  FakeManager(const std::string& address, std::string result) : result_(std::move(result)) {
    REQUIRE(sd_bus_new(&bus_) >= 0);
    REQUIRE(sd_bus_set_address(bus_, address.c_str()) >= 0);
    REQUIRE(sd_bus_set_bus_client(bus_, 1) >= 0);
    REQUIRE(sd_bus_start(bus_) >= 0);
    REQUIRE(sd_bus_add_object_vtable(bus_, nullptr, "/org/freedesktop/systemd1", "org.freedesktop.systemd1.Manager",
                                     kVtable, this) >= 0);
    REQUIRE(sd_bus_request_name(bus_, "org.freedesktop.systemd1", 0) >= 0);
    thread_ = std::thread([this] {
      while (!stop_) {
        int r = sd_bus_process(bus_, nullptr);
        if (r < 0) break;
        if (r == 0) sd_bus_wait(bus_, 50000);
      }
    });
  }
  ~FakeManager() {
    stop_ = true;
    thread_.join();
    sd_bus_flush_close_unref(bus_);
  }
  std::vector<Request> requests() {
    std::lock_guard<std::mutex> lock(mu_);
    return requests_;
  }

 private:
  static int start_transient_unit(sd_bus_message* m, void* userdata, sd_bus_error*) {
    auto* self = static_cast<FakeManager*>(userdata);
    Request req;
    const char* unit = nullptr;
    const char* mode = nullptr;
    if (sd_bus_message_read(m, "ss", &unit, &mode) < 0) return -EINVAL;
    req.unit = unit;
    req.mode = mode;
    if (sd_bus_message_enter_container(m, 'a', "(sv)") < 0) return -EINVAL;
    while (sd_bus_message_enter_container(m, 'r', "sv") > 0) {
      const char* name = nullptr;
      sd_bus_message_read(m, "s", &name);
      std::string key = name;
      if (key == "PIDs") {
        sd_bus_message_enter_container(m, 'v', "au");
        sd_bus_message_enter_container(m, 'a', "u");
        uint32_t pid = 0;
        while (sd_bus_message_read(m, "u", &pid) > 0) req.pids.push_back(pid);
        sd_bus_message_exit_container(m);
        sd_bus_message_exit_container(m);
      } else {
        const char* value = nullptr;
        sd_bus_message_enter_container(m, 'v', "s");
        sd_bus_message_read(m, "s", &value);
        sd_bus_message_exit_container(m);
        if (key == "Description") req.description = value;
        if (key == "CollectMode") req.collect = value;
      }
      sd_bus_message_exit_container(m);
    }
    {
      std::lock_guard<std::mutex> lock(self->mu_);
      self->requests_.push_back(req);
    }
    const char* job = "/org/freedesktop/systemd1/job/42";
    int r = sd_bus_reply_method_return(m, "o", job);
    if (r < 0) return r;
    // Another job's end first: the client must wait for its own.
    sd_bus_emit_signal(self->bus_, "/org/freedesktop/systemd1", "org.freedesktop.systemd1.Manager", "JobRemoved",
                       "uoss", 41u, "/org/freedesktop/systemd1/job/41", "other.service", "failed");
    return sd_bus_emit_signal(self->bus_, "/org/freedesktop/systemd1", "org.freedesktop.systemd1.Manager",
                              "JobRemoved", "uoss", 42u, job, req.unit.c_str(), self->result_.c_str());
  }

  static constexpr sd_bus_vtable kVtable[] = {
      SD_BUS_VTABLE_START(0),
      SD_BUS_METHOD("StartTransientUnit", "ssa(sv)a(sa(sv))", "o", start_transient_unit, SD_BUS_VTABLE_UNPRIVILEGED),
      SD_BUS_VTABLE_END};

  sd_bus* bus_ = nullptr;
  std::string result_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
  std::mutex mu_;
  std::vector<Request> requests_;
};

// A dbus-daemon of our own, on a socket in a temporary directory.
class PrivateBus {
 public:
  PrivateBus() {
    if (!std::filesystem::exists("/usr/bin/dbus-daemon")) return;
    socket_ = dir_.path() + "/bus";
    std::string config = dir_.path() + "/bus.conf";
    racker::test::write_file(config,
                             "<busconfig><type>session</type><listen>unix:path=" + socket_ +
                                 "</listen><auth>EXTERNAL</auth><policy context=\"default\"><allow send_destination=\"*\" "
                                 "eavesdrop=\"true\"/><allow eavesdrop=\"true\"/><allow own=\"*\"/></policy></busconfig>");
    pid_ = ::fork();
    if (pid_ == 0) {
      int null = ::open("/dev/null", O_WRONLY);
      if (null >= 0) ::dup2(null, 2);  // its warnings (fd limits) are not ours
      ::execl("/usr/bin/dbus-daemon", "dbus-daemon", "--nofork", "--nopidfile", ("--config-file=" + config).c_str(),
              static_cast<char*>(nullptr));
      ::_exit(127);
    }
    for (int i = 0; i < 200 && !std::filesystem::exists(socket_); ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ~PrivateBus() {
    if (pid_ > 0) {
      ::kill(pid_, SIGTERM);
      ::waitpid(pid_, nullptr, 0);
    }
  }
  bool ok() const { return pid_ > 0 && std::filesystem::exists(socket_); }
  std::string address() const { return "unix:path=" + socket_; }

 private:
  racker::test::TempDir dir_;
  std::string socket_;
  pid_t pid_ = -1;
};

}  // namespace

TEST_CASE("systemd scope: unit names keep valid characters and escape the rest", "[systemd]") {
  CHECK(scope_unit_name("compose", "web_app-2") == "racker-compose-web_app-2.scope");
  CHECK(scope_unit_name("container", "0123abcdef45") == "racker-container-0123abcdef45.scope");
  CHECK(scope_unit_name("compose", "a b/c") == "racker-compose-a\\x20b\\x2fc.scope");
}

TEST_CASE("systemd scope: without systemd as PID 1 nothing is asked of the bus", "[systemd]") {
  if (sd_booted() > 0) {
    WARN("systemd is PID 1 here; the unsupported path is not reachable");
    return;
  }
  auto st = run_in_transient_scope(::getpid(), scope_unit_name("compose", "x"), "test");
  REQUIRE_FALSE(st);
  CHECK(st.error().code == Errc::kUnsupported);
}

TEST_CASE("systemd scope: StartTransientUnit names the unit, the pid and waits for its own job", "[systemd]") {
  PrivateBus bus;
  if (!bus.ok()) {
    WARN("no dbus-daemon to stand in for the system bus");
    return;
  }
  SECTION("the job is done") {
    FakeManager manager(bus.address(), "done");
    auto st = start_transient_scope(bus.address(), 4242, "racker-compose-web.scope", "racker compose supervisor of project web");
    INFO((st ? "" : st.error().message));
    REQUIRE(st);
    auto requests = manager.requests();
    REQUIRE(requests.size() == 1);
    CHECK(requests[0].unit == "racker-compose-web.scope");
    CHECK(requests[0].mode == "fail");
    CHECK(requests[0].pids == std::vector<uint32_t>{4242});
    CHECK(requests[0].description == "racker compose supervisor of project web");
    CHECK(requests[0].collect == "inactive-or-failed");
  }
  SECTION("the job failed") {
    FakeManager manager(bus.address(), "failed");
    auto st = start_transient_scope(bus.address(), 4242, "racker-compose-web.scope", "x");
    REQUIRE_FALSE(st);
    CHECK(st.error().message.find("ended: failed") != std::string::npos);
  }
  SECTION("nobody owns org.freedesktop.systemd1") {
    auto st = start_transient_scope(bus.address(), 4242, "racker-compose-web.scope", "x");
    REQUIRE_FALSE(st);
    CHECK(st.error().message.find("StartTransientUnit racker-compose-web.scope") != std::string::npos);
  }
}
