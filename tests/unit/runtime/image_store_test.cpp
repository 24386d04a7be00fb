// LocalImageStore without a registry: staging is invisible until committed,
// tags move, rmi/prune keep shared layers, the in-use contract is honoured.
#include "racker/runtime/image_store.h"

#include <catch2/catch.hpp>
#include <filesystem>

#include "racker/runtime/image_display.h"
#include "support/image_tar_builder.h"

using namespace racker;
using namespace racker::runtime;
using racker::test::TempDir;

namespace {

// Adds an image with the given layer names (content = name) tagged `tag`.
ImageRecord add(LocalImageStore& store, const std::string& tag, const std::vector<std::string>& layers,
                const std::string& created = "2024-01-01T00:00:00Z") {
  ImageRecord r;
  std::string diff_ids;
  for (const auto& l : layers) {
    Digest d = sha256_of(l);
    if (!store.has_layer(d)) {
      auto staged = store.stage_layer();
      REQUIRE(staged.ok());
      racker::test::write_file(staged->diff_dir + "/" + l, l);
      REQUIRE(store.commit_layer(*staged, d, static_cast<int64_t>(l.size())).ok());
    }
    r.layers.push_back(d);
    diff_ids += std::string(diff_ids.empty() ? "" : ",") + "\"" + d.str() + "\"";
  }
  std::string config = R"({"created":")" + created + R"(","os":"linux","architecture":"amd64","config":{"Cmd":["/)" + tag +
                       R"("]},"rootfs":{"type":"layers","diff_ids":[)" + diff_ids + "]}}";
  r.id = sha256_of(config);
  REQUIRE(store.write_blob(r.id, config).ok());
  if (!tag.empty()) r.repo_tags.push_back(parse_image_ref(tag)->str());
  r.created = created;
  REQUIRE(store.add_image(r).ok());
  return r;
}

}  // namespace

TEST_CASE("a staged layer is invisible until committed, and tmp is cleaned", "[store]") {
  TempDir root;
  auto store = LocalImageStore::open(root.path());
  REQUIRE(store.ok());
  auto staged = (*store)->stage_layer();
  REQUIRE(staged.ok());
  racker::test::write_file(staged->diff_dir + "/f", "x");
  Digest d = sha256_of("whatever");
  CHECK_FALSE((*store)->has_layer(d));
  // An image naming a layer that is not committed is refused.
  ImageRecord r;
  r.id = sha256_of("{}");
  REQUIRE((*store)->write_blob(r.id, "{}").ok());
  r.layers = {d};
  CHECK((*store)->add_image(r).error().code == Errc::kNotFound);
  REQUIRE((*store)->commit_layer(*staged, d, 1).ok());
  CHECK((*store)->has_layer(d));
  CHECK(racker::test::read_file((*store)->layer_dir(d) + "/f") == "x");
  // Committing the same layer again (a concurrent pull) is fine and drops the copy.
  auto again = (*store)->stage_layer();
  REQUIRE((*store)->commit_layer(*again, d, 1).ok());
  CHECK_FALSE(std::filesystem::exists(again->dir));
}

TEST_CASE("get returns config and layer dirs lowest first, lookups by tag, id and prefix", "[store]") {
  TempDir root;
  auto store = std::move(LocalImageStore::open(root.path()).value());
  auto r = add(*store, "app:1", {"base", "top"});
  auto image = store->get("app:1");
  REQUIRE(image.ok());
  REQUIRE(image->layer_dirs.size() == 2);
  CHECK(image->layer_dirs[0] == store->layer_dir(sha256_of("base")));
  CHECK(image->config.cmd == std::vector<std::string>{"/app:1"});
  CHECK(store->get(r.id.str()).ok());
  CHECK(store->get(r.id.hex().substr(0, 12)).ok());
  CHECK(store->get("docker.io/library/app:1").ok());
  CHECK(store->get("app:2").error().message == "No such image: app:2");
  CHECK(store->get("App").error().code == Errc::kInvalidArgument);
}

TEST_CASE("rmi keeps layers shared with other images and honours containers", "[store]") {
  TempDir root;
  auto store = std::move(LocalImageStore::open(root.path()).value());
  auto a = add(*store, "a:1", {"shared", "only-a"});
  auto b = add(*store, "b:1", {"shared", "only-b"});
  std::filesystem::create_directories(root / "containers/c1");
  racker::test::write_file(root / "containers/c1/config.json", R"({"Image":"a:1"})");
  auto refused = store->remove("a:1", false);
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.error().code == Errc::kConflict);
  CHECK(refused.error().message == "conflict: unable to remove repository reference \"a:1\" (must force) - container c1 is using its referenced image " + a.id.short_id());
  std::filesystem::remove_all(root / "containers");
  auto removed = store->remove("a:1", false);
  REQUIRE(removed.ok());
  CHECK(*removed == std::vector<std::string>{"Untagged: a:1", "Deleted: " + a.id.str(), "Deleted: " + sha256_of("only-a").str()});
  CHECK(store->has_layer(sha256_of("shared")));
  CHECK(store->get("b:1").ok());
}

TEST_CASE("an image with two tags: rmi by tag untags, by id needs force", "[store]") {
  TempDir root;
  auto store = std::move(LocalImageStore::open(root.path()).value());
  auto a = add(*store, "a:1", {"l"});
  ImageRecord again = a;
  again.repo_tags = {parse_image_ref("a:latest")->str()};
  REQUIRE(store->add_image(again).ok());
  CHECK(store->get("a:1")->record.repo_tags.size() == 2);
  auto by_id = store->remove(a.id.short_id(), false);
  REQUIRE_FALSE(by_id.ok());
  CHECK_THAT(by_id.error().message, Catch::Contains("image is referenced in multiple repositories"));
  CHECK(*store->remove("a:1", false) == std::vector<std::string>{"Untagged: a:1"});
  CHECK(store->remove("a", false)->back() == "Deleted: " + sha256_of("l").str());
}

TEST_CASE("retagging moves the tag, prune removes the untagged image", "[store]") {
  TempDir root;
  auto store = std::move(LocalImageStore::open(root.path()).value());
  auto old = add(*store, "a:1", {"v1"}, "2024-01-01T00:00:00Z");
  auto fresh = add(*store, "a:1", {"v2"}, "2024-02-01T00:00:00Z");
  auto list = store->list();
  REQUIRE(list->size() == 2);
  CHECK((*list)[0].id == fresh.id);  // newest first
  CHECK((*list)[1].repo_tags.empty());
  auto report = store->prune();
  REQUIRE(report.ok());
  CHECK(report->deleted.front() == "deleted: " + old.id.str());
  CHECK(report->reclaimed == 2);
  CHECK(store->list()->size() == 1);
  CHECK_FALSE(store->has_layer(sha256_of("v1")));
}

TEST_CASE("display helpers speak docker", "[store]") {
  CHECK(human_size(0) == "0B");
  CHECK(human_size(5600) == "5.6kB");
  CHECK(human_size(117000000) == "117MB");
  CHECK(human_size(1234567890) == "1.23GB");
  auto now = std::chrono::system_clock::from_time_t(1700000000);
  CHECK(human_age("2023-11-14T22:13:00Z", now) == "20 seconds ago");
  CHECK(human_age("2023-11-01T00:00:00Z", now) == "13 days ago");
  CHECK(human_age("2023-10-01T00:00:00Z", now) == "6 weeks ago");
  CHECK(human_age("bogus", now) == "N/A");
  ImageRecord r;
  r.id = sha256_of("x");
  r.repo_tags = {"docker.io/library/debian:12", "ghcr.io/o/n:1"};
  r.size = 117000000;
  auto rows = image_rows({r}, now);
  REQUIRE(rows.size() == 2);
  CHECK(rows[0].repository == "debian");
  CHECK(rows[1].repository == "ghcr.io/o/n");
  CHECK(format_image_table(rows).substr(0, 10) == "REPOSITOR"
                                                  "Y");
}

TEST_CASE("staging of a dead writer is removed on open, a live store's staging is kept", "[store]") {
  TempDir root;
  {
    auto first = LocalImageStore::open(root.path());
    REQUIRE(first.ok());
  }
  // What a killed process leaves: a session directory nobody holds a lock on.
  std::filesystem::create_directories(root / "images/tmp/session-dead00/layer-abc/diff");
  racker::test::write_file(root / "images/tmp/session-dead00/layer-abc/blob", "half a blob");

  auto live = LocalImageStore::open(root.path());
  REQUIRE(live.ok());
  CHECK_FALSE(std::filesystem::exists(root / "images/tmp/session-dead00"));
  // A store only reading creates no staging at all.
  CHECK(std::filesystem::is_empty(root / "images/tmp"));

  auto staged = (*live)->stage_layer();
  REQUIRE(staged.ok());
  racker::test::write_file(staged->diff_dir + "/f", "x");
  // Another store opening meanwhile (another pull) must not take it for garbage.
  auto other = LocalImageStore::open(root.path());
  REQUIRE(other.ok());
  CHECK(std::filesystem::exists(staged->diff_dir + "/f"));
  REQUIRE((*live)->commit_layer(*staged, sha256_of("x"), 1).ok());
  live->reset();  // closing the store removes its session
  CHECK(std::filesystem::is_empty(root / "images/tmp"));
}
