#pragma once
// File helpers shared by the image store and the registry code (internal).
// Writes are atomic: data goes to a temporary file in the same directory,
// is fsynced, then renamed over the target, so readers see the old or the
// new content, never a torn file.

#include <string>

#include "racker/util/error.h"

namespace racker::runtime::files {

Result<std::string> read(const std::string& path);  // kNotFound when absent
Status write_atomic(const std::string& path, const std::string& content, int mode = 0644);
Status make_dirs(const std::string& path, int mode = 0755);
// rm -rf; absent is fine.
Status remove_tree(const std::string& path);
bool exists(const std::string& path);
// A new unique directory "<parent>/<prefix>XXXXXX".
Result<std::string> make_temp_dir(const std::string& parent, const std::string& prefix);
// fsyncs a directory so a rename inside it is durable.
void sync_dir(const std::string& path);

}  // namespace racker::runtime::files
