#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <thread>

#include "racker/runtime/container_process.h"
#include "racker/runtime/container_state.h"
#include "support/image_tar_builder.h"

using namespace racker;
using namespace racker::runtime;

namespace {
ContainerSpec spec_named(const std::string& name) {
  ContainerSpec s;
  s.id = generate_container_id();
  s.name = name;
  s.image = "busybox";
  s.image_id = "sha256:" + std::string(64, 'f');
  s.cmd = {"sh"};
  s.mounts = {{MountSpec::Type::kTmpfs, "", "/t", false, false, "size=1m"}};
  s.resources.cpus = 0.5;
  s.restart.kind = RestartPolicy::Kind::kOnFailure;
  s.restart.max_retries = 2;
  return s;
}
}  // namespace

TEST_CASE("config and state round-trip through JSON", "[container_state]") {
  auto spec = spec_named("web");
  auto back = spec_from_json(spec_to_json(spec));
  REQUIRE(back);
  CHECK(*back == spec);
  ContainerState st;
  st.status = ContainerStatus::kExited;
  st.exit_code = 137;
  st.pid_start = 123456789;
  st.started_at = "2024-01-01T00:00:00.000000001Z";
  auto state = state_from_json(state_to_json(st));
  REQUIRE(state);
  CHECK(*state == st);
  CHECK_FALSE(spec_from_json("not json"));
}

TEST_CASE("names are unique and resolve like docker's", "[container_state]") {
  test::TempDir root;
  ContainerStore store(root.path());
  auto web = spec_named("web");
  REQUIRE(store.create(web));
  auto again = store.create(spec_named("web"));
  REQUIRE_FALSE(again);
  CHECK(again.error().message == "Conflict. The container name \"/web\" is already in use by container \"" + web.id +
                                     "\". You have to remove (or rename) that container to be able to reuse that name.");
  CHECK(*store.resolve("web") == web.id);
  CHECK(*store.resolve("/web") == web.id);
  CHECK(*store.resolve(web.id) == web.id);
  CHECK(*store.resolve(web.id.substr(0, 6)) == web.id);
  CHECK(store.resolve("nope").error().message == "No such container: nope");
  CHECK(store.read_spec(web.id)->image_id == web.image_id);
  REQUIRE(store.remove(web.id));
  CHECK_FALSE(store.resolve("web"));
  CHECK(store.create(spec_named("web")));
}

TEST_CASE("concurrent state updates are not lost", "[container_state]") {
  test::TempDir root;
  ContainerStore store(root.path());
  auto spec = spec_named("counter");
  REQUIRE(store.create(spec));
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&] {
      for (int i = 0; i < 25; ++i) (void)store.update_state(spec.id, [](ContainerState& s) { s.restart_count++; });
    });
  for (auto& t : threads) t.join();
  CHECK(store.read_state(spec.id)->restart_count == 100);
}

TEST_CASE("process liveness uses /proc stat and start times", "[container_state]") {
  auto line = parse_proc_stat("42 (we ird) name) S 1 42 42 0 -1 4194560 1 0 0 0 0 0 0 0 20 0 1 0 987654 0 0");
  REQUIRE(line);
  CHECK(line->pid == 42);
  CHECK(line->comm == "we ird) name");
  CHECK(line->state == 'S');
  CHECK(line->ppid == 1);
  CHECK(line->start_time == 987654);
  auto self = read_proc_stat(::getpid());
  REQUIRE(self);
  CHECK(process_alive(::getpid(), self->start_time));
  CHECK_FALSE(process_alive(::getpid(), self->start_time + 1));
  CHECK_FALSE(process_alive(0, 0));
  CHECK(now_rfc3339().size() == 30);
}
