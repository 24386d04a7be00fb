#pragma once
// The loader never touches the host directly: files come through a FileReader
// and variables through a Lookup, so every stage is testable in memory.

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "racker/util/error.h"

namespace racker::compose {

// Reads files for the loader. Abstract so tests can use an in-memory tree
// (tests/support/mem_file_reader.h). Paths are absolute and lexically normal.
class FileReader {
 public:
  virtual ~FileReader() = default;
  // kNotFound if absent, kIo on other failures; message names the path.
  virtual Result<std::string> read(const std::string& path) = 0;
  virtual bool is_file(const std::string& path) = 0;
  virtual bool is_dir(const std::string& path) = 0;
};

// The real filesystem.
class DiskFileReader : public FileReader {
 public:
  Result<std::string> read(const std::string& path) override;
  bool is_file(const std::string& path) override;
  bool is_dir(const std::string& path) override;
};

// Looks a variable up; nullopt when unset (set-but-empty is "").
using Lookup = std::function<std::optional<std::string>(std::string_view name)>;

// An ordered-by-name environment, as dotenv files and the process produce.
using EnvMap = std::map<std::string, std::string, std::less<>>;

Lookup lookup_in(const EnvMap& env);  // REQUIRES: env outlives the Lookup
EnvMap process_environment();         // a snapshot of environ

// Path helpers (pure, lexical): absolute `p` resolved against `base` if relative.
std::string absolute_path(std::string_view base, std::string_view p);
std::string parent_dir(std::string_view path);
std::string base_name(std::string_view path);

}  // namespace racker::compose
