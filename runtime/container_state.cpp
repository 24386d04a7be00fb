#include "racker/runtime/container_state.h"

#include <dirent.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <ctime>

#include "container_files.h"

namespace racker::runtime {

const char* container_status_name(ContainerStatus status) {
  switch (status) {
    case ContainerStatus::kCreated: return "created";
    case ContainerStatus::kRunning: return "running";
    case ContainerStatus::kRestarting: return "restarting";
    case ContainerStatus::kRemoving: return "removing";
    case ContainerStatus::kExited: return "exited";
    case ContainerStatus::kDead: return "dead";
  }
  return "dead";
}

const char* state_status_name(const ContainerState& state) {
  if (state.paused && state.status == ContainerStatus::kRunning) return "paused";
  return container_status_name(state.status);
}

std::string now_rfc3339() {
  auto now = std::chrono::system_clock::now().time_since_epoch();
  auto secs = std::chrono::duration_cast<std::chrono::seconds>(now);
  auto nanos = std::chrono::duration_cast<std::chrono::nanoseconds>(now - secs).count();
  time_t t = static_cast<time_t>(secs.count());
  struct tm tm {};
  ::gmtime_r(&t, &tm);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%09lldZ", tm.tm_year + 1900, tm.tm_mon + 1,
                tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<long long>(nanos));
  return buf;
}

ContainerStore::ContainerStore(std::string racker_root) : root_(std::move(racker_root)) {}

std::string ContainerStore::default_root() {
  const char* env = std::getenv("RACKER_ROOT");
  return env && *env ? env : "/var/lib/racker";
}

std::string ContainerStore::dir(const std::string& id) const { return root_ + "/containers/" + id; }
std::string ContainerStore::log_path(const std::string& id) const { return dir(id) + "/" + id + "-json.log"; }
std::string ContainerStore::volumes_dir() const { return root_ + "/volumes"; }

namespace {

std::string read_link(const std::string& path) {
  char buf[PATH_MAX];
  ssize_t n = ::readlink(path.c_str(), buf, sizeof buf - 1);
  return n > 0 ? std::string(buf, static_cast<size_t>(n)) : std::string();
}

Error name_conflict(const std::string& name, const std::string& id) {
  return Error(Errc::kConflict, "Conflict. The container name \"/" + name + "\" is already in use by container \"" +
                                    id + "\". You have to remove (or rename) that container to be able to reuse that name.");
}

}  // namespace

Status ContainerStore::create(const ContainerSpec& spec) {
  // Only root may enter a container's files: its rootfs holds the image's
  // setuid binaries and device nodes (moby's CVE-2021-41091).
  if (auto st = cfiles::make_private_dir(root_, 0711); !st) return st;
  if (auto st = cfiles::make_private_dir(root_ + "/containers", 0700); !st) return st;
  if (auto st = cfiles::make_dirs(root_ + "/names"); !st) return st;
  std::string link = root_ + "/names/" + spec.name;
  for (int attempt = 0; attempt < 2; ++attempt) {
    if (::symlink(spec.id.c_str(), link.c_str()) == 0) break;
    if (errno != EEXIST) return cfiles::errno_error("claim name " + spec.name, errno);
    std::string owner = read_link(link);
    // A name whose container directory is gone is stale (a crash mid-remove).
    if (attempt == 0 && !owner.empty() && !cfiles::is_dir(dir(owner))) {
      ::unlink(link.c_str());
      continue;
    }
    return name_conflict(spec.name, owner);
  }
  auto undo = [&](Status st) {
    ::unlink(link.c_str());
    (void)cfiles::remove_tree(dir(spec.id));
    return st;
  };
  if (auto st = cfiles::make_dirs(dir(spec.id)); !st) return undo(st);
  if (auto st = cfiles::write_atomic(dir(spec.id) + "/config.json", spec_to_json(spec)); !st) return undo(st);
  if (auto st = cfiles::write_atomic(dir(spec.id) + "/state.json", state_to_json(ContainerState{})); !st)
    return undo(st);
  return ok_status();
}

Result<std::string> ContainerStore::resolve(const std::string& raw) const {
  std::string key = !raw.empty() && raw[0] == '/' ? raw.substr(1) : raw;
  auto missing = [&] { return Error(Errc::kNotFound, "No such container: " + raw); };
  if (key.empty() || key.find('/') != std::string::npos || key == "." || key == "..") return missing();
  if (key.size() == 64 && cfiles::is_dir(dir(key))) return key;
  std::string owner = read_link(root_ + "/names/" + key);
  if (!owner.empty() && cfiles::is_dir(dir(owner))) return owner;
  auto ids = list_ids();
  if (!ids) return ids.error();
  std::string found;
  for (const auto& id : *ids)
    if (id.compare(0, key.size(), key) == 0) {
      if (!found.empty()) return Error(Errc::kInvalidArgument, "multiple IDs found with provided prefix: " + key);
      found = id;
    }
  if (found.empty()) return missing();
  return found;
}

Result<ContainerSpec> ContainerStore::read_spec(const std::string& id) const {
  auto text = cfiles::read(dir(id) + "/config.json");
  if (!text) return text.error();
  return spec_from_json(*text);
}

Result<ContainerState> ContainerStore::read_state(const std::string& id) const {
  auto text = cfiles::read(dir(id) + "/state.json");
  if (!text) return text.error();
  return state_from_json(*text);
}

Result<ContainerState> ContainerStore::update_state(const std::string& id,
                                                    const std::function<void(ContainerState&)>& change) {
  if (!cfiles::is_dir(dir(id))) return Error(Errc::kNotFound, "No such container: " + id);
  auto lock = cfiles::FileLock::acquire(dir(id) + "/lock");
  if (!lock) return lock.error();
  auto state = read_state(id);
  if (!state) return state.error();
  change(*state);
  if (auto st = cfiles::write_atomic(dir(id) + "/state.json", state_to_json(*state)); !st) return st.error();
  return state;
}

Result<std::vector<std::string>> ContainerStore::list_ids() const {
  std::vector<std::string> out;
  std::string containers = root_ + "/containers";
  DIR* d = ::opendir(containers.c_str());
  if (!d) {
    if (errno == ENOENT) return out;
    return cfiles::errno_error("open " + containers, errno);
  }
  while (auto* e = ::readdir(d)) {
    std::string name = e->d_name;
    if (name.size() == 64 && name.find_first_not_of("0123456789abcdef") == std::string::npos) out.push_back(name);
  }
  ::closedir(d);
  return out;
}

Status ContainerStore::remove(const std::string& id) {
  auto spec = read_spec(id);
  if (spec) {
    std::string link = root_ + "/names/" + spec->name;
    if (read_link(link) == id) ::unlink(link.c_str());
  }
  return cfiles::remove_tree(dir(id));
}

}  // namespace racker::runtime
