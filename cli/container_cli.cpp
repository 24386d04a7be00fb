#include "container_cli.h"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <fstream>

#include "racker/runtime/log_reader.h"

namespace racker::cli {

using namespace racker::runtime;

ContainerCli open_containers() {
  ContainerCli c;
  c.store = std::make_unique<ContainerStore>(ContainerStore::default_root());
  c.driver = std::make_unique<NspawnDriver>(*c.store, detect_host_facts());
  return c;
}

int daemon_error(const Error& error) {
  std::fprintf(stderr, "Error response from daemon: %s\n", error.message.c_str());
  return 1;
}

void run_error(const Error& error, int exit_code) {
  std::string message = error.message;
  if (!message.empty() && message.back() != '.') message += '.';
  std::fprintf(stderr, "racker: Error response from daemon: %s\n", message.c_str());
  if (exit_code == 125) std::fprintf(stderr, "See 'racker run --help'.\n");
}

namespace {
Status limit_from_env(const char* name, int64_t& limit) {
  const char* text = std::getenv(name);
  if (!text || !*text) return ok_status();
  char* end = nullptr;
  errno = 0;
  long long value = std::strtoll(text, &end, 10);
  if (errno != 0 || *end != '\0' || value <= 0)
    return Error(Errc::kInvalidArgument, std::string(name) + "=\"" + text + "\": expected a positive number of bytes");
  limit = value;
  return ok_status();
}
}  // namespace

Result<std::unique_ptr<runtime::LocalImageStore>> open_image_store() {
  runtime::ImageLimits limits;
  if (auto st = limit_from_env("RACKER_MAX_LAYER_BYTES", limits.layer_bytes); !st) return st.error();
  if (auto st = limit_from_env("RACKER_MAX_IMAGE_BYTES", limits.image_bytes); !st) return st.error();
  return runtime::LocalImageStore::open(runtime::LocalImageStore::default_root(), limits);
}

Result<MountSpec> parse_volume_flag(const std::string& text) {
  std::vector<std::string> parts;
  size_t start = 0;
  for (;;) {
    size_t colon = text.find(':', start);
    parts.push_back(text.substr(start, colon == std::string::npos ? std::string::npos : colon - start));
    if (colon == std::string::npos) break;
    start = colon + 1;
  }
  auto invalid = [&] { return Error(Errc::kInvalidArgument, "invalid volume specification: '" + text + "'"); };
  MountSpec m;
  m.type = MountSpec::Type::kVolume;
  if (parts.size() == 1) {
    m.target = parts[0];
    m.anonymous = true;
  } else if (parts.size() <= 3) {
    m.source = parts[0];
    m.target = parts[1];
    if (parts.size() == 3) {
      for (size_t pos = 0; pos <= parts[2].size();) {
        size_t comma = parts[2].find(',', pos);
        std::string opt = parts[2].substr(pos, comma == std::string::npos ? std::string::npos : comma - pos);
        if (opt == "ro") m.read_only = true;
        else if (opt != "rw" && opt != "z" && opt != "Z" && opt != "nocopy" && opt != "consistent" &&
                 opt != "cached" && opt != "delegated" && opt.rfind("rprivate", 0) != 0 && opt != "rshared" &&
                 opt != "rslave" && opt != "private" && opt != "shared" && opt != "slave")
          return invalid();
        if (comma == std::string::npos) break;
        pos = comma + 1;
      }
    }
    if (m.source.empty()) return invalid();
    if (m.source[0] == '/' || m.source[0] == '.') {
      m.type = MountSpec::Type::kBind;
      if (m.source[0] == '.') {
        char* cwd = ::realpath(".", nullptr);
        m.source = std::string(cwd ? cwd : ".") + m.source.substr(1);
        std::free(cwd);
      }
    }
  } else {
    return invalid();
  }
  if (m.target.empty() || m.target[0] != '/')
    return Error(Errc::kInvalidArgument, "invalid volume specification: '" + text + "': invalid mount config for type \"" +
                                             (m.type == MountSpec::Type::kBind ? "bind" : "volume") +
                                             "\": invalid mount path: '" + m.target + "' mount path must be absolute");
  return m;
}

Result<MountSpec> parse_tmpfs_flag(const std::string& text) {
  MountSpec m;
  m.type = MountSpec::Type::kTmpfs;
  size_t colon = text.find(':');
  m.target = text.substr(0, colon);
  if (colon != std::string::npos) m.tmpfs_options = text.substr(colon + 1);
  if (m.target.empty() || m.target[0] != '/')
    return Error(Errc::kInvalidArgument, "invalid mount path: '" + m.target + "' mount path must be absolute");
  return m;
}

Result<UlimitSpec> parse_ulimit_flag(const std::string& text) {
  auto eq = text.find('=');
  if (eq == std::string::npos) return Error(Errc::kInvalidArgument, "invalid ulimit argument: " + text);
  UlimitSpec u;
  u.name = text.substr(0, eq);
  std::string values = text.substr(eq + 1);
  auto colon = values.find(':');
  auto number = [](const std::string& s, int64_t& out) {
    char* end = nullptr;
    out = std::strtoll(s.c_str(), &end, 10);
    return !s.empty() && *end == '\0';
  };
  if (!number(values.substr(0, colon), u.soft)) return Error(Errc::kInvalidArgument, "invalid ulimit argument: " + text);
  u.hard = u.soft;
  if (colon != std::string::npos && !number(values.substr(colon + 1), u.hard))
    return Error(Errc::kInvalidArgument, "invalid ulimit argument: " + text);
  if (u.hard >= 0 && u.soft > u.hard)
    return Error(Errc::kInvalidArgument, "ulimit soft limit must be less than or equal to hard limit: " +
                                             std::to_string(u.soft) + " > " + std::to_string(u.hard));
  return u;
}

std::vector<std::string> expand_env_flags(const std::vector<std::string>& flags) {
  std::vector<std::string> out;
  for (const auto& e : flags) {
    if (e.find('=') != std::string::npos) out.push_back(e);
    else if (const char* v = std::getenv(e.c_str())) out.push_back(e + "=" + v);
  }
  return out;
}

std::vector<std::string> expand_env_flags(const std::vector<std::string>& flags,
                                          const std::map<std::string, std::string, std::less<>>& environment) {
  std::vector<std::string> out;
  for (const auto& e : flags) {
    if (e.find('=') != std::string::npos) out.push_back(e);
    else if (auto it = environment.find(e); it != environment.end()) out.push_back(e + "=" + it->second);
  }
  return out;
}

Result<std::vector<std::string>> read_env_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) return Error(Errc::kNotFound, "open " + path + ": no such file or directory");
  std::vector<std::string> raw;
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    size_t first = line.find_first_not_of(" \t");
    if (first == std::string::npos || line[first] == '#') continue;
    raw.push_back(line.substr(first));
  }
  return expand_env_flags(raw);
}

std::string label_of(const runtime::ContainerInfo& info, const char* key) {
  auto it = info.spec.labels.find(key);
  return it == info.spec.labels.end() ? "" : it->second;
}

std::string human_since(const std::string& rfc3339) {
  auto t = parse_rfc3339(rfc3339);
  if (!t) return "";
  auto now = std::chrono::duration_cast<std::chrono::nanoseconds>(
                 std::chrono::system_clock::now().time_since_epoch()).count();
  int64_t secs = (now - *t) / 1000000000;
  // docker's units.HumanDuration.
  if (secs < 1) return "Less than a second";
  if (secs == 1) return "1 second";
  if (secs < 60) return std::to_string(secs) + " seconds";
  int64_t mins = secs / 60;
  if (mins == 1) return "About a minute";
  if (mins < 60) return std::to_string(mins) + " minutes";
  int64_t hours = mins / 60;
  if (hours == 1) return "About an hour";
  if (hours < 48) return std::to_string(hours) + " hours";
  if (hours < 24 * 7 * 2) return std::to_string(hours / 24) + " days";
  if (hours < 24 * 30 * 2) return std::to_string(hours / 24 / 7) + " weeks";
  if (hours < 24 * 365 * 2) return std::to_string(hours / 24 / 30) + " months";
  return std::to_string(hours / 24 / 365) + " years";
}

std::string human_status(const ContainerInfo& info) {
  const auto& s = info.state;
  switch (s.status) {
    case ContainerStatus::kRunning: {
      std::string up = "Up " + human_since(s.started_at);
      if (s.paused) return up + " (Paused)";
      if (s.health.status == "starting") return up + " (health: starting)";
      if (!s.health.status.empty()) return up + " (" + s.health.status + ")";
      return up;
    }
    case ContainerStatus::kRestarting:
      return "Restarting (" + std::to_string(s.exit_code) + ") " + human_since(s.finished_at) + " ago";
    case ContainerStatus::kRemoving: return "Removal In Progress";
    case ContainerStatus::kDead: return "Dead";
    case ContainerStatus::kCreated: return "Created";
    case ContainerStatus::kExited:
      return "Exited (" + std::to_string(s.exit_code) + ") " + human_since(s.finished_at) + " ago";
  }
  return "";
}

std::string command_text(const runtime::ContainerSpec& spec) {
  std::string out;
  for (const auto& a : spec.argv()) {
    if (!out.empty()) out += ' ';
    out += a;
  }
  return out;
}

std::string truncate(const std::string& s, size_t width) {
  if (s.size() <= width) return s;
  return s.substr(0, width - 1) + "…";
}

void print_table(const std::vector<std::vector<std::string>>& rows) {
  auto visible = [](const std::string& s) {
    size_t n = 0;
    for (unsigned char c : s) n += (c & 0xC0) != 0x80;
    return n;
  };
  std::vector<size_t> widths;
  for (const auto& row : rows)
    for (size_t i = 0; i < row.size(); ++i) {
      if (widths.size() <= i) widths.push_back(0);
      widths[i] = std::max(widths[i], visible(row[i]));
    }
  for (const auto& row : rows) {
    std::string line;
    for (size_t i = 0; i < row.size(); ++i) {
      line += row[i];
      if (i + 1 < row.size()) line += std::string(widths[i] - visible(row[i]) + 3, ' ');
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    std::printf("%s\n", line.c_str());
  }
}

}  // namespace racker::cli
