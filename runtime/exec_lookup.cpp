#include "racker/runtime/exec_lookup.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstring>

namespace racker::runtime {

namespace {
// Go spells errno texts in lower case ("no such file or directory").
std::string go_style(std::string text) {
  if (!text.empty()) text[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(text[0])));
  return text;
}

bool is_executable_file(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode) && (st.st_mode & 0111) != 0;
}
}  // namespace

ExecLookup find_executable(const std::string& name, const std::string& path_env) {
  ExecLookup out;
  if (name.find('/') != std::string::npos) {
    struct stat st {};
    if (::stat(name.c_str(), &st) != 0) {
      out.exit_code = 127;
      out.error = "exec: \"" + name + "\": stat " + name + ": " + go_style(std::strerror(errno));
      return out;
    }
    if (S_ISDIR(st.st_mode) || (st.st_mode & 0111) == 0) {
      out.exit_code = 126;
      out.error = "exec: \"" + name + "\": permission denied";
      return out;
    }
    out.path = name;
    return out;
  }
  size_t start = 0;
  while (start <= path_env.size()) {
    size_t end = path_env.find(':', start);
    if (end == std::string::npos) end = path_env.size();
    std::string dir = path_env.substr(start, end - start);
    if (dir.empty()) dir.assign(1, '.');
    std::string candidate = dir + "/" + name;
    if (!name.empty() && is_executable_file(candidate)) {
      out.path = candidate;
      return out;
    }
    start = end + 1;
  }
  out.exit_code = 127;
  out.error = "exec: \"" + name + "\": executable file not found in $PATH";
  return out;
}

ExecLookup exec_failure(const std::string& name, int err) {
  ExecLookup out;
  if (err == ENOENT) {
    out.exit_code = 127;
    out.error = "exec: \"" + name + "\": no such file or directory";
  } else if (err == EACCES || err == EISDIR || err == ENOEXEC || err == EPERM) {
    out.exit_code = 126;
    out.error = "exec: \"" + name + "\": " + (err == ENOEXEC ? "exec format error" : "permission denied");
  } else {
    out.exit_code = 126;
    out.error = "exec: \"" + name + "\": " + go_style(std::strerror(err));
  }
  return out;
}

}  // namespace racker::runtime
