#include "racker/runtime/exec_process.h"

#include <grp.h>
#include <linux/capability.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "racker/runtime/container_spec.h"
#include "racker/runtime/exec_user.h"

namespace racker::runtime {

namespace {

std::string env_value(const std::vector<std::string>& env, const std::string& key) {
  for (const auto& e : env)
    if (e.compare(0, key.size() + 1, key + "=") == 0) return e.substr(key.size() + 1);
  return {};
}

bool has_env(const std::vector<std::string>& env, const std::string& key) {
  for (const auto& e : env)
    if (e.compare(0, key.size() + 1, key + "=") == 0) return true;
  return false;
}

void make_dirs(const std::string& path) {
  for (size_t pos = 1; pos <= path.size(); ++pos)
    if (pos == path.size() || path[pos] == '/') ::mkdir(path.substr(0, pos).c_str(), 0755);
}

ExecLookup failure(int code, std::string message) {
  ExecLookup out;
  out.exit_code = code;
  out.error = std::move(message);
  return out;
}

}  // namespace

int drop_bounding_capabilities(const std::vector<int>& keep) {
  auto kept = [&](int cap) { return std::find(keep.begin(), keep.end(), cap) != keep.end(); };
  for (int cap = 0; cap <= kLastCapability; ++cap)
    if (!kept(cap) && ::prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0 && errno != EINVAL) return -errno;
  ::prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
  return 0;
}

int restrict_process_capabilities(const std::vector<int>& keep) {
  auto kept = [&](int cap) { return std::find(keep.begin(), keep.end(), cap) != keep.end(); };
  __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
  __user_cap_data_struct data[2]{};
  if (::syscall(SYS_capget, &header, data) != 0) return -errno;
  for (int cap = 0; cap <= kLastCapability; ++cap) {
    if (kept(cap)) continue;
    uint32_t bit = 1u << (cap % 32);
    data[cap / 32].effective &= ~bit;
    data[cap / 32].permitted &= ~bit;
  }
  // The inheritable set stays empty, as in docker: a root payload's
  // capabilities come from the bounding set at execve.
  data[0].inheritable = data[1].inheritable = 0;
  if (::syscall(SYS_capset, &header, data) != 0) return -errno;
  return 0;
}

ExecLookup exec_process(const ProcessSetup& setup) {
  if (setup.args.empty()) return failure(125, "no command specified");
  auto user = resolve_exec_user_in_root(setup.user);
  if (!user) return failure(125, user.error().message);

  std::vector<std::string> env = setup.env;
  if (!has_env(env, "HOME")) env.push_back("HOME=" + user->home);

  std::string cwd = setup.working_dir.empty() ? "/" : setup.working_dir;
  make_dirs(cwd);
  if (::chdir(cwd.c_str()) != 0)
    return failure(125, "chdir to cwd (\"" + cwd + "\") set in config.json failed: " + std::strerror(errno));

  // Bounding set first (needs CAP_SETPCAP), then ids (need CAP_SETUID/SETGID);
  // switching to a non-root uid clears the remaining sets by itself.
  if (int err = drop_bounding_capabilities(setup.capabilities); err != 0)
    return failure(125, std::string("cannot drop capabilities: ") + std::strerror(-err));
  if (::setgroups(user->groups.size(), user->groups.data()) != 0)
    return failure(125, std::string("setgroups: ") + std::strerror(errno));
  if (::setgid(user->gid) != 0) return failure(125, std::string("setgid: ") + std::strerror(errno));
  if (::setuid(user->uid) != 0) return failure(125, std::string("setuid: ") + std::strerror(errno));
  if (user->uid == 0)
    if (int err = restrict_process_capabilities(setup.capabilities); err != 0)
      return failure(125, std::string("cannot drop capabilities: ") + std::strerror(-err));

  ExecLookup found = find_executable(setup.args[0], env_value(env, "PATH"));
  if (found.path.empty()) return found;

  std::vector<char*> argv, envp;
  for (const auto& a : setup.args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  for (const auto& e : env) envp.push_back(const_cast<char*>(e.c_str()));
  envp.push_back(nullptr);
  ::execve(found.path.c_str(), argv.data(), envp.data());
  return exec_failure(setup.args[0], errno);
}

}  // namespace racker::runtime
