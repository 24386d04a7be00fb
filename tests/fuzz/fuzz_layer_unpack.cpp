// libFuzzer target: the layer unpacker on hostile tar streams, into a
// scratch root inside a jail directory that also holds canary files. After
// every input the jail must hold exactly what it held before (no new names,
// same bytes, modes and owners, no overlay xattr): anything else means an
// entry landed outside the scratch root, and the target aborts so libFuzzer
// keeps the input.
//
// An input is either raw bytes handed to the unpacker as they are (first
// byte odd), or a recipe (first byte even) that this harness turns into a
// well-formed tar with libarchive, so mutations explore entry sequences
// instead of dying on header checksums. A recipe is the compression byte,
// then 6-byte entries: kind, count, base, tail, target, mode; the name is
// `count` copies of the base component then up to two tail components (one
// per nibble). The
// components are drawn from a small vocabulary rich in "..", links, whiteout
// names and 200-byte names (21 of them pass PATH_MAX), the targets from
// paths that point back into the jail, absolute and relative.
//
// Run as root (ownership, devices, whiteouts and xattrs then take effect, as
// in a real pull). RACKER_FUZZ_VERBOSE=1 with -runs=0 prints each outcome.
#include <archive.h>
#include <archive_entry.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "racker/runtime/layer_unpack.h"

namespace {

namespace fs = std::filesystem;

struct Jail {
  std::string dir, root, canary, sub;
};

// One jail per process, made on first use: /tmp/racker-fuzz-jail-PID.
const Jail& jail() {
  static const Jail j = [] {
    Jail made;
    made.dir = "/tmp/racker-fuzz-jail-" + std::to_string(::getpid());
    fs::remove_all(made.dir);
    fs::create_directories(made.dir + "/sub");
    made.root = made.dir + "/root";
    made.canary = made.dir + "/canary";
    made.sub = made.dir + "/sub";
    if (FILE* f = std::fopen(made.canary.c_str(), "w")) {
      std::fputs("canary\n", f);
      std::fclose(f);
    }
    std::atexit([] { fs::remove_all("/tmp/racker-fuzz-jail-" + std::to_string(::getpid())); });
    return made;
  }();
  return j;
}

// Everything below the jail except the scratch root: name -> mode, owner, size, bytes, opaque xattr.
std::map<std::string, std::string> jail_state() {
  std::map<std::string, std::string> out;
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(jail().dir, ec); !ec && it != fs::recursive_directory_iterator();
       it.increment(ec)) {
    std::string path = it->path().string();
    if (path == jail().root) {
      it.disable_recursion_pending();
      continue;
    }
    struct stat st {};
    ::lstat(path.c_str(), &st);
    std::string seen = std::to_string(st.st_mode) + " " + std::to_string(st.st_uid) + ":" + std::to_string(st.st_gid) +
                       " " + std::to_string(st.st_size);
    if (S_ISREG(st.st_mode))
      if (FILE* f = std::fopen(path.c_str(), "r")) {
        char buf[64];
        size_t n = std::fread(buf, 1, sizeof buf, f);
        seen += " " + std::string(buf, n);
        std::fclose(f);
      }
    char value[8];
    if (::lgetxattr(path.c_str(), "trusted.overlay.opaque", value, sizeof value) >= 0) seen += " opaque";
    out[path] = seen;
  }
  struct stat st {};
  ::lstat(jail().dir.c_str(), &st);
  out[jail().dir] = std::to_string(st.st_mode);
  return out;
}

// 15 words: a recipe's tail nibble 15 means "no component".
std::string component(uint8_t b) {
  static const std::vector<std::string> words = {
      "a", "b", "..", ".", "link", std::string(200, 'x'), ".wh.a", ".wh..wh..opq", "", "etc", "d", ".wh.link", "sub",
      std::string(255, 'y'), "..."};
  return words[b % words.size()];
}

std::string target(uint8_t b) {
  const Jail& j = jail();
  static const std::vector<std::string> paths = {
      j.sub, j.canary, j.dir, "../canary", "../../canary", "../sub", "a", "a/b", "link", "/", "/etc", "../..",
      "link/../..", "../root/../canary", j.dir + "/root/../sub"};
  return paths[b % paths.size()];
}

const int kModes[] = {0644, 0755, 04755, 0600, 0, 02755, 01777, 0444};

// Builds the recipe's tar; gzip-compressed when the second byte says so.
std::string build_tar(const uint8_t* data, size_t size) {
  archive* a = archive_write_new();
  archive_write_set_format_pax_restricted(a);
  if (size > 1 && (data[1] & 1)) archive_write_add_filter_gzip(a);
  std::string out(2 << 20, '\0');  // a recipe past this is cut short, still a tar
  size_t used = 0;
  archive_write_set_bytes_in_last_block(a, 1);
  if (archive_write_open_memory(a, out.data(), out.size(), &used) != ARCHIVE_OK) std::abort();
  for (size_t i = 2; i + 6 <= size; i += 6) {
    uint8_t kind = data[i], count = data[i + 1] % 24, base = data[i + 2], tail = data[i + 3], link = data[i + 4],
            mode = data[i + 5];
    std::string name = (kind & 0x80) ? "/" : "";
    auto append = [&](const std::string& part) { name += (name.empty() || name == "/" ? "" : "/") + part; };
    for (uint8_t c = 0; c < count; ++c) append(component(base));
    for (uint8_t nibble : {static_cast<uint8_t>(tail & 15), static_cast<uint8_t>(tail >> 4)})
      if (nibble != 15) append(component(nibble));
    archive_entry* e = archive_entry_new();
    archive_entry_set_pathname(e, name.c_str());
    archive_entry_set_perm(e, kModes[mode % 8]);
    archive_entry_set_uid(e, mode >> 4);
    archive_entry_set_gid(e, mode >> 5);
    archive_entry_set_mtime(e, 1600000000, 0);
    if (kind & 0x40) archive_entry_xattr_add_entry(e, (mode & 8) ? "trusted.overlay.opaque" : "user.fuzz", "y", 1);
    const std::string content = "pwned\n";
    bool has_data = false;
    switch (kind % 7) {
      case 0: archive_entry_set_filetype(e, AE_IFREG), archive_entry_set_size(e, 6), has_data = true; break;
      case 1: archive_entry_set_filetype(e, AE_IFDIR); break;
      case 2: archive_entry_set_filetype(e, AE_IFLNK), archive_entry_set_symlink(e, target(link).c_str()); break;
      case 3:
        archive_entry_set_filetype(e, AE_IFREG), archive_entry_set_size(e, 0);
        archive_entry_set_hardlink(e, (link & 1) ? target(link >> 1).c_str() : component(link >> 1).c_str());
        break;
      case 4: archive_entry_set_filetype(e, AE_IFIFO); break;
      case 5:
        archive_entry_set_filetype(e, AE_IFCHR), archive_entry_set_rdevmajor(e, 1), archive_entry_set_rdevminor(e, 3);
        break;
      case 6: archive_entry_set_filetype(e, AE_IFREG), archive_entry_set_size(e, 0); break;  // a whiteout name, say
    }
    if (archive_write_header(a, e) == ARCHIVE_OK && has_data) archive_write_data(a, content.data(), content.size());
    archive_entry_free(e);
  }
  archive_write_close(a);
  archive_write_free(a);
  out.resize(used);
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0 || size > 64 * 1024) return 0;
  static const bool verbose = std::getenv("RACKER_FUZZ_VERBOSE") != nullptr;
  static const std::map<std::string, std::string> before = jail_state();
  std::string tar = (data[0] & 1) ? std::string(reinterpret_cast<const char*>(data) + 1, size - 1) : build_tar(data, size);

  const Jail& j = jail();
  fs::remove_all(j.root);
  fs::create_directory(j.root);
  FILE* blob = std::tmpfile();
  if (!blob) std::abort();
  std::fwrite(tar.data(), 1, tar.size(), blob);
  std::fflush(blob);
  std::rewind(blob);
  auto options = racker::runtime::default_unpack_options();
  options.max_bytes = 64 << 20;
  auto r = racker::runtime::unpack_layer_fd(::fileno(blob), "fuzz", j.root, options);
  std::fclose(blob);
  if (verbose) std::fprintf(stderr, "fuzz_layer_unpack: %s\n", r ? "unpacked" : r.error().message.c_str());

  auto after = jail_state();
  if (after != before) {
    for (const auto& [path, seen] : after)
      if (!before.count(path) || before.at(path) != seen) std::fprintf(stderr, "outside the root: %s (%s)\n", path.c_str(), seen.c_str());
    for (const auto& [path, seen] : before)
      if (!after.count(path)) std::fprintf(stderr, "outside the root, removed: %s\n", path.c_str());
    std::abort();
  }
  fs::remove_all(j.root);
  return 0;
}
