// racker run on real systemd-nspawn: output, exit codes, docker's errors,
// images without an OS tree, environment, users. Root only.
#include <catch2/catch.hpp>

#include "support/container_harness.h"
#include "support/container_images.h"

using namespace racker::test;

namespace {

#define REQUIRE_CONTAINER_HOST()                          \
  do {                                                    \
    std::string why;                                      \
    if (!container_tests_possible(&why)) {                \
      WARN("skipping container test: " << why);           \
      return;                                             \
    }                                                     \
  } while (0)

}  // namespace

TEST_CASE("run prints the payload's output and exits with its code", "[container][run]") {
  REQUIRE_CONTAINER_HOST();
  BusyboxRoot t;
  auto r = t.root.racker({"run", "--rm", "rk-busybox", "sh", "-c", "echo out; echo err >&2; exit 3"});
  CHECK(r.out == "out\n");
  CHECK(r.err == "err\n");
  CHECK(r.exit_code == 3);
  CHECK(t.root.racker({"ps", "-a", "-q"}).out.empty());  // --rm removed it
  CHECK(mounts_with_prefix(t.root.path()).empty());
}

TEST_CASE("run gives docker's environment, hostname and user", "[container][run]") {
  REQUIRE_CONTAINER_HOST();
  BusyboxRoot t;
  auto r = t.root.racker({"run", "--rm", "-e", "FOO=bar", "-h", "box", "rk-busybox", "env"});
  REQUIRE(r.exit_code == 0);
  CHECK(r.out.find("FOO=bar\n") != std::string::npos);
  CHECK(r.out.find("HOSTNAME=box\n") != std::string::npos);
  CHECK(r.out.find("HOME=/root\n") != std::string::npos);
  CHECK(r.out.find("PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\n") != std::string::npos);
  CHECK(r.out.find("container_uuid") == std::string::npos);
  CHECK(r.out.find("NOTIFY_SOCKET") == std::string::npos);

  auto id = t.root.racker({"run", "--rm", "-u", "app", "rk-busybox", "id"});
  CHECK(id.out == "uid=1000(app) gid=1000(app) groups=1000(app),2000(extra)\n");
  auto numeric = t.root.racker({"run", "--rm", "-u", "4242:4343", "-w", "/work/dir", "rk-busybox", "sh", "-c", "id -u; id -g; pwd; echo $HOME"});
  CHECK(numeric.out == "4242\n4343\n/work/dir\n/\n");
  auto host = t.root.racker({"run", "--rm", "--hostname", "h1", "--domainname", "example.org", "rk-busybox", "sh", "-c", "hostname; cat /etc/hostname; cat /proc/sys/kernel/domainname"});
  CHECK(host.out == "h1\nh1\nexample.org\n");
}

TEST_CASE("run reports docker's exit codes for commands that cannot run", "[container][run][errors]") {
  REQUIRE_CONTAINER_HOST();
  BusyboxRoot t;
  auto missing = t.root.racker({"run", "--rm", "rk-busybox", "nosuchcommand"});
  CHECK(missing.exit_code == 127);
  CHECK(missing.err.find("exec: \"nosuchcommand\": executable file not found in $PATH") != std::string::npos);
  auto dir = t.root.racker({"run", "--rm", "rk-busybox", "/etc"});
  CHECK(dir.exit_code == 126);
  CHECK(dir.err.find("exec: \"/etc\": permission denied") != std::string::npos);
  auto file = t.root.racker({"run", "--rm", "rk-busybox", "/etc/passwd"});
  CHECK(file.exit_code == 126);
  auto absent = t.root.racker({"run", "--rm", "rk-busybox", "/nope"});
  CHECK(absent.exit_code == 127);
  CHECK(absent.err.find("exec: \"/nope\": stat /nope: no such file or directory") != std::string::npos);
  CHECK(t.root.racker({"ps", "-a", "-q"}).out.empty());
  CHECK(mounts_with_prefix(t.root.path()).empty());
}

TEST_CASE("run rejects unknown images and bad flags with docker's words", "[container][run][errors]") {
  REQUIRE_CONTAINER_HOST();
  BusyboxRoot t;
  auto flag = t.root.racker({"run", "--no-such-flag", "rk-busybox", "true"});
  CHECK(flag.exit_code == 125);
  CHECK(flag.err.find("unknown flag: --no-such-flag") != std::string::npos);
  CHECK(flag.err.find("See 'racker run --help'.") != std::string::npos);

  auto image = t.root.racker({"run", "--pull", "never", "--rm", "no-such-image", "true"});
  CHECK(image.exit_code == 125);
  CHECK(image.err.find("No such image: no-such-image") != std::string::npos);

  auto name = t.root.racker({"run", "--name", "bad name!", "rk-busybox", "true"});
  CHECK(name.exit_code == 125);
  CHECK(name.err.find("Invalid container name (bad name!)") != std::string::npos);

  // Flags after the image belong to the command.
  auto passthrough = t.root.racker({"run", "--rm", "rk-busybox", "echo", "-n", "--rm"});
  CHECK(passthrough.out == "--rm");
}

TEST_CASE("a static binary image with no OS tree runs", "[container][run]") {
  REQUIRE_CONTAINER_HOST();
  RackerRoot root;
  TestImage image;
  image.tag = "rk-static:latest";
  image.env.clear();
  image.cmd = {"/busybox", "echo", "hello from a single binary"};
  REQUIRE(add_static_binary_image(root.path(), image));
  auto r = root.racker({"run", "--rm", "rk-static"});
  CHECK(r.err == "");
  CHECK(r.out == "hello from a single binary\n");
  CHECK(r.exit_code == 0);
}

TEST_CASE("run -t gives the payload a terminal from the container's own devpts", "[container][run][tty]") {
  REQUIRE_CONTAINER_HOST();
  BusyboxRoot t;
  auto r = t.root.racker({"run", "--rm", "-t", "rk-busybox", "sh", "-c", "tty; echo $TERM"});
  CHECK(r.out == "/dev/pts/0\r\nxterm\r\n");
  CHECK(r.exit_code == 0);
  REQUIRE(t.root.racker({"run", "-d", "--name", "term", "rk-busybox", "sleep", "100"}).exit_code == 0);
  auto e = t.root.racker({"exec", "-t", "term", "sh", "-c", "tty; exit 4"});
  CHECK(e.out == "/dev/pts/0\r\n");
  CHECK(e.exit_code == 4);
  auto it = t.root.racker({"run", "-i", "-t", "rk-busybox", "true"});
  CHECK(it.exit_code == 1);
  CHECK(it.err == "the input device is not a TTY\n");
}

TEST_CASE("run --init keeps an init as PID 1 that reaps and passes the exit code", "[container][run]") {
  REQUIRE_CONTAINER_HOST();
  BusyboxRoot t;
  auto r = t.root.racker({"run", "--rm", "--init", "rk-busybox", "sh", "-c", "echo $$; exit 5"});
  CHECK(r.out != "1\n");  // the payload is not PID 1
  CHECK(r.exit_code == 5);
}
