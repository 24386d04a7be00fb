#include "graph_svg.h"

#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <vector>

extern char** environ;

namespace racker::cli {

Result<std::string> dot_to_svg(const std::string& dot_text) {
  // Files, not pipes: dot reads all its input before it writes, and files
  // need no second thread to avoid a full-pipe deadlock on large graphs.
  char tmpl[] = "/tmp/racker-graph-XXXXXX";
  if (!::mkdtemp(tmpl)) return Error(Errc::kIo, std::string("mkdtemp: ") + std::strerror(errno));
  std::string dir = tmpl, in = dir + "/graph.dot", out = dir + "/graph.svg";
  auto cleanup = [&] {
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
  };
  std::ofstream(in) << dot_text;
  std::vector<std::string> args = {"dot", "-Tsvg", "-o", out, in};
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t pid = 0;
  int rc = posix_spawnp(&pid, "dot", nullptr, nullptr, argv.data(), environ);
  if (rc != 0) {
    cleanup();
    if (rc == ENOENT)
      return Error(Errc::kNotFound, "svg needs Graphviz's dot, which is not in PATH (Debian: apt-get install graphviz)");
    return Error(Errc::kIo, std::string("run dot: ") + std::strerror(rc));
  }
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    cleanup();
    return Error(Errc::kIo, "dot -Tsvg failed (status " + std::to_string(WIFEXITED(status) ? WEXITSTATUS(status) : -1) + ")");
  }
  std::ifstream svg(out);
  std::stringstream text;
  text << svg.rdbuf();
  cleanup();
  return text.str();
}

}  // namespace racker::cli
