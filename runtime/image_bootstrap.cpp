// `racker image bootstrap`: mmdebstrap builds a Debian rootfs tarball from
// Debian's packages; the tarball is imported like `image import`. mmdebstrap
// is run directly (no shell), its output passes through to the terminal.
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "image_files.h"
#include "racker/runtime/image_load.h"

namespace racker::runtime {

Result<ImageRecord> bootstrap_debian(LocalImageStore& store, const std::string& reference, const BootstrapOptions& options) {
  if (::access("/usr/bin/mmdebstrap", X_OK) != 0)
    return Error(Errc::kNotFound, "mmdebstrap is not installed (apt-get install mmdebstrap)");
  auto scratch = store.make_scratch_dir();
  if (!scratch) return scratch.error();
  std::string tarball = *scratch + "/rootfs.tar";
  std::vector<std::string> args = {"mmdebstrap", "--quiet", "--variant=" + options.variant, "--format=tar"};
  if (!options.include.empty()) {
    std::string list;
    for (const auto& p : options.include) list += (list.empty() ? "" : ",") + p;
    args.push_back("--include=" + list);
  }
  args.push_back(options.suite);
  args.push_back(tarball);
  if (!options.mirror.empty()) args.push_back(options.mirror);
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);

  pid_t pid = ::fork();
  if (pid < 0) return Error(Errc::kIo, std::string("fork: ") + std::strerror(errno));
  if (pid == 0) {
    ::execv("/usr/bin/mmdebstrap", argv.data());
    ::_exit(127);
  }
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  Result<ImageRecord> result = Error(Errc::kIo, "mmdebstrap failed");
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
    ImportOptions import;
    import.cmd = {"/bin/bash"};
    import.env = {"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"};
    result = import_rootfs(store, tarball, reference, import);
  } else {
    result = Error(Errc::kIo, "mmdebstrap " + options.suite + " failed with status " +
                                  std::to_string(WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status)));
  }
  (void)files::remove_tree(*scratch);
  return result;
}

}  // namespace racker::runtime
