#pragma once
// Builds layer tarballs for tests with libarchive, including entries no
// well-behaved tool writes ("../x", "/etc/x", links through symlinks), so the
// unpacker's defences can be exercised.

#include <string>
#include <vector>

namespace racker::test {

enum class TarCompression { kNone, kGzip, kZstd };

struct TarEntry {
  enum class Kind { kFile, kDir, kSymlink, kHardlink, kFifo, kCharDevice };
  Kind kind = Kind::kFile;
  std::string name;
  std::string content;  // file data, or the link target
  int mode = 0644;
  int uid = 0, gid = 0;
  unsigned rdev_major = 0, rdev_minor = 0;  // kCharDevice
  std::vector<std::pair<std::string, std::string>> xattrs;
};

class TarBuilder {
 public:
  TarBuilder& file(std::string name, std::string content, int mode = 0644);
  TarBuilder& dir(std::string name, int mode = 0755);
  TarBuilder& symlink(std::string name, std::string target);
  TarBuilder& hardlink(std::string name, std::string target);
  TarBuilder& fifo(std::string name);
  TarBuilder& char_device(std::string name, unsigned major, unsigned minor);
  TarBuilder& add(TarEntry e);

  // The tarball bytes; throws nothing, aborts the test process on libarchive failure.
  std::string build(TarCompression compression = TarCompression::kNone) const;
  // Writes build() to `path`.
  void write(const std::string& path, TarCompression compression = TarCompression::kNone) const;

 private:
  std::vector<TarEntry> entries_;
};

// Reads a whole file (empty string when absent).
std::string read_file(const std::string& path);
void write_file(const std::string& path, const std::string& content);

// A fresh directory under /tmp removed (recursively) by the destructor.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }
  std::string operator/(const std::string& rel) const { return path_ + "/" + rel; }

 private:
  std::string path_;
};

}  // namespace racker::test
