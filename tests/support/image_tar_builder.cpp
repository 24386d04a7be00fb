#include "support/image_tar_builder.h"

#include <archive.h>
#include <archive_entry.h>
#include <sys/stat.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace racker::test {
namespace {

TarEntry make(TarEntry::Kind kind, std::string name, std::string content, int mode) {
  TarEntry e;
  e.kind = kind;
  e.name = std::move(name);
  e.content = std::move(content);
  e.mode = mode;
  return e;
}

}  // namespace

TarBuilder& TarBuilder::file(std::string name, std::string content, int mode) {
  return add(make(TarEntry::Kind::kFile, std::move(name), std::move(content), mode));
}
TarBuilder& TarBuilder::dir(std::string name, int mode) { return add(make(TarEntry::Kind::kDir, std::move(name), "", mode)); }
TarBuilder& TarBuilder::symlink(std::string name, std::string target) {
  return add(make(TarEntry::Kind::kSymlink, std::move(name), std::move(target), 0777));
}
TarBuilder& TarBuilder::hardlink(std::string name, std::string target) {
  return add(make(TarEntry::Kind::kHardlink, std::move(name), std::move(target), 0644));
}
TarBuilder& TarBuilder::fifo(std::string name) { return add(make(TarEntry::Kind::kFifo, std::move(name), "", 0644)); }
TarBuilder& TarBuilder::char_device(std::string name, unsigned major, unsigned minor) {
  TarEntry e = make(TarEntry::Kind::kCharDevice, std::move(name), "", 0666);
  e.rdev_major = major;
  e.rdev_minor = minor;
  return add(std::move(e));
}
TarBuilder& TarBuilder::add(TarEntry e) {
  entries_.push_back(std::move(e));
  return *this;
}

std::string TarBuilder::build(TarCompression compression) const {
  archive* a = archive_write_new();
  archive_write_set_format_pax_restricted(a);
  if (compression == TarCompression::kGzip) archive_write_add_filter_gzip(a);
  if (compression == TarCompression::kZstd) archive_write_add_filter_zstd(a);
  std::string out(64 << 20, '\0');
  size_t used = 0;
  archive_write_set_bytes_in_last_block(a, 1);
  if (archive_write_open_memory(a, out.data(), out.size(), &used) != ARCHIVE_OK) {
    std::fprintf(stderr, "TarBuilder: %s\n", archive_error_string(a));
    std::abort();
  }
  for (const auto& e : entries_) {
    archive_entry* ent = archive_entry_new();
    archive_entry_set_pathname(ent, e.name.c_str());
    archive_entry_set_uid(ent, e.uid);
    archive_entry_set_gid(ent, e.gid);
    archive_entry_set_mtime(ent, 1600000000, 0);
    for (const auto& [k, v] : e.xattrs) archive_entry_xattr_add_entry(ent, k.c_str(), v.data(), v.size());
    switch (e.kind) {
      case TarEntry::Kind::kFile:
        archive_entry_set_filetype(ent, AE_IFREG);
        archive_entry_set_size(ent, static_cast<la_int64_t>(e.content.size()));
        break;
      case TarEntry::Kind::kDir: archive_entry_set_filetype(ent, AE_IFDIR); break;
      case TarEntry::Kind::kSymlink:
        archive_entry_set_filetype(ent, AE_IFLNK);
        archive_entry_set_symlink(ent, e.content.c_str());
        break;
      case TarEntry::Kind::kHardlink:
        archive_entry_set_filetype(ent, AE_IFREG);
        archive_entry_set_hardlink(ent, e.content.c_str());
        archive_entry_set_size(ent, 0);
        break;
      case TarEntry::Kind::kFifo: archive_entry_set_filetype(ent, AE_IFIFO); break;
      case TarEntry::Kind::kCharDevice:
        archive_entry_set_filetype(ent, AE_IFCHR);
        archive_entry_set_rdevmajor(ent, e.rdev_major);
        archive_entry_set_rdevminor(ent, e.rdev_minor);
        break;
    }
    archive_entry_set_perm(ent, e.mode);
    if (archive_write_header(a, ent) != ARCHIVE_OK) {
      std::fprintf(stderr, "TarBuilder: %s\n", archive_error_string(a));
      std::abort();
    }
    if (e.kind == TarEntry::Kind::kFile && !e.content.empty()) archive_write_data(a, e.content.data(), e.content.size());
    archive_entry_free(ent);
  }
  archive_write_close(a);
  archive_write_free(a);
  out.resize(used);
  return out;
}

void TarBuilder::write(const std::string& path, TarCompression compression) const {
  write_file(path, build(compression));
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void write_file(const std::string& path, const std::string& content) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(content.data(), static_cast<std::streamsize>(content.size()));
}

TempDir::TempDir() {
  char tmpl[] = "/tmp/racker-test-XXXXXX";
  path_ = ::mkdtemp(tmpl);
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

}  // namespace racker::test
