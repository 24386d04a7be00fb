#include "racker/runtime/volume_store.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <climits>

#include "container_files.h"

namespace racker::runtime {

bool valid_volume_name(const std::string& name) {
  if (name.size() < 2 || !std::isalnum(static_cast<unsigned char>(name[0]))) return false;
  for (char c : name)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '.' && c != '-') return false;
  return true;
}

bool VolumeStore::exists(const std::string& name) const { return cfiles::is_dir(data_dir(name)); }

Status VolumeStore::ensure(const std::string& name) {
  if (!valid_volume_name(name))
    return Error(Errc::kInvalidArgument, "create " + name + ": \"" + name +
                                             "\" includes invalid characters for a local volume name, only "
                                             "\"[a-zA-Z0-9][a-zA-Z0-9_.-]\" are allowed");
  // volumes/ is root's alone: a volume's data keeps the modes the container gave it.
  if (auto st = cfiles::make_private_dir(dir_, 0700); !st) return st;
  return cfiles::make_dirs(data_dir(name));
}

bool VolumeStore::empty(const std::string& name) const {
  DIR* d = ::opendir(data_dir(name).c_str());
  if (!d) return true;
  bool found = false;
  while (auto* e = ::readdir(d))
    if (std::string(e->d_name) != "." && std::string(e->d_name) != "..") {
      found = true;
      break;
    }
  ::closedir(d);
  return !found;
}

Status VolumeStore::remove(const std::string& name) { return cfiles::remove_tree(dir_ + "/" + name); }

std::vector<std::string> VolumeStore::list() const {
  std::vector<std::string> out;
  DIR* d = ::opendir(dir_.c_str());
  if (!d) return out;
  while (auto* e = ::readdir(d))
    if (e->d_name[0] != '.') out.push_back(e->d_name);
  ::closedir(d);
  return out;
}

namespace {

Status copy_file(const std::string& from, const std::string& to, const struct stat& st) {
  int in = ::open(from.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (in < 0) return cfiles::errno_error("open " + from, errno);
  int out = ::open(to.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, st.st_mode & 07777);
  if (out < 0) {
    int err = errno;
    ::close(in);
    return cfiles::errno_error("create " + to, err);
  }
  char buf[65536];
  Status result;
  for (;;) {
    ssize_t n = ::read(in, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    if (::write(out, buf, static_cast<size_t>(n)) != n) {
      result = cfiles::errno_error("write " + to, errno);
      break;
    }
  }
  ::close(in);
  ::close(out);
  return result;
}

// The destination's id for a source id seen `id_shift` higher.
unsigned unshifted(unsigned id, uint32_t id_shift) { return id >= id_shift ? id - id_shift : id; }

Status copy_entry(const std::string& from, const std::string& to, uint32_t id_shift) {
  struct stat st {};
  if (::lstat(from.c_str(), &st) != 0) return cfiles::errno_error("stat " + from, errno);
  if (S_ISDIR(st.st_mode)) {
    if (::mkdir(to.c_str(), st.st_mode & 07777) != 0 && errno != EEXIST) return cfiles::errno_error("mkdir " + to, errno);
    DIR* d = ::opendir(from.c_str());
    if (!d) return cfiles::errno_error("open " + from, errno);
    Status result;
    while (auto* e = ::readdir(d)) {
      std::string name = e->d_name;
      if (name == "." || name == "..") continue;
      result = copy_entry(from + "/" + name, to + "/" + name, id_shift);
      if (!result) break;
    }
    ::closedir(d);
    if (!result) return result;
  } else if (S_ISREG(st.st_mode)) {
    if (auto r = copy_file(from, to, st); !r) return r;
  } else if (S_ISLNK(st.st_mode)) {
    char target[PATH_MAX];
    ssize_t n = ::readlink(from.c_str(), target, sizeof target - 1);
    if (n < 0) return cfiles::errno_error("readlink " + from, errno);
    target[n] = '\0';
    if (::symlink(target, to.c_str()) != 0 && errno != EEXIST) return cfiles::errno_error("symlink " + to, errno);
  } else {
    if (::mknod(to.c_str(), st.st_mode, st.st_rdev) != 0 && errno != EEXIST)
      return cfiles::errno_error("mknod " + to, errno);
  }
  ::lchown(to.c_str(), unshifted(st.st_uid, id_shift), unshifted(st.st_gid, id_shift));
  if (!S_ISLNK(st.st_mode)) ::chmod(to.c_str(), st.st_mode & 07777);
  return ok_status();
}

}  // namespace

Status copy_tree(const std::string& source, const std::string& dest, uint32_t id_shift) {
  struct stat st {};
  // stat, not lstat: `source` may be a /proc/self/fd magic link to the directory.
  if (::stat(source.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) return ok_status();  // nothing to copy
  DIR* d = ::opendir(source.c_str());
  if (!d) return cfiles::errno_error("open " + source, errno);
  Status result;
  while (auto* e = ::readdir(d)) {
    std::string name = e->d_name;
    if (name == "." || name == "..") continue;
    result = copy_entry(source + "/" + name, dest + "/" + name, id_shift);
    if (!result) break;
  }
  ::closedir(d);
  if (result) {
    ::chown(dest.c_str(), unshifted(st.st_uid, id_shift), unshifted(st.st_gid, id_shift));
    ::chmod(dest.c_str(), st.st_mode & 07777);
  }
  return result;
}

}  // namespace racker::runtime
