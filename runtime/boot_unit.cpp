#include "racker/runtime/boot_unit.h"

#include <cstdio>
#include <cstdlib>
#include <ctime>

#include "racker/runtime/service_container.h"

namespace racker::runtime {

namespace {

// systemd unescapes C-style escapes inside quotes and expands `%`
// specifiers everywhere on the line; `$` only on Exec lines.
std::string escape_quoted(const std::string& text, bool exec_line) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '\\': out += "\\\\"; break;
      case '"': out += "\\\""; break;
      case '\n': out += "\\n"; break;
      case '\t': out += "\\t"; break;
      case '\r': out += "\\r"; break;
      case '%': out += "%%"; break;
      case '$': out += exec_line ? "$$" : "$"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
          char hex[8];
          std::snprintf(hex, sizeof hex, "\\x%02x", static_cast<unsigned char>(c));
          out += hex;
        } else {
          out += c;
        }
    }
  }
  return out;
}

std::string label(const ContainerSpec& spec, const char* key) {
  auto it = spec.labels.find(key);
  return it == spec.labels.end() ? std::string() : it->second;
}

std::string restart_lines(const RestartPolicy& r) {
  switch (r.kind) {
    case RestartPolicy::Kind::kNo:
      return "Restart=no\n";
    case RestartPolicy::Kind::kAlways:
    case RestartPolicy::Kind::kUnlessStopped:  // systemd never restarts a unit someone stopped
      return "Restart=always\nRestartSec=1\n";
    case RestartPolicy::Kind::kOnFailure:
      return "Restart=on-failure\nRestartSec=1\n";
  }
  return "";
}

}  // namespace

std::string boot_unit_name(const std::string& service) { return "racker-" + service + ".service"; }

std::string boot_unit_root(const std::string& service) { return "/run/racker-units/" + service; }

std::string quote_exec_word(const std::string& word) { return "\"" + escape_quoted(word, true) + "\""; }

std::string quote_environment(const std::string& assignment) {
  return "\"" + escape_quoted(assignment, false) + "\"";
}

std::string render_boot_unit(const BootUnit& u) {
  std::string s = "# Written by racker for compose service " + u.service + ".\n[Unit]\n";
  s += "Description=compose service " + u.service + "\n";
  for (const auto& d : u.dependencies) {
    std::string name = boot_unit_name(d.service);
    s += "After=" + name + "\n";
    s += (d.required ? "Requires=" : "Wants=") + name + "\n";
  }
  // docker's on-failure:N allows N restarts, so N+1 starts in all; without
  // a bound systemd's default rate limit must not stop a restarting service.
  if (u.restart.kind == RestartPolicy::Kind::kOnFailure && u.restart.max_retries > 0) {
    s += "StartLimitIntervalSec=infinity\n";
    s += "StartLimitBurst=" + std::to_string(u.restart.max_retries + 1) + "\n";
  } else {
    s += "StartLimitIntervalSec=0\n";
  }
  s += "\n[Service]\nType=simple\n";
  s += "RootDirectory=" + u.root_directory + "\n";
  s += "MountAPIVFS=yes\n";
  // The machine's name files: one address and hostname for the whole group.
  s += "BindReadOnlyPaths=-/etc/hosts -/etc/resolv.conf -/etc/hostname\n";
  // "+": relative to RootDirectory=, not to the machine's root.
  if (u.read_only) {
    s += "ReadOnlyPaths=+/\n";
    for (const auto& path : u.writable_paths) s += "ReadWritePaths=\"+" + escape_quoted(path, false) + "\"\n";
  }
  if (!u.user.empty()) {
    auto colon = u.user.find(':');
    s += "User=" + u.user.substr(0, colon) + "\n";
    if (colon != std::string::npos) s += "Group=" + u.user.substr(colon + 1) + "\n";
  }
  s += "WorkingDirectory=" + (u.working_dir.empty() ? std::string("/") : u.working_dir) + "\n";
  for (const auto& e : u.env) s += "Environment=" + quote_environment(e) + "\n";
  if (!u.argv.empty()) {
    // `@path argv0 args...`: the payload sees the argv[0] it was given
    // (busybox picks its applet by it).
    s += "ExecStart=@" + quote_exec_word(u.path.empty() ? u.argv[0] : u.path);
    for (const auto& a : u.argv) s += " " + quote_exec_word(a);
    s += "\n";
  }
  s += restart_lines(u.restart);
  s += "KillSignal=" + u.stop_signal + "\n";
  s += "TimeoutStopSec=" + std::to_string(u.stop_timeout) + "\n";
  s += "StandardInput=null\nStandardOutput=journal\nStandardError=journal\n";
  s += "SyslogIdentifier=" + u.service + "\n";
  return s;
}

std::string dependency_label(const std::vector<std::string>& services) {
  std::string out;
  for (const auto& s : services) out += (out.empty() ? "" : ",") + s;
  return out;
}

std::vector<std::string> split_dependency_label(const std::string& value) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start < value.size()) {
    size_t comma = value.find(',', start);
    if (comma == std::string::npos) comma = value.size();
    if (comma > start) out.push_back(value.substr(start, comma - start));
    start = comma + 1;
  }
  return out;
}

Result<BootUnit> boot_unit_from_spec(const ContainerSpec& spec, const std::string& path) {
  BootUnit u;
  u.service = label(spec, kLabelService);
  if (spec.labels.find(kLabelBootUnit) == spec.labels.end() || u.service.empty())
    return Error(Errc::kInvalidArgument, "container " + spec.name + " is not a boot group's service");
  u.argv = spec.argv();
  if (u.argv.empty()) return Error(Errc::kInvalidArgument, "service \"" + u.service + "\" has no command");
  u.path = path;
  u.env = spec.env;
  u.user = spec.user;
  u.working_dir = spec.working_dir;
  u.root_directory = boot_unit_root(u.service);
  for (const auto& d : split_dependency_label(label(spec, kLabelBootRequires))) u.dependencies.push_back({d, true});
  for (const auto& d : split_dependency_label(label(spec, kLabelBootWants))) u.dependencies.push_back({d, false});
  std::string restart = label(spec, kLabelBootRestart);
  if (!restart.empty()) {
    auto policy = parse_restart_policy(restart);
    if (!policy) return policy.error();
    u.restart = *policy;
  }
  std::string signal = label(spec, kLabelBootStopSignal);
  if (!signal.empty()) {
    auto signo = parse_signal(signal);
    if (!signo) return signo.error();
    u.stop_signal = signal_name(*signo);
  }
  std::string grace = label(spec, kLabelBootStopGrace);
  if (!grace.empty()) u.stop_timeout = std::atoi(grace.c_str());
  u.read_only = spec.read_only;
  if (u.read_only) {
    u.writable_paths.push_back("/run");  // a tmpfs of the member's, as nspawn gives every container
    for (const auto& m : spec.mounts)
      if (!m.read_only) u.writable_paths.push_back(m.target);
  }
  return u;
}

std::string boot_follower_since() {
  struct timespec now {};
  ::clock_gettime(CLOCK_REALTIME, &now);
  char text[40];
  std::snprintf(text, sizeof text, "@%lld.%06ld", static_cast<long long>(now.tv_sec), now.tv_nsec / 1000);
  return text;
}

const char* boot_follower_script() {
  return R"sh(u="$1"; root="$2"  # $3: @seconds.micros, when racker began starting it
# The machine may still be booting: wait for its systemd (30 s at most).
i=0
until state=$(systemctl is-system-running --wait 2>/dev/null); [ "$state" = running ] || [ "$state" = degraded ]; do
  i=$((i + 1))
  if [ "$i" -gt 300 ]; then echo "racker: systemd in the machine is not up ($state)" >&2; exit 125; fi
  sleep 0.1
done
systemctl daemon-reload || exit 125
systemctl reset-failed "$u" 2>/dev/null
# Everything the unit logged since racker began starting this member: the
# unit may already be running (a group mate's Requires= starts it), and a
# cursor taken now would miss its first lines.
journalctl -q --no-pager -f -o cat _SYSTEMD_UNIT="$u" --since="$3" &
j=$!
trap 'systemctl stop "$u"' TERM INT HUP
systemctl --wait start "$u" &
w=$!
while kill -0 "$w" 2>/dev/null; do wait "$w"; done
code=$(systemctl show -p ExecMainCode --value "$u")
status=$(systemctl show -p ExecMainStatus --value "$u")
sleep 0.3
kill "$j" 2>/dev/null
umount -l "$root" 2>/dev/null
rmdir "$root" 2>/dev/null
case "$code" in
  2|3) exit $((128 + status)) ;;
  *) exit "${status:-0}" ;;
esac
)sh";
}

}  // namespace racker::runtime
