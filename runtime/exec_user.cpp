#include "racker/runtime/exec_user.h"

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <sstream>

namespace racker::runtime {

namespace {

std::vector<std::string> split(const std::string& line, char sep) {
  std::vector<std::string> out;
  std::string cur;
  for (char c : line) {
    if (c == sep) {
      out.push_back(cur);
      cur.clear();
    } else {
      cur += c;
    }
  }
  out.push_back(cur);
  return out;
}

bool parse_id(const std::string& text, unsigned long& out) {
  if (text.empty() || text.find_first_not_of("0123456789") != std::string::npos) return false;
  out = std::strtoul(text.c_str(), nullptr, 10);
  return true;
}

struct PasswdEntry {
  std::string name;
  uid_t uid;
  gid_t gid;
  std::string home;
};

struct GroupFileEntry {
  std::string name;
  gid_t gid;
  std::vector<std::string> members;
};

std::vector<PasswdEntry> parse_passwd(const std::string& text) {
  std::vector<PasswdEntry> out;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    auto f = split(line, ':');
    unsigned long uid = 0, gid = 0;
    if (f.size() < 4 || !parse_id(f[2], uid) || !parse_id(f[3], gid)) continue;
    out.push_back({f[0], static_cast<uid_t>(uid), static_cast<gid_t>(gid), f.size() > 5 ? f[5] : ""});
  }
  return out;
}

std::vector<GroupFileEntry> parse_group(const std::string& text) {
  std::vector<GroupFileEntry> out;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    auto f = split(line, ':');
    unsigned long gid = 0;
    if (f.size() < 3 || !parse_id(f[2], gid)) continue;
    GroupFileEntry g{f[0], static_cast<gid_t>(gid), {}};
    if (f.size() > 3 && !f[3].empty()) g.members = split(f[3], ',');
    out.push_back(g);
  }
  return out;
}

}  // namespace

Result<ExecUser> resolve_exec_user(const std::string& spec, const std::string& passwd_text,
                                   const std::string& group_text) {
  std::string user_part = spec, group_part;
  bool group_given = false;
  if (auto colon = spec.find(':'); colon != std::string::npos) {
    user_part = spec.substr(0, colon);
    group_part = spec.substr(colon + 1);
    group_given = true;
  }
  if (user_part.empty()) user_part.assign(1, '0');
  auto users = parse_passwd(passwd_text);
  auto groups = parse_group(group_text);

  ExecUser out;
  std::string user_name;
  unsigned long numeric = 0;
  bool is_numeric = parse_id(user_part, numeric);
  auto match = std::find_if(users.begin(), users.end(), [&](const PasswdEntry& p) {
    return is_numeric ? p.uid == static_cast<uid_t>(numeric) : p.name == user_part;
  });
  if (match != users.end()) {
    out.uid = match->uid;
    out.gid = match->gid;
    out.home = match->home.empty() ? "/" : match->home;
    user_name = match->name;
  } else if (is_numeric) {
    out.uid = static_cast<uid_t>(numeric);
    out.gid = 0;
  } else {
    return Error(Errc::kNotFound, "unable to find user " + user_part + ": no matching entries in passwd file");
  }

  if (group_given && !group_part.empty()) {
    unsigned long gid = 0;
    bool group_numeric = parse_id(group_part, gid);
    auto g = std::find_if(groups.begin(), groups.end(), [&](const GroupFileEntry& e) {
      return group_numeric ? e.gid == static_cast<gid_t>(gid) : e.name == group_part;
    });
    if (g != groups.end()) out.gid = g->gid;
    else if (group_numeric) out.gid = static_cast<gid_t>(gid);
    else return Error(Errc::kNotFound, "unable to find group " + group_part + ": no matching entries in group file");
  }
  // The primary group leads the supplementary list (docker's `id` shows it);
  // memberships from /etc/group follow when the user is known by name.
  out.groups.push_back(out.gid);
  if (!group_given && !user_name.empty()) {
    for (const auto& g : groups)
      if (std::find(g.members.begin(), g.members.end(), user_name) != g.members.end() && g.gid != out.gid)
        out.groups.push_back(g.gid);
  }
  return out;
}

namespace {
std::string slurp(const char* path) {
  std::ifstream in(path);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}
}  // namespace

Result<ExecUser> resolve_exec_user_in_root(const std::string& spec) {
  return resolve_exec_user(spec, slurp("/etc/passwd"), slurp("/etc/group"));
}

}  // namespace racker::runtime
