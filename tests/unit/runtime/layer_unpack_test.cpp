#include "racker/runtime/layer_unpack.h"

#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>

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
