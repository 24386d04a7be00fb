// What an ordinary local user (nobody, via setpriv) can see of racker's
// state while a container runs: nothing of its files, its volumes, the
// store's configs and blobs. A world-readable probe file in the state root
// proves the root itself is reachable, so every refusal below comes from
// racker's own modes and not from a private parent directory.
#include <sys/stat.h>

#include <catch2/catch.hpp>
#include <filesystem>

#include "support/compose_project.h"  // eventually()
#include "support/container_harness.h"
#include "support/container_images.h"
#include "support/image_tar_builder.h"

using namespace racker::test;
namespace fs = std::filesystem;

namespace {

// `cmd` as uid/gid 65534 with no supplementary groups.
CommandResult as_nobody(const std::vector<std::string>& cmd) {
  std::vector<std::string> argv{"/usr/bin/setpriv", "--reuid", "65534", "--regid", "65534", "--clear-groups", "--"};
  argv.insert(argv.end(), cmd.begin(), cmd.end());
  return run_command(argv, {});
}

}  // namespace

TEST_CASE("a local user reads nothing of a running container, its volumes or the store", "[security][container]") {
  std::string why;
  if (!container_tests_possible(&why) || !fs::exists("/usr/bin/setpriv")) {
    WARN("skipping: " << (why.empty() ? "no setpriv" : why));
    return;
  }
  BusyboxRoot racker;
  const std::string root = racker.root.path();
  // The directories above the state root must not be what stops nobody.
  for (fs::path p = root; p != p.root_path(); p = p.parent_path()) {
    struct stat st {};
    REQUIRE(::stat(p.c_str(), &st) == 0);
    if ((st.st_mode & 0001) == 0) ::chmod(p.c_str(), (st.st_mode & 07777) | 0001);
  }
  write_file(root + "/probe", "probe\n");
  ::chmod((root + "/probe").c_str(), 0644);
  auto probe = as_nobody({"/bin/cat", root + "/probe"});
  REQUIRE(probe.exit_code == 0);  // the test could not fail otherwise
  REQUIRE(probe.out == "probe\n");

  auto run = racker({"run", "-d", "--name", "private", "-v", "privvol:/data", "rk-busybox", "sh", "-c",
                     "echo s3cret > /data/in-volume; echo s3cret > /in-rootfs; chmod 0644 /data/in-volume /in-rootfs; "
                     "sleep 1000"});
  REQUIRE(run.exit_code == 0);
  std::string id = trimmed(run.out);
  const std::string volume_file = root + "/volumes/privvol/_data/in-volume";
  REQUIRE(eventually([&] { return read_file(volume_file) == "s3cret\n"; }));
  std::string container_dir = root + "/containers/" + id;
  REQUIRE(fs::is_directory(container_dir));
  REQUIRE(eventually([&] { return read_file(container_dir + "/rootfs/in-rootfs") == "s3cret\n"; }));

  std::vector<std::string> readable_by_root_only = {
      container_dir + "/rootfs/in-rootfs", container_dir + "/config.json", volume_file,
      root + "/images/repositories.json",
  };
  for (const auto& e : fs::recursive_directory_iterator(root + "/images/blobs"))
    if (e.is_regular_file()) readable_by_root_only.push_back(e.path());
  for (const auto& e : fs::directory_iterator(root + "/images/images")) readable_by_root_only.push_back(e.path());
  for (const auto& path : readable_by_root_only) {
    INFO(path);
    REQUIRE(fs::exists(path));  // as root
    auto r = as_nobody({"/bin/cat", path});
    CHECK(r.exit_code != 0);
    CHECK(r.out.find("s3cret") == std::string::npos);
  }
  for (const std::string& dir : {root + "/containers", container_dir, container_dir + "/rootfs", root + "/volumes",
                                 root + "/volumes/privvol/_data", root + "/images", root + "/images/layers"}) {
    INFO(dir);
    auto r = as_nobody({"/bin/ls", dir});
    CHECK(r.exit_code != 0);
  }
  CHECK(racker({"rm", "-f", "private"}).exit_code == 0);
}
