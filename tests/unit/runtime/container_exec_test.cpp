#include <catch2/catch.hpp>

#include "racker/runtime/container_init.h"
#include "racker/runtime/exec_lookup.h"
#include "racker/runtime/exec_user.h"

using namespace racker::runtime;

namespace {
const char* kPasswd =
    "root:x:0:0:root:/root:/bin/sh\n# comment\napp:x:1000:1000:App:/home/app:/bin/sh\nbroken line\n";
const char* kGroup = "root:x:0:\napp:x:1000:\nextra:x:2000:app,other\nstaff:x:50:other\n";
}  // namespace

TEST_CASE("users resolve by name or uid from the image's files", "[container_exec]") {
  auto root = resolve_exec_user("", kPasswd, kGroup);
  REQUIRE(root);
  CHECK(root->uid == 0);
  CHECK(root->home == "/root");
  auto app = resolve_exec_user("app", kPasswd, kGroup);
  REQUIRE(app);
  CHECK(app->uid == 1000);
  CHECK(app->gid == 1000);
  CHECK(app->groups == std::vector<gid_t>{1000, 2000});
  CHECK(app->home == "/home/app");
  auto by_uid = resolve_exec_user("1000", kPasswd, kGroup);
  REQUIRE(by_uid);
  CHECK(by_uid->home == "/home/app");
}

TEST_CASE("numeric ids without an entry are used as they are", "[container_exec]") {
  auto u = resolve_exec_user("4242:4343", kPasswd, kGroup);
  REQUIRE(u);
  CHECK(u->uid == 4242);
  CHECK(u->gid == 4343);
  CHECK(u->groups == std::vector<gid_t>{4343});
  CHECK(u->home == "/");
  auto named_group = resolve_exec_user("app:staff", kPasswd, kGroup);
  REQUIRE(named_group);
  CHECK(named_group->gid == 50);
}

TEST_CASE("unknown names fail with runc's words", "[container_exec]") {
  CHECK(resolve_exec_user("ghost", kPasswd, kGroup).error().message ==
        "unable to find user ghost: no matching entries in passwd file");
  CHECK(resolve_exec_user("app:ghosts", kPasswd, kGroup).error().message ==
        "unable to find group ghosts: no matching entries in group file");
}

TEST_CASE("executables are looked up in PATH like Go's LookPath", "[container_exec]") {
  auto sh = find_executable("sh", "/nonexistent:/bin");
  CHECK(sh.path == "/bin/sh");
  auto missing = find_executable("no-such-tool-xyz", "/bin:/usr/bin");
  CHECK(missing.exit_code == 127);
  CHECK(missing.error == "exec: \"no-such-tool-xyz\": executable file not found in $PATH");
  auto dir = find_executable("/etc", "/bin");
  CHECK(dir.exit_code == 126);
  CHECK(dir.error == "exec: \"/etc\": permission denied");
  auto file = find_executable("/etc/passwd", "/bin");
  CHECK(file.exit_code == 126);
  auto absent = find_executable("/nope/x", "/bin");
  CHECK(absent.exit_code == 127);
  CHECK(absent.error == "exec: \"/nope/x\": stat /nope/x: no such file or directory");
}

TEST_CASE("the init's config and status protocol round-trip", "[container_exec]") {
  InitConfig c;
  c.args = {"sh", "-c", "echo"};
  c.env = {"A=1"};
  c.user = "app";
  c.working_dir = "/w";
  c.tty = true;
  c.init = true;
  c.capabilities = {0, 1};
  c.sysctls = {{"kernel.shmmax", "1"}};
  c.unmount = {"/run/.racker/racker"};
  auto back = init_config_from_json(init_config_to_json(c));
  REQUIRE(back);
  CHECK(*back == c);
  CHECK_FALSE(init_config_from_json("{"));

  auto ok = parse_init_report("started\n");
  CHECK(ok.started);
  CHECK(ok.exit_code == 0);
  auto failed = parse_init_report("started\nerror 127 exec: \"x\": executable file not found in $PATH\n");
  CHECK(failed.exit_code == 127);
  CHECK(failed.message == "exec: \"x\": executable file not found in $PATH");
  CHECK_FALSE(parse_init_report("").started);
}
