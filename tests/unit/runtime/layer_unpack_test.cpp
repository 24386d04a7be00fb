#include "racker/runtime/layer_unpack.h"

#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <vector>

#include "support/image_tar_builder.h"

using namespace racker;
using namespace racker::runtime;
using racker::test::TarBuilder;
using racker::test::TarCompression;
using racker::test::TempDir;

namespace {

bool is_root() { return ::geteuid() == 0; }

// Unpacks `tar` written with `compression` into dir/out.
Result<UnpackedLayer> unpack(const TempDir& dir, const TarBuilder& tar,
                             TarCompression compression = TarCompression::kNone) {
  tar.write(dir / "layer.tar", compression);
  std::filesystem::create_directory(dir / "out");
  return unpack_layer(dir / "layer.tar", dir / "out", default_unpack_options());
}

bool exists(const std::string& path) {
  struct stat st {};
  return ::lstat(path.c_str(), &st) == 0;
}

}  // namespace

TEST_CASE("files, dirs, symlinks and hard links are unpacked with their modes", "[layer]") {
  TempDir dir;
  TarBuilder tar;
  tar.dir("./etc", 0750).file("./etc/hostname", "box\n", 0640).file("bin/tool", "#!/bin/sh\n", 04755)
      .symlink("bin/sh", "tool").hardlink("bin/tool2", "bin/tool").symlink("abs", "/etc/hostname");
  auto r = unpack(dir, tar);
  REQUIRE(r.ok());
  CHECK(racker::test::read_file(dir / "out/etc/hostname") == "box\n");
  struct stat st {};
  REQUIRE(::stat((dir / "out/etc").c_str(), &st) == 0);
  CHECK((st.st_mode & 07777) == 0750);
  REQUIRE(::stat((dir / "out/bin/tool").c_str(), &st) == 0);
  CHECK((st.st_mode & 07777) == 04755);
  CHECK(st.st_nlink == 2);
  CHECK(std::filesystem::read_symlink(dir / "out/bin/sh") == "tool");
  // Absolute symlink targets are data, not followed while unpacking.
  CHECK(std::filesystem::read_symlink(dir / "out/abs") == "/etc/hostname");
  CHECK(st.st_mtime == 1600000000);
  CHECK(r->content_size == 4 + 10);
}

TEST_CASE("the diff-ID is the sha256 of the uncompressed tar, whatever the compression", "[layer]") {
  TarBuilder tar;
  tar.file("a", std::string(100000, 'x')).file("b/c", "hello");
  std::string plain = tar.build(TarCompression::kNone);
  Digest expected = sha256_of(plain);
  for (auto c : {TarCompression::kNone, TarCompression::kGzip, TarCompression::kZstd}) {
    TempDir dir;
    auto r = unpack(dir, tar, c);
    REQUIRE(r.ok());
    CHECK(r->diff_id == expected);
    CHECK(r->tar_size == static_cast<int64_t>(plain.size()));
    CHECK(racker::test::read_file(dir / "out/b/c") == "hello");
  }
}

TEST_CASE("whiteouts become overlay whiteouts and opaque markers", "[layer]") {
  if (!is_root()) {
    SUCCEED("skipped: overlay whiteouts need root (mknod, trusted.* xattrs)");
    return;
  }
  TempDir dir;
  TarBuilder tar;
  tar.dir("etc").file("etc/.wh.motd", "").file("var/.wh.cache", "").dir("opt").file("opt/.wh..wh..opq", "")
      .file("opt/new", "n").file(".wh..wh.plnk", "");
  auto r = unpack(dir, tar);
  REQUIRE(r.ok());
  struct stat st {};
  REQUIRE(::lstat((dir / "out/etc/motd").c_str(), &st) == 0);
  CHECK(S_ISCHR(st.st_mode));
  CHECK(st.st_rdev == makedev(0, 0));
  REQUIRE(::lstat((dir / "out/var/cache").c_str(), &st) == 0);
  CHECK(S_ISCHR(st.st_mode));
  CHECK_FALSE(exists(dir / "out/etc/.wh.motd"));
  char value[8] = {};
  CHECK(::getxattr((dir / "out/opt").c_str(), "trusted.overlay.opaque", value, sizeof value) == 1);
  CHECK(value[0] == 'y');
  CHECK_FALSE(exists(dir / "out/opt/.wh..wh..opq"));
  CHECK(racker::test::read_file(dir / "out/opt/new") == "n");
}

TEST_CASE("numeric ownership and xattrs are kept", "[layer]") {
  if (!is_root()) {
    SUCCEED("skipped: chown needs root");
    return;
  }
  TempDir dir;
  TarBuilder tar;
  racker::test::TarEntry e;
  e.name = "owned";
  e.content = "x";
  e.uid = 4242;
  e.gid = 4343;
  e.xattrs = {{"user.racker", "yes"}};
  tar.add(e);
  auto r = unpack(dir, tar);
  REQUIRE(r.ok());
  struct stat st {};
  REQUIRE(::lstat((dir / "out/owned").c_str(), &st) == 0);
  CHECK(st.st_uid == 4242u);
  CHECK(st.st_gid == 4343u);
  char value[8] = {};
  CHECK(::getxattr((dir / "out/owned").c_str(), "user.racker", value, sizeof value) == 3);
}

TEST_CASE("entries escaping the layer root are rejected", "[layer][security]") {
  struct Attack {
    const char* what;
    TarBuilder tar;
    const char* message_part;
  };
  std::vector<Attack> attacks;
  attacks.push_back({"dot-dot", TarBuilder().file("../escaped", "x"), "escapes the layer root"});
  attacks.push_back({"nested dot-dot", TarBuilder().file("a/../../escaped", "x"), "escapes the layer root"});
  attacks.push_back({"absolute", TarBuilder().file("/tmp/escaped-abs", "x"), "absolute path"});
  attacks.push_back({"through symlink", TarBuilder().symlink("link", "..").file("link/escaped", "x"), "symlink"});
  attacks.push_back({"through absolute symlink", TarBuilder().symlink("etc", "/tmp").file("etc/escaped", "x"), "symlink"});
  attacks.push_back({"hard link outside", TarBuilder().hardlink("passwd", "../escaped-target"), "outside the layer root"});
  attacks.push_back({"hard link through symlink",
                     TarBuilder().symlink("s", "..").hardlink("stolen", "s/escaped-target"), "symlink"});
  attacks.push_back({"whiteout through symlink", TarBuilder().symlink("s", "..").file("s/.wh.escaped-target", ""),
                     "symlink"});
  for (auto& attack : attacks) {
    DYNAMIC_SECTION(attack.what) {
      TempDir dir;
      racker::test::write_file(dir / "escaped-target", "keep");
      auto r = unpack(dir, attack.tar);
      REQUIRE_FALSE(r.ok());
      CHECK(r.error().code == Errc::kPermission);
      CHECK_THAT(r.error().message, Catch::Contains(attack.message_part));
      CHECK_FALSE(exists(dir / "escaped"));
      CHECK_FALSE(exists("/tmp/escaped-abs"));
      CHECK(racker::test::read_file(dir / "escaped-target") == "keep");
      struct stat st {};
      REQUIRE(::stat((dir / "escaped-target").c_str(), &st) == 0);
      CHECK(st.st_nlink == 1);
    }
  }
}

TEST_CASE("a truncated or corrupt layer is an I/O error", "[layer]") {
  TempDir dir;
  std::string gz = TarBuilder().file("a", std::string(200000, 'q')).build(TarCompression::kGzip);
  racker::test::write_file(dir / "layer.tar", gz.substr(0, gz.size() / 2));
  std::filesystem::create_directory(dir / "out");
  auto r = unpack_layer(dir / "layer.tar", dir / "out", default_unpack_options());
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().code == Errc::kIo);
}

TEST_CASE("a tar stream cut right after the last file's data still unpacks (umoci insert)", "[layer]") {
  TempDir dir;
  std::string plain = TarBuilder().file("a", "0123456789").build(TarCompression::kNone);
  size_t header = plain.find("0123456789");
  REQUIRE(header != std::string::npos);
  std::string cut = plain.substr(0, header + 10);  // no padding, no end-of-archive blocks
  racker::test::write_file(dir / "layer.tar", cut);
  std::filesystem::create_directory(dir / "out");
  auto r = unpack_layer(dir / "layer.tar", dir / "out", default_unpack_options());
  REQUIRE(r.ok());
  CHECK(r->diff_id == sha256_of(cut));  // the diff-ID covers the real bytes only
  CHECK(racker::test::read_file(dir / "out/a") == "0123456789");
}

TEST_CASE("a directory entry over an earlier symlink replaces the link, not its target", "[layer][security]") {
  TempDir dir;
  std::filesystem::create_directory(dir / "outside");
  ::chmod((dir / "outside").c_str(), 0755);
  TarBuilder tar;
  tar.symlink("d", dir / "outside").dir("d", 0700).file("d/inside", "x").symlink("f", dir / "outside/victim")
      .file("f", "mine");
  auto r = unpack(dir, tar);
  REQUIRE(r.ok());
  struct stat st {};
  REQUIRE(::stat((dir / "outside").c_str(), &st) == 0);
  CHECK((st.st_mode & 07777) == 0755);
  CHECK_FALSE(exists(dir / "outside/inside"));
  CHECK_FALSE(exists(dir / "outside/victim"));
  REQUIRE(::lstat((dir / "out/d").c_str(), &st) == 0);
  CHECK(S_ISDIR(st.st_mode));
  CHECK(racker::test::read_file(dir / "out/f") == "mine");
}

namespace {

// Every entry below `root`: type, mode, size, mtime, link count and content
// (or link target), one line each, sorted.
std::string tree_listing(const std::string& root) {
  std::vector<std::string> lines;
  for (const auto& e : std::filesystem::recursive_directory_iterator(root)) {
    struct stat st {};
    REQUIRE(::lstat(e.path().c_str(), &st) == 0);
    std::string rel = e.path().string().substr(root.size());
    std::string what;
    if (S_ISREG(st.st_mode)) what = racker::test::read_file(e.path());
    else if (S_ISLNK(st.st_mode)) what = std::filesystem::read_symlink(e.path()).string();
    char head[128];
    std::snprintf(head, sizeof head, " %o %lld %lld %lu ", st.st_mode, static_cast<long long>(st.st_size),
                  static_cast<long long>(st.st_mtime), static_cast<unsigned long>(st.st_nlink));
    lines.push_back(rel + head + what);
  }
  std::sort(lines.begin(), lines.end());
  std::string out;
  for (const auto& l : lines) out += l + "\n";
  return out;
}

Result<UnpackedLayer> unpack_with_writers(const TempDir& dir, const TarBuilder& tar, int writers, const std::string& out) {
  tar.write(dir / "layer.tar");
  std::filesystem::create_directory(dir / out);
  LayerUnpackOptions options = default_unpack_options();
  options.file_writers = writers;
  return unpack_layer(dir / "layer.tar", dir / out, options);
}

}  // namespace

TEST_CASE("files written by the pool keep the stream's order: replaced, linked, whited out, big and small", "[layer]") {
  TarBuilder tar;
  for (int d = 0; d < 12; ++d) {
    tar.dir("d" + std::to_string(d), 0750 + d % 8);
    for (int f = 0; f < 40; ++f)
      tar.file("d" + std::to_string(d) + "/f" + std::to_string(f), std::string(f * 37, static_cast<char>('a' + d)),
               f % 3 == 0 ? 0600 : f % 3 == 1 ? 0755 : 04755);
  }
  tar.file("big", std::string(3 << 20, 'B'));  // past the pool's size: written inline, between queued ones
  tar.file("dup", "first").file("other", "x").file("dup", "second");
  tar.file("becomes-dir", "file").dir("becomes-dir").file("becomes-dir/inside", "in");
  tar.file("target", "linked").hardlink("link", "target");
  tar.dir("replaced").file("replaced/by-link", "gone").symlink("replaced/by-link", "../target");
  if (is_root()) tar.file("hidden", "gone").file(".wh.hidden", "");
  tar.file("d0/f0", "rewritten late");

  TempDir dir;
  auto inline_only = unpack_with_writers(dir, tar, 0, "inline");
  REQUIRE(inline_only.ok());
  auto pooled = unpack_with_writers(dir, tar, 4, "pooled");
  REQUIRE(pooled.ok());
  CHECK(pooled->content_size == inline_only->content_size);
  CHECK(pooled->diff_id == inline_only->diff_id);
  std::string expected = tree_listing(dir / "inline");
  CHECK(tree_listing(dir / "pooled") == expected);
  CHECK(racker::test::read_file(dir / "pooled/dup") == "second");
  CHECK(racker::test::read_file(dir / "pooled/becomes-dir/inside") == "in");
  CHECK(racker::test::read_file(dir / "pooled/link") == "linked");
  CHECK(racker::test::read_file(dir / "pooled/d0/f0") == "rewritten late");
}

TEST_CASE("an entry below a file still being written is refused as one below any file is", "[layer][security]") {
  TarBuilder tar;
  tar.file("plain", "a file").file("plain/below", "x");
  for (int writers : {0, 4}) {
    INFO("file writers " << writers);
    TempDir dir;
    auto r = unpack_with_writers(dir, tar, writers, "out");
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().message == "layer entry \"plain/below\" has a parent that is not a directory");
    CHECK(racker::test::read_file(dir / "out/plain") == "a file");
  }
}
