// resolve_source(): which files, which directory, which name, which
// environment; docker compose v2's rules, applied before any YAML is read.
#include <algorithm>
#include <cctype>

#include "racker/compose/dotenv.h"
#include "racker/compose/load.h"
#include "load_internal.h"

namespace racker::compose {
namespace {

const char* const kDefaultFiles[] = {"compose.yaml", "compose.yml", "docker-compose.yml", "docker-compose.yaml"};
const char* const kOverrideFiles[] = {"compose.override.yaml", "compose.override.yml",
                                      "docker-compose.override.yml", "docker-compose.override.yaml"};

std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= s.size()) {
    size_t end = s.find(sep, start);
    if (end == std::string::npos) end = s.size();
    std::string part = s.substr(start, end - start);
    if (!part.empty()) out.push_back(part);
    start = end + 1;
  }
  return out;
}

// Searches `dir` and its parents for the first default file name; adds the
// override file beside it (compose.yaml pairs with compose.override.yaml...).
Result<std::vector<std::string>> discover_files(const std::string& start_dir, FileReader& files) {
  std::string dir = start_dir;
  while (true) {
    for (size_t i = 0; i < std::size(kDefaultFiles); ++i) {
      std::string candidate = absolute_path(dir, kDefaultFiles[i]);
      if (!files.is_file(candidate)) continue;
      std::vector<std::string> found{candidate};
      // Prefer the override spelled like the main file, then any other.
      std::string same = absolute_path(dir, kOverrideFiles[i]);
      if (files.is_file(same)) {
        found.push_back(same);
      } else {
        for (const char* name : kOverrideFiles) {
          std::string o = absolute_path(dir, name);
          if (files.is_file(o)) {
            found.push_back(o);
            break;
          }
        }
      }
      return found;
    }
    std::string parent = parent_dir(dir);
    if (parent == dir || dir == "/") break;
    dir = parent;
  }
  return Error(Errc::kNotFound, "no configuration file provided: not found");
}

std::optional<std::string> get(const EnvMap& env, const char* key) {
  auto it = env.find(key);
  if (it == env.end()) return std::nullopt;
  return it->second;
}

}  // namespace

bool is_valid_project_name(const std::string& name) {
  if (name.empty()) return false;
  if (!std::islower(static_cast<unsigned char>(name[0])) && !std::isdigit(static_cast<unsigned char>(name[0])))
    return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return std::islower(static_cast<unsigned char>(c)) || std::isdigit(static_cast<unsigned char>(c)) || c == '-' ||
           c == '_';
  });
}

std::string normalize_project_name(const std::string& raw) {
  std::string out;
  for (char c : raw) {
    char l = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (std::islower(static_cast<unsigned char>(l)) || std::isdigit(static_cast<unsigned char>(l)) || l == '-' ||
        l == '_')
      out += l;
  }
  // Must start with a letter or digit.
  size_t first = out.find_first_not_of("-_");
  return first == std::string::npos ? std::string() : out.substr(first);
}

Error invalid_project_name(const std::string& name) {
  return Error(Errc::kInvalidArgument,
               "invalid project name \"" + name +
                   "\": must consist only of lowercase alphanumeric characters, hyphens, and underscores as well as "
                   "start with a letter or number");
}

Result<ProjectSource> resolve_source(const ProjectOptions& opts, FileReader& files, const EnvMap& process_env) {
  ProjectSource src;
  const std::string& cwd = opts.working_dir;
  for (const auto& f : opts.files) {
    if (f == "-") return Error(Errc::kUnsupported, "reading the compose file from stdin (-f -) is not supported");
    src.files.push_back(absolute_path(cwd, f));
  }
  std::string project_dir = opts.project_directory.empty() ? "" : absolute_path(cwd, opts.project_directory);

  // COMPOSE_* variables may come from the .env of the working directory too.
  std::string early_dir = !project_dir.empty() ? project_dir : !src.files.empty() ? parent_dir(src.files[0]) : cwd;
  Lookup process_lookup = lookup_in(process_env);
  EnvMap dotenv;
  bool dotenv_loaded = false;
  auto load_env = [&](const std::string& dir) -> Status {
    dotenv.clear();
    if (!opts.env_files.empty()) {
      for (const auto& f : opts.env_files) {
        std::string path = absolute_path(cwd, f);
        if (!files.is_file(path)) return Error(Errc::kNotFound, "couldn't find env file: " + path);
        auto st = load_dotenv_file(files, path, process_lookup, dotenv);
        if (!st) return st;
      }
      return {};
    }
    std::string path = absolute_path(dir, ".env");
    if (files.is_dir(path)) return Error(Errc::kInvalidArgument, path + " is a directory");
    if (files.is_file(path)) return load_dotenv_file(files, path, process_lookup, dotenv);
    return {};
  };
  if (auto st = load_env(early_dir); !st) return st.error();
  dotenv_loaded = true;
  auto merged_env = [&] {
    EnvMap env = dotenv;
    for (const auto& [k, v] : process_env) env[k] = v;  // the process environment wins
    return env;
  };
  EnvMap env = merged_env();

  if (src.files.empty()) {
    if (auto compose_file = get(env, "COMPOSE_FILE"); compose_file && !compose_file->empty()) {
      std::string sep = get(env, "COMPOSE_PATH_SEPARATOR").value_or(":");
      for (const auto& f : split(*compose_file, sep.empty() ? ':' : sep[0]))
        src.files.push_back(absolute_path(early_dir, f));
    } else {
      auto found = discover_files(early_dir, files);
      if (!found) return found.error();
      src.files = std::move(*found);
    }
  }
  for (const auto& f : src.files) {
    if (!files.is_file(f)) return Error(Errc::kNotFound, "open " + f + ": no such file or directory");
  }
  src.project_dir = !project_dir.empty() ? project_dir : parent_dir(src.files[0]);

  // With the project directory known, its .env is the one that counts.
  if (opts.env_files.empty() && src.project_dir != early_dir) {
    if (auto st = load_env(src.project_dir); !st) return st.error();
    env = merged_env();
  }
  (void)dotenv_loaded;
  src.environment = std::move(env);

  if (!opts.project_name.empty()) {
    if (!is_valid_project_name(opts.project_name)) return invalid_project_name(opts.project_name);
    src.name = opts.project_name;
    src.name_explicit = true;
  } else if (auto n = get(src.environment, "COMPOSE_PROJECT_NAME"); n && !n->empty()) {
    if (!is_valid_project_name(*n)) return invalid_project_name(*n);
    src.name = *n;
    src.name_explicit = true;
  }

  src.profiles = opts.profiles;
  if (src.profiles.empty()) {
    if (auto p = get(src.environment, "COMPOSE_PROFILES")) src.profiles = split(*p, ',');
  }
  return src;
}

}  // namespace racker::compose
