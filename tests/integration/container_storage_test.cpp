// Root filesystems and mounts on real systemd-nspawn: read-only roots,
// tmpfs, bind mounts, named and anonymous volumes, resource limits. Root only.
#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "support/container_harness.h"
#include "support/container_images.h"
#include "support/image_tar_builder.h"

using namespace racker::test;

namespace {

#define REQUIRE_CONTAINER_HOST()                \
  do {                                          \
    std::string why;                            \
    if (!container_tests_possible(&why)) {      \
      WARN("skipping container test: " << why); \
      return;                                   \
    }                                           \
  } while (0)

}  // namespace

TEST_CASE("a read-only root refuses writes but tmpfs and volumes take them", "[container][storage]") {
  REQUIRE_CONTAINER_HOST();
  RackerRoot root;
  TestImage image;
  image.tag = "rk-busybox:latest";
  REQUIRE(add_busybox_image(root.path(), image));
  auto r = root.racker({"run", "--rm", "--read-only", "--tmpfs", "/scratch", "-v", "vol:/data", "rk-busybox", "sh",
                        "-c", "touch /x 2>&1; echo rc=$?; touch /scratch/y && echo tmpfs-ok; touch /data/z && echo vol-ok"});
  CHECK(r.out.find("Read-only file system") != std::string::npos);
  CHECK(r.out.find("rc=1\n") != std::string::npos);
  CHECK(r.out.find("tmpfs-ok\n") != std::string::npos);
  CHECK(r.out.find("vol-ok\n") != std::string::npos);
  CHECK(r.exit_code == 0);
}

TEST_CASE("named volumes persist across container recreation and start with the image's content", "[container][storage]") {
  REQUIRE_CONTAINER_HOST();
  RackerRoot root;
  TestImage image;
  image.tag = "rk-busybox:latest";
  REQUIRE(add_busybox_image(root.path(), image));
  auto first = root.racker({"run", "--name", "writer", "-v", "keep:/data", "rk-busybox", "sh", "-c",
                            "cat /data/seed.txt; echo persisted > /data/note"});
  CHECK(first.out == "seeded by the image\n");  // docker's copy-up into an empty volume
  REQUIRE(root.racker({"rm", "writer"}).exit_code == 0);
  auto second = root.racker({"run", "--rm", "--name", "writer", "-v", "keep:/data", "rk-busybox", "cat", "/data/note"});
  CHECK(second.out == "persisted\n");
  CHECK(racker::test::read_file(root.path() + "/volumes/keep/_data/note") == "persisted\n");

  // Bind mounts, read-only ones included.
  TempDir host;
  write_file(host / "in.txt", "from host\n");
  auto bind = root.racker({"run", "--rm", "-v", host.path() + ":/mnt/host:ro", "rk-busybox", "sh", "-c",
                           "cat /mnt/host/in.txt; touch /mnt/host/new 2>/dev/null || echo denied"});
  CHECK(bind.out == "from host\ndenied\n");
}

TEST_CASE("an image VOLUME becomes an anonymous volume removed by rm -v", "[container][storage]") {
  REQUIRE_CONTAINER_HOST();
  RackerRoot root;
  TestImage image;
  image.tag = "rk-vol:latest";
  image.volumes = {"/data"};
  REQUIRE(add_busybox_image(root.path(), image));
  REQUIRE(root.racker({"run", "--name", "anon", "rk-vol", "sh", "-c", "echo x > /data/x"}).exit_code == 0);
  auto mounts = root.racker({"inspect", "-f", "{{json .Mounts}}", "anon"});
  CHECK(mounts.out.find("\"Type\":\"volume\"") != std::string::npos);
  auto volumes = std::filesystem::directory_iterator(root.path() + "/volumes");
  int count = 0;
  for (const auto& v : volumes) {
    ++count;
    CHECK(racker::test::read_file(v.path().string() + "/_data/x") == "x\n");
    CHECK(racker::test::read_file(v.path().string() + "/_data/seed.txt") == "seeded by the image\n");
  }
  CHECK(count == 1);
  REQUIRE(root.racker({"rm", "-v", "anon"}).exit_code == 0);
  CHECK(std::filesystem::is_empty(root.path() + "/volumes"));
}

TEST_CASE("resource limits land in the container's cgroup and go with it", "[container][storage][limits]") {
  REQUIRE_CONTAINER_HOST();
  if (access("/sys/fs/cgroup/memory/cgroup.procs", F_OK) != 0 && access("/sys/fs/cgroup/cgroup.controllers", F_OK) != 0) {
    WARN("no cgroup filesystem");
    return;
  }
  RackerRoot root;
  TestImage image;
  image.tag = "rk-busybox:latest";
  REQUIRE(add_busybox_image(root.path(), image));
  auto run = root.racker({"run", "-d", "-m", "64m", "--cpus", "0.5", "--pids-limit", "40", "--ulimit", "nofile=512:1024",
                          "rk-busybox", "sh", "-c", "ulimit -n; ulimit -Hn; sleep 1000"});
  REQUIRE(run.exit_code == 0);
  std::string id = trimmed(run.out);
  bool v2 = access("/sys/fs/cgroup/cgroup.controllers", F_OK) == 0;
  if (v2) {
    CHECK(trimmed(read_file("/sys/fs/cgroup/racker/" + id + "/memory.max")) == "67108864");
    CHECK(trimmed(read_file("/sys/fs/cgroup/racker/" + id + "/cpu.max")) == "50000 100000");
    CHECK(trimmed(read_file("/sys/fs/cgroup/racker/" + id + "/pids.max")) == "40");
  } else {
    CHECK(trimmed(read_file("/sys/fs/cgroup/memory/racker/" + id + "/memory.limit_in_bytes")) == "67108864");
    CHECK(trimmed(read_file("/sys/fs/cgroup/cpu/racker/" + id + "/cpu.cfs_quota_us")) == "50000");
    CHECK(trimmed(read_file("/sys/fs/cgroup/pids/racker/" + id + "/pids.max")) == "40");
    std::string pid = trimmed(root.racker({"inspect", "-f", "{{.State.Pid}}", id}).out);
    CHECK(read_file("/sys/fs/cgroup/memory/racker/" + id + "/cgroup.procs").find(pid + "\n") != std::string::npos);
  }
  CHECK(trimmed(root.racker({"inspect", "-f", "{{.HostConfig.Memory}} {{.HostConfig.NanoCpus}}", id}).out) == "67108864 500000000");
  CHECK(root.racker({"rm", "-f", id}).exit_code == 0);
  CHECK_FALSE(std::filesystem::exists("/sys/fs/cgroup/memory/racker/" + id));
  CHECK_FALSE(std::filesystem::exists("/sys/fs/cgroup/racker/" + id));
}

TEST_CASE("ulimits reach the payload", "[container][storage][limits]") {
  REQUIRE_CONTAINER_HOST();
  RackerRoot root;
  TestImage image;
  image.tag = "rk-busybox:latest";
  REQUIRE(add_busybox_image(root.path(), image));
  auto r = root.racker({"run", "--rm", "--ulimit", "nofile=512:1024", "rk-busybox", "sh", "-c", "ulimit -n; ulimit -Hn"});
  CHECK(r.out == "512\n1024\n");
}

TEST_CASE("capabilities follow docker's default set, cap-add and cap-drop", "[container][storage][caps]") {
  REQUIRE_CONTAINER_HOST();
  RackerRoot root;
  TestImage image;
  image.tag = "rk-busybox:latest";
  REQUIRE(add_busybox_image(root.path(), image));
  // docker's default bounding set is 0x00000000a80425fb.
  auto def = root.racker({"run", "--rm", "rk-busybox", "grep", "CapBnd", "/proc/self/status"});
  CHECK(def.out == "CapBnd:\t00000000a80425fb\n");
  auto dropped = root.racker({"run", "--rm", "--cap-drop", "chown", "rk-busybox", "sh", "-c", "chown 1 /tmp 2>&1; echo $?"});
  CHECK(dropped.out.find("Operation not permitted") != std::string::npos);
  auto added = root.racker({"run", "--rm", "--cap-add", "NET_ADMIN", "rk-busybox", "grep", "CapEff", "/proc/self/status"});
  CHECK(added.out == "CapEff:\t00000000a80435fb\n");
  auto user = root.racker({"run", "--rm", "-u", "app", "rk-busybox", "grep", "CapEff", "/proc/self/status"});
  CHECK(user.out == "CapEff:\t0000000000000000\n");
}

TEST_CASE("a payload over its memory limit is OOM-killed and inspect says so", "[container][storage][limits]") {
  REQUIRE_CONTAINER_HOST();
  if (access("/sys/fs/cgroup/memory/cgroup.procs", F_OK) != 0) {
    WARN("needs the cgroup v1 memory controller");
    return;
  }
  RackerRoot root;
  TestImage image;
  image.tag = "rk-busybox:latest";
  REQUIRE(add_busybox_image(root.path(), image));
  // tmpfs pages are charged to the writer's cgroup: 64 MiB into a 16 MiB limit.
  auto r = root.racker({"run", "--name", "hog", "-m", "16m", "--memory-swap", "16m", "--tmpfs", "/big:size=128m", "rk-busybox",
                        "dd", "if=/dev/zero", "of=/big/fill", "bs=1M", "count=64"});
  CHECK(r.exit_code == 137);
  CHECK(trimmed(root.racker({"inspect", "-f", "{{.State.OOMKilled}} {{.State.ExitCode}}", "hog"}).out) == "true 137");
}
