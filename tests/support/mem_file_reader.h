#pragma once
// An in-memory FileReader for loader tests: files by absolute path, and
// directories implied by the files under them.

#include <map>
#include <string>

#include "racker/compose/host.h"

namespace racker::test {

class MemFileReader : public compose::FileReader {
 public:
  void add(const std::string& path, std::string content) { files_[path] = std::move(content); }

  Result<std::string> read(const std::string& path) override {
    auto it = files_.find(path);
    if (it == files_.end()) return Error(Errc::kNotFound, "open " + path + ": no such file or directory");
    return it->second;
  }
  bool is_file(const std::string& path) override { return files_.count(path) > 0; }
  bool is_dir(const std::string& path) override {
    std::string prefix = path == "/" ? "/" : path + "/";
    for (const auto& [p, _] : files_)
      if (p.compare(0, prefix.size(), prefix) == 0) return true;
    return false;
  }

 private:
  std::map<std::string, std::string> files_;
};

}  // namespace racker::test
