// docs/compose-compatibility.md cannot drift from the loader: every key the
// binder knows has a row, every accepted row loads with its example value
// (ignored ones with a warning naming the key), every rejected row fails
// with an error naming the key.
#include <catch2/catch.hpp>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "racker/compose/bind.h"
#include "racker/compose/load.h"
#include "racker/runtime/service_container.h"
#include "support/mem_file_reader.h"

using namespace racker;
using racker::test::MemFileReader;
using Json = nlohmann::json;

namespace {

struct Row {
  std::string key, status, example;
  int line = 0;
};

// The rows of every table: "| `key` | status | `example` | note |".
std::vector<Row> read_matrix() {
  std::ifstream in(std::string(RACKER_SOURCE_DIR) + "/docs/compose-compatibility.md");
  std::vector<Row> rows;
  std::string line;
  for (int n = 1; std::getline(in, line); ++n) {
    if (line.rfind("| `", 0) != 0) continue;
    std::vector<std::string> cells;
    std::stringstream ss(line.substr(1));
    for (std::string cell; std::getline(ss, cell, '|');) {
      size_t a = cell.find_first_not_of(' '), b = cell.find_last_not_of(' ');
      cells.push_back(a == std::string::npos ? "" : cell.substr(a, b - a + 1));
    }
    if (cells.size() < 3) continue;
    auto unquote = [](const std::string& s) {
      return s.size() >= 2 && s.front() == '`' && s.back() == '`' ? s.substr(1, s.size() - 2) : s;
    };
    rows.push_back(Row{unquote(cells[0]), cells[1], unquote(cells[2]), n});
  }
  return rows;
}

std::vector<std::string> split_pattern(const std::string& key) {
  std::vector<std::string> parts;
  std::stringstream ss(key);
  for (std::string part; std::getline(ss, part, '.');) parts.push_back(part);
  return parts;
}

// The name a `*` stands for, after `parent` (the skeleton defines these).
std::string name_for(const std::string& parent, size_t depth) {
  if (depth == 0) return "x-demo";  // x-* at the top level
  if (parent == "services") return "svc";
  if (parent == "depends_on") return "other";
  if (parent == "networks") return "net";
  if (parent == "volumes") return "vol";
  if (parent == "secrets") return "sec";
  if (parent == "configs") return "cfg";
  if (parent == "ulimits") return "nofile";
  return "m";  // models
}

// Siblings a list item needs to be valid, by the pattern of the list item.
Json item_defaults(const std::string& list_pattern, const std::string& key) {
  if (list_pattern == "services.*.ports[]") return {{"target", 80}};
  if (list_pattern == "services.*.volumes[]") {
    if (key.find(".bind") != std::string::npos) return {{"type", "bind"}, {"source", "/p"}, {"target", "/data"}};
    if (key.find(".tmpfs") != std::string::npos) return {{"type", "tmpfs"}, {"target", "/t"}};
    if (key.find(".image") != std::string::npos) return {{"type", "image"}, {"source", "busybox"}, {"target", "/i"}};
    return {{"type", "volume"}, {"source", "vol"}, {"target", "/data"}};
  }
  if (list_pattern == "services.*.configs[]") return {{"source", "cfg"}};
  if (list_pattern == "services.*.secrets[]" || list_pattern == "services.*.build.secrets[]")
    return {{"source", "sec"}};
  if (list_pattern == "services.*.env_file[]") return {{"path", "app.env"}};
  if (list_pattern == "services.*.post_start[]" || list_pattern == "services.*.pre_stop[]")
    return {{"command", {"true"}}};
  if (list_pattern == "services.*.devices[]") return {{"source", "/dev/null"}};
  if (list_pattern == "include[]") return {{"path", "inc.yaml"}};
  return Json::object();
}

// Objects that need siblings of the key under test.
Json object_defaults(const std::string& pattern) {
  if (pattern == "services.*.ulimits.*" || pattern == "services.*.build.ulimits.*") return {{"soft", 1}, {"hard", 4096}};
  if (pattern == "services.*.extends") return {{"service", "other"}};
  return Json::object();
}

// A project using `key` with value `example`, merged into a skeleton that
// has everything the value may refer to.
std::string document_for(const Row& row) {
  Json doc = {
      {"services",
       {{"svc", {{"image", "busybox"}, {"secrets", {"sec"}}, {"configs", {"cfg"}}}},
        {"other", {{"image", "busybox"}}}}},
      {"networks", {{"net", Json::object()}}},
      {"volumes", {{"vol", Json::object()}}},
      {"secrets", {{"sec", {{"file", "./secret.txt"}}}}},
      {"configs", {{"cfg", {{"content", "hello"}}}}},
  };
  Json value = Json::parse(row.example, nullptr, /*allow_exceptions=*/false);
  REQUIRE_FALSE(value.is_discarded());

  Json* at = &doc;
  std::string pattern;
  auto parts = split_pattern(row.key);
  for (size_t i = 0; i < parts.size(); ++i) {
    std::string part = parts[i];
    bool item = part.size() > 2 && part.compare(part.size() - 2, 2, "[]") == 0;
    if (item) part.resize(part.size() - 2);
    pattern += (pattern.empty() ? "" : ".") + part;
    std::string name = part;
    if (part == "*") name = name_for(i ? parts[i - 1] : "", i);
    if (part == "x-*") name = "x-demo";
    bool last = i + 1 == parts.size();
    if (!at->is_object()) *at = Json::object();
    if (item) {
      Json& list = (*at)[name];
      Json entry = item_defaults(pattern + "[]", row.key);
      if (last) {
        if (value.is_object()) entry.update(value);
        else entry = value;  // a short-syntax item
      }
      list = Json::array({entry});
      at = &list[0];
      pattern += "[]";
      continue;
    }
    // A secret or config has one source: the key under test replaces the skeleton's.
    if (last && (pattern.rfind("secrets.*.", 0) == 0 || pattern.rfind("configs.*.", 0) == 0) &&
        (name == "file" || name == "environment" || name == "content")) {
      for (const char* source : {"file", "environment", "content"}) at->erase(source);
    }
    Json& child = (*at)[name];
    if (last) {
      if (child.is_object() && value.is_object()) child.update(value);
      else child = value;
    } else if (!child.is_object()) {
      child = object_defaults(pattern);
    }
    at = &child;
  }
  return doc.dump(2);
}

struct Loaded {
  Result<compose::LoadedProject> project;
  std::vector<std::string> warnings;  // the loader's and the container translation's
};

Loaded load(const Row& row) {
  MemFileReader fs;
  fs.add("/p/compose.yaml", document_for(row));
  fs.add("/p/inc.yaml", "services:\n  included:\n    image: busybox\n");
  fs.add("/p/inc.env", "A=1\n");
  fs.add("/p/app.env", "A=1\n");
  fs.add("/p/app.labels", "a=b\n");
  fs.add("/p/secret.txt", "s3cret\n");
  compose::ProjectOptions o;
  o.working_dir = "/p";
  compose::EnvMap env = {{"TOKEN", "t"}, {"CFG", "c"}, {"URL", "u"}, {"MODEL", "m"}};
  Loaded out{compose::load_project(o, fs, env), {}};
  if (!out.project) return out;
  out.warnings = out.project->warnings;
  for (const auto& w : out.project->project.warnings) out.warnings.push_back(w);
  if (const auto* svc = out.project->project.service("svc")) {
    runtime::ServiceContainerOptions opts;
    opts.project_state_dir = "/state";
    opts.environment = &env;
    auto c = runtime::translate_service(out.project->project, *svc, opts);
    if (c) out.warnings.insert(out.warnings.end(), c->warnings.begin(), c->warnings.end());
  }
  return out;
}

// The names a warning may use for `key`: each named segment.
bool names_key(const std::string& text, const std::string& key) {
  for (const auto& part : split_pattern(key)) {
    std::string name = part.substr(0, part.find('['));
    if (name == "*" || name == "services" || name.empty()) continue;
    if (text.find(name) != std::string::npos) return true;
  }
  return false;
}

}  // namespace

TEST_CASE("the compatibility matrix has a row for every key the binder knows", "[compat]") {
  std::set<std::string> documented;
  for (const auto& row : read_matrix()) documented.insert(row.key);
  REQUIRE(documented.size() > 300);
  for (const auto& k : compose::known_keys()) {
    INFO("known key " << k.pattern);
    CHECK(documented.count(k.pattern) == 1);
  }
}

TEST_CASE("the matrix rows have a known status and unique keys", "[compat]") {
  std::set<std::string> seen;
  for (const auto& row : read_matrix()) {
    INFO("docs/compose-compatibility.md:" << row.line << ": " << row.key);
    CHECK((row.status == "supported" || row.status == "partial" || row.status == "ignored" ||
           row.status == "rejected"));
    CHECK(seen.insert(row.key).second);
  }
}

TEST_CASE("the binder's ignored keys are ignored in the matrix", "[compat]") {
  std::map<std::string, std::string> status;
  for (const auto& row : read_matrix()) status[row.key] = row.status;
  for (const auto& k : compose::known_keys()) {
    if (k.kind != compose::KnownKey::Kind::kIgnored) continue;
    INFO("ignored by the binder: " << k.pattern << " (" << k.reason << ")");
    CHECK(status[k.pattern] == "ignored");
  }
}

TEST_CASE("every accepted row of the matrix loads with its example", "[compat]") {
  for (const auto& row : read_matrix()) {
    if (row.status == "rejected") continue;
    INFO("docs/compose-compatibility.md:" << row.line << ": " << row.key << " = " << row.example << "\n"
                                          << document_for(row));
    Loaded l = load(row);
    if (!l.project) FAIL_CHECK(l.project.error().to_string());
    if (row.status != "ignored" || !l.project) continue;
    bool warned = false;
    std::string all;
    for (const auto& w : l.warnings) {
      warned = warned || names_key(w, row.key);
      all += "\n  " + w;
    }
    INFO("warnings:" << all);
    CHECK(warned);
  }
}

TEST_CASE("every rejected row of the matrix fails with an error naming the key", "[compat]") {
  int rejected = 0;
  for (const auto& row : read_matrix()) {
    if (row.status != "rejected") continue;
    ++rejected;
    INFO("docs/compose-compatibility.md:" << row.line << ": " << row.key);
    Loaded l = load(row);
    REQUIRE_FALSE(l.project.ok());
    std::string last = split_pattern(row.key).back();
    CHECK(l.project.error().to_string().find(last) != std::string::npos);
  }
  CHECK(rejected > 0);
}
