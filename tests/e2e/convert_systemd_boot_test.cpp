// `racker compose convert --format systemd` under a real systemd (root
// only). This host's PID 1 is not systemd, so the systemd is a booted Debian
// OS container (racker-tests/debian-systemd:bookworm, bootstrapped from
// Debian packages, `systemd-nspawn -b`): the example web-stack's generated
// units are installed in it as docs/convert.md says, each service gets a
// busybox root in /var/lib/machines, and `systemctl start` of the stack's
// target starts them as nested nspawn containers, in dependency order.
#include <fcntl.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "support/bootstrapped_image.h"
#include "support/container_harness.h"
#include "support/container_images.h"
#include "support/compose_project.h"

using namespace racker::test;
namespace fs = std::filesystem;

namespace {

// Children of every thread of `pid`.
std::vector<pid_t> children_of(pid_t pid) {
  std::vector<pid_t> out;
  std::error_code ec;
  for (const auto& task : fs::directory_iterator("/proc/" + std::to_string(pid) + "/task", ec)) {
    std::ifstream in(task.path() / "children");
    for (pid_t child; in >> child;) out.push_back(child);
  }
  return out;
}

std::string comm_of(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/comm");
  std::string comm;
  std::getline(in, comm);
  return comm;
}

// A Debian OS container booted from an overlay of the image's layer, with a
// private network. Shut down and unmounted in the destructor, whatever happened.
class BootedOs {
 public:
  BootedOs(const std::string& layer, const std::string& name) : name_(name) {
    char tmpl[] = "/var/tmp/racker-sdboot-XXXXXX";  // overlayfs upper dirs cannot live on /tmp here
    dir_ = ::mkdtemp(tmpl);
    for (const char* d : {"/upper", "/work", "/root"}) fs::create_directories(dir_ + d);
    std::string options = "lowerdir=" + layer + ",upperdir=" + dir_ + "/upper,workdir=" + dir_ + "/work";
    mounted_ = ::mount("overlay", root().c_str(), "overlay", 0, options.c_str()) == 0;
  }
  ~BootedOs() {
    if (nspawn_ > 0) {
      ::kill(nspawn_, SIGTERM);  // nspawn asks the container's systemd to power off
      auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
      int status = 0;
      while (::waitpid(nspawn_, &status, WNOHANG) == 0) {
        if (std::chrono::steady_clock::now() > deadline) {
          ::kill(nspawn_, SIGKILL);
          ::waitpid(nspawn_, &status, 0);
          break;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
      }
    }
    if (mounted_ && ::umount2(root().c_str(), 0) != 0) ::umount2(root().c_str(), MNT_DETACH);
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
  BootedOs(const BootedOs&) = delete;
  BootedOs& operator=(const BootedOs&) = delete;

  bool mounted() const { return mounted_; }
  std::string root() const { return dir_ + "/root"; }
  std::string log() const { return dir_ + "/console.log"; }

  // Boots; true once `systemctl is-system-running` says running (or degraded).
  bool boot(std::string* state) {
    nspawn_ = ::fork();
    if (nspawn_ == 0) {
      ::setsid();
      int fd = ::open(log().c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
      ::dup2(fd, 1);
      ::dup2(fd, 2);
      int null = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
      ::dup2(null, 0);
      std::string dir = "--directory=" + root(), machine = "--machine=" + name_;
      ::execlp("systemd-nspawn", "systemd-nspawn", "--quiet", "--boot", dir.c_str(), machine.c_str(),
               "--register=no", "--keep-unit", "--private-network", "--capability=all", "--console=pipe",
               static_cast<char*>(nullptr));
      ::_exit(127);
    }
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(90);
    while (std::chrono::steady_clock::now() < deadline) {
      int status = 0;
      if (::waitpid(nspawn_, &status, WNOHANG) == nspawn_) {
        *state = "systemd-nspawn exited with status " + std::to_string(WIFEXITED(status) ? WEXITSTATUS(status) : -1);
        nspawn_ = 0;
        return false;
      }
      // The container's PID 1 (systemd), a child of nspawn or of its helper.
      init_ = 0;
      for (pid_t child : children_of(nspawn_)) {
        if (comm_of(child) == "systemd") init_ = child;
        for (pid_t grandchild : children_of(child))
          if (comm_of(grandchild) == "systemd") init_ = grandchild;
      }
      if (init_ != 0) {
        auto r = run({"systemctl", "is-system-running"});
        *state = r.out.empty() ? "pid " + std::to_string(init_) + ": " + r.err : r.out;
        while (!state->empty() && state->back() == '\n') state->pop_back();
        if (*state == "running" || *state == "degraded") return true;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(250));
    }
    return false;
  }

  // A command inside the OS container (all its namespaces, its root).
  CommandResult run(const std::vector<std::string>& argv, std::chrono::seconds timeout = std::chrono::seconds(60)) const {
    std::vector<std::string> full = {"/usr/bin/nsenter", "-t", std::to_string(init_), "-a", "-r", "-w"};
    full.insert(full.end(), argv.begin(), argv.end());
    return run_command(full, {}, "", timeout);
  }
  std::string out(const std::vector<std::string>& argv) const {
    std::string text = run(argv).out;
    while (!text.empty() && text.back() == '\n') text.pop_back();
    return text;
  }

 private:
  std::string name_, dir_;
  bool mounted_ = false;
  pid_t nspawn_ = 0, init_ = 0;
};

// A busybox root for one service machine: what nspawn needs to run it.
void make_service_root(const std::string& root) {
  fs::create_directories(root + "/bin");
  fs::create_directories(root + "/usr/lib");
  fs::create_directories(root + "/etc");
  fs::copy_file(kHostBusybox, root + "/bin/busybox", fs::copy_options::overwrite_existing);
  auto applets = run_command({kHostBusybox, "--list"}, {});
  std::istringstream names(applets.out);
  for (std::string applet; names >> applet;)
    if (applet != "busybox") fs::create_symlink("busybox", root + "/bin/" + applet);
  std::ofstream(root + "/usr/lib/os-release") << "ID=busybox\nNAME=busybox\n";
  std::ofstream(root + "/etc/passwd") << "root:x:0:0:root:/root:/bin/sh\n";
  std::ofstream(root + "/etc/group") << "root:x:0:\n";
}

// The Debian image's one layer: the one with systemd in it (the boot group
// test adds a busybox image to the same store).
std::string systemd_layer(const std::string& racker_root) {
  std::vector<std::string> layers;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(racker_root + "/images/layers", ec)) {
    std::string diff = e.path().string() + "/diff";
    if (fs::exists(diff + "/usr/lib/systemd/systemd", ec)) layers.push_back(diff);
  }
  return layers.size() == 1 ? layers[0] : "";
}

uint64_t monotonic_property(const BootedOs& os, const std::string& unit, const std::string& property) {
  std::string v = os.out({"systemctl", "show", "-P", property, unit});
  return v.empty() ? 0 : std::stoull(v);
}

}  // namespace

TEST_CASE("convert --format systemd: the web-stack's units start it under a booted systemd", "[convert][e2e][systemd]") {
  std::string why;
  if (!container_tests_possible(&why)) {
    WARN("skipping: " << why);
    return;
  }
  std::string image_root = bootstrapped_image_root(debian_systemd_image(), &why);
  INFO(why);
  REQUIRE_FALSE(image_root.empty());
  std::string layer = systemd_layer(image_root);
  REQUIRE_FALSE(layer.empty());

  BootedOs os(layer, "rk-sdunits-" + std::to_string(::getpid()));
  REQUIRE(os.mounted());
  const std::string root = os.root();

  // The units, generated from the example stack as a user would.
  std::string units = root + "/root/units";
  auto convert = run_command({RACKER_BINARY, "compose", "-f", RACKER_SOURCE_DIR "/examples/web-stack/compose.yaml",
                              "convert", "--format", "systemd", "-o", units},
                             {});
  INFO(convert.err);
  REQUIRE(convert.exit_code == 0);
  std::vector<std::string> services;
  for (const auto& e : fs::directory_iterator(units)) {
    std::string file = e.path().filename().string(), ext = e.path().extension().string();
    std::string where = ext == ".nspawn" || ext == ".sh" ? "/etc/systemd/nspawn/"
                        : ext == ".netdev" || ext == ".network" ? "/etc/systemd/network/"
                                                                : "/etc/systemd/system/";
    fs::create_directories(root + where);
    fs::copy_file(e.path(), root + where + file, fs::copy_options::overwrite_existing);
    if (ext == ".nspawn") {
      std::string machine = file.substr(0, file.size() - ext.size());
      services.push_back(machine.substr(machine.find('-') + 1));
      make_service_root(root + "/var/lib/machines/" + machine);
    }
  }
  REQUIRE(services.size() == 5);
  fs::create_directories(root + "/etc/systemd/system/multi-user.target.wants");
  fs::create_symlink("/lib/systemd/system/systemd-networkd.service",
                     root + "/etc/systemd/system/multi-user.target.wants/systemd-networkd.service");

  std::string state;
  bool booted = os.boot(&state);
  INFO("system state: " << state << "\nconsole:\n" << run_command({"tail", "-n", "40", os.log()}, {}).out);
  REQUIRE(booted);

  auto start = os.run({"systemctl", "start", "racker-webstack.target"}, std::chrono::seconds(120));
  INFO("systemctl start: " << start.out << start.err << "\n"
                           << os.out({"systemctl", "--no-pager", "--failed"}) << "\n"
                           << os.out({"journalctl", "--no-pager", "-n", "60", "-o", "cat"}));
  REQUIRE(start.exit_code == 0);

  // Every service's unit is up; seed (others wait for it to complete) has exited successfully.
  for (const auto& svc : services) {
    std::string unit = "racker-webstack-" + svc + ".service";
    INFO(unit << ": " << os.out({"systemctl", "--no-pager", "status", unit}));
    CHECK(os.out({"systemctl", "is-active", unit}) == "active");
  }
  CHECK(os.out({"systemctl", "show", "-P", "Result", "racker-webstack-seed.service"}) == "success");
  CHECK(os.out({"systemctl", "show", "-P", "ExecMainStatus", "racker-webstack-seed.service"}) == "0");
  CHECK(os.out({"systemctl", "is-active", "racker-webstack.target"}) == "active");

  // depends_on became the start order: seed finished before web started; api before client and worker.
  uint64_t seed_done = monotonic_property(os, "racker-webstack-seed.service", "ExecMainExitTimestampMonotonic");
  uint64_t web_start = monotonic_property(os, "racker-webstack-web.service", "ExecMainStartTimestampMonotonic");
  uint64_t api_up = monotonic_property(os, "racker-webstack-api.service", "ActiveEnterTimestampMonotonic");
  CHECK(seed_done > 0);
  CHECK(seed_done <= web_start);
  CHECK(api_up <= monotonic_property(os, "racker-webstack-client.service", "ExecMainStartTimestampMonotonic"));
  CHECK(api_up <= monotonic_property(os, "racker-webstack-worker.service", "ExecMainStartTimestampMonotonic"));

  // The named volume is shared: web serves what seed wrote into it.
  CHECK(os.out({"journalctl", "--no-pager", "-o", "cat", "-u", "racker-webstack-seed.service"}).find("seeded the site") !=
        std::string::npos);
  std::string leader = os.out({"machinectl", "show", "--property=Leader", "--value", "webstack-web"});
  REQUIRE_FALSE(leader.empty());
  auto page = os.run({"nsenter", "-t", leader, "-n", "busybox", "wget", "-qO-", "http://127.0.0.1/"});
  CHECK(page.out == "<h1>hello from racker</h1>\n");
  // networkd made the networks' bridges; each running machine has its veth on its network's.
  CHECK(os.run({"ip", "link", "show", "webstack-front"}).exit_code == 0);
  CHECK(os.run({"ip", "link", "show", "webstack-back"}).exit_code == 0);
  CHECK(os.out({"ip", "-o", "link", "show", "master", "webstack-front"}).find("vb-webstack-") != std::string::npos);
  CHECK(os.out({"machinectl", "list", "--no-legend"}).find("webstack-worker") != std::string::npos);

  // Stopping the target stops every service (PartOf=).
  auto stop = os.run({"systemctl", "stop", "racker-webstack.target"}, std::chrono::seconds(120));
  CHECK(stop.exit_code == 0);
  // systemctl waits for the target's own job; the services' stop jobs may still run.
  auto all_stopped = [&] {
    for (const auto& svc : services)
      if (os.out({"systemctl", "is-active", "racker-webstack-" + svc + ".service"}) == "active") return false;
    return os.out({"machinectl", "list", "--no-legend"}).find("webstack-") == std::string::npos;
  };
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (!all_stopped() && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
  INFO(os.out({"systemctl", "--no-pager", "list-units", "racker-webstack-*"}));
  CHECK(all_stopped());
}
