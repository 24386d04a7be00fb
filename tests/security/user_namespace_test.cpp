// Private user namespaces (`run --userns=auto`, compose's `userns_mode:
// auto`), checked from the host's side: the container's root is a host id
// in a block of its own, root-only host files stay closed to it, and the
// image's and volumes' owners look as they do without a namespace.
#include <sys/stat.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "racker/runtime/user_namespace.h"
#include "support/compose_project.h"
#include "support/container_harness.h"
#include "support/container_images.h"
#include "support/image_tar_builder.h"

using namespace racker::test;
namespace fs = std::filesystem;

namespace {

struct IdMap {
  long inside = -1, outside = -1, count = -1;
};

IdMap parse_id_map(const std::string& text) {
  IdMap m;
  std::istringstream in(text);
  in >> m.inside >> m.outside >> m.count;
  return m;
}

// The real uid of process `pid` as the host sees it.
long host_uid_of(const std::string& pid) {
  std::ifstream in("/proc/" + pid + "/status");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind("Uid:", 0) == 0) return std::stol(line.substr(4));
  return -1;
}

long owner_of(const std::string& path) {
  struct stat st {};
  return ::lstat(path.c_str(), &st) == 0 ? static_cast<long>(st.st_uid) : -1;
}

}  // namespace

TEST_CASE("run --userns=auto: the container's root is an unprivileged host id of its own block", "[security][container]") {
  REQUIRE_CONTAINER_HOST();
  BusyboxRoot racker;
  const std::string root = racker.root.path();
  // A root-only host file, bound in: root in the container must not read it.
  const std::string secret = root + "/host-secret";
  write_file(secret, "host only\n");
  ::chmod(secret.c_str(), 0600);

  auto run = racker({"run", "-d", "--name", "mapped", "--userns=auto", "-v", "mappedvol:/data", "-v",
                     secret + ":/secret", "rk-busybox", "sh", "-c",
                     "echo made > /data/in-volume; echo made > /in-rootfs; exec sleep 1000"});
  INFO(run.err);
  REQUIRE(run.exit_code == 0);
  std::string id = trimmed(run.out);
  CHECK(trimmed(racker({"inspect", "--format", "{{.HostConfig.UsernsMode}}", "mapped"}).out) == "auto");

  auto map = racker({"exec", "mapped", "cat", "/proc/self/uid_map"});
  REQUIRE(map.exit_code == 0);
  IdMap uid = parse_id_map(map.out);
  CHECK(uid.inside == 0);
  CHECK(uid.count == racker::runtime::kUsernsSize);
  CHECK(uid.outside >= racker::runtime::kUsernsPickFirst);
  CHECK(uid.outside <= racker::runtime::kUsernsPickLast);
  CHECK(uid.outside % racker::runtime::kUsernsSize == 0);
  CHECK(parse_id_map(racker({"exec", "mapped", "cat", "/proc/self/gid_map"}).out).outside == uid.outside);

  // Root inside, the block's first id outside.
  CHECK(trimmed(racker({"exec", "mapped", "id", "-u"}).out) == "0");
  std::string pid = trimmed(racker({"inspect", "--format", "{{.State.Pid}}", "mapped"}).out);
  CHECK(host_uid_of(pid) == uid.outside);

  // Closed host file; the image's files and the volume belong to root inside.
  auto cat_secret = racker({"exec", "mapped", "cat", "/secret"});
  CHECK(cat_secret.exit_code != 0);
  CHECK(cat_secret.out.find("host only") == std::string::npos);
  CHECK(trimmed(racker({"exec", "mapped", "stat", "-c", "%u:%g", "/bin/busybox", "/data", "/etc/hosts"}).out) ==
        "0:0\n0:0\n0:0");
  CHECK(trimmed(racker({"exec", "mapped", "ls", "-A", "/run/.racker"}).out).empty());  // racker's init is hidden

  // On disk: the writable layer holds the block's ids, the volume plain ones.
  const std::string volume_file = root + "/volumes/mappedvol/_data/in-volume";
  REQUIRE(eventually([&] { return read_file(volume_file) == "made\n"; }));
  CHECK(owner_of(volume_file) == 0);
  const std::string upper_file = root + "/containers/" + id + "/upper/in-rootfs";
  REQUIRE(eventually([&] { return fs::exists(upper_file); }));
  CHECK(owner_of(upper_file) == uid.outside);
  CHECK(owner_of(root + "/containers/" + id + "/upper") == uid.outside);

  // The block stays the container's across a restart.
  REQUIRE(racker({"restart", "-t", "1", "mapped"}).exit_code == 0);
  CHECK(parse_id_map(racker({"exec", "mapped", "cat", "/proc/self/uid_map"}).out).outside == uid.outside);
  CHECK(trimmed(racker({"exec", "mapped", "cat", "/in-rootfs"}).out) == "made");

  // A second container gets another block.
  auto other = racker({"run", "--rm", "--userns=auto", "rk-busybox", "cat", "/proc/self/uid_map"});
  REQUIRE(other.exit_code == 0);
  CHECK(parse_id_map(other.out).outside != uid.outside);
  CHECK(parse_id_map(other.out).outside >= racker::runtime::kUsernsPickFirst);

  // Without the flag: the host's ids.
  auto host = racker({"run", "--rm", "rk-busybox", "cat", "/proc/self/uid_map"});
  CHECK(parse_id_map(host.out).outside == 0);
  REQUIRE(racker({"rm", "-f", "mapped"}).exit_code == 0);
}

TEST_CASE("run --userns: bad combinations are refused before anything is made", "[security][container]") {
  REQUIRE_CONTAINER_HOST();
  BusyboxRoot racker;
  auto privileged = racker({"run", "--rm", "--privileged", "--userns=auto", "rk-busybox", "true"});
  CHECK(privileged.exit_code == 125);
  CHECK(privileged.err.find("privileged mode is incompatible with user namespaces") != std::string::npos);
  auto bogus = racker({"run", "--rm", "--userns=keep-id", "rk-busybox", "true"});
  CHECK(bogus.exit_code == 125);
  CHECK(bogus.err.find("invalid user namespace mode \"keep-id\"") != std::string::npos);
  CHECK(trimmed(racker({"ps", "-aq"}).out).empty());
}

TEST_CASE("compose userns_mode: auto maps each service, and names still resolve", "[security][compose]") {
  REQUIRE_CONTAINER_HOST();
  Project p("userns", R"(services:
  web:
    image: rk-busybox
    userns_mode: auto
    command: ["sh", "-c", "echo served > /index.html; exec busybox httpd -f -p 8080 -h /"]
  client:
    image: rk-busybox
    userns_mode: auto
    command: ["sleep", "1000"]
)");
  bring_up(p);
  IdMap web = parse_id_map(p.compose({"exec", "-T", "web", "cat", "/proc/self/uid_map"}).out);
  IdMap client = parse_id_map(p.compose({"exec", "-T", "client", "cat", "/proc/self/uid_map"}).out);
  CHECK(web.outside >= racker::runtime::kUsernsPickFirst);
  CHECK(client.outside >= racker::runtime::kUsernsPickFirst);
  CHECK(web.outside != client.outside);
  std::string body;
  CHECK(eventually([&] {
    body = trimmed(p.compose({"exec", "-T", "client", "busybox", "wget", "-qO-", "http://web:8080/index.html"}).out);
    return body == "served";
  }));
  CHECK(body == "served");
  CHECK(p.compose({"down"}).exit_code == 0);
}

TEST_CASE("compose userns_mode: a mode racker lacks names the service and key", "[security][compose]") {
  REQUIRE_CONTAINER_HOST();
  Project p("usernsbad", R"(services:
  app:
    image: rk-busybox
    userns_mode: keep-id
    command: ["true"]
)");
  auto up = p.compose({"up", "-d"});
  CHECK(up.exit_code != 0);
  CHECK(up.err.find("service \"app\": userns_mode: invalid user namespace mode \"keep-id\"") != std::string::npos);
  CHECK(trimmed(p.compose({"ps", "-aq"}).out).empty());
}
