#pragma once
// One fuzz input through the whole compose loader (load_project on in-memory
// files), then everything `racker compose config` does with the result.
// Shared by the libFuzzer target (fuzz_compose_loader.cpp) and the unit test
// that replays the saved inputs in every build (tests/unit/compose/
// fuzz_replay_test.cpp), so a fixed crash stays fixed without clang.
//
// The input is split on lines `#--8<--` (kMarker) into up to four files of one
// project in /fuzz/proj:
//   [0] compose.yaml
//   [1] .env
//   [2] compose.override.yaml (discovered like a real override file)
//   [3] other.yaml (for `extends: {file: other.yaml}`, `include:`, `env_file:`)
// Absent parts are absent files. Anything may fail; nothing may crash, hang,
// leak or trip a sanitizer. Rendering the error must also be safe, since the
// CLI prints every failure with its source line and caret.

#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "racker/compose/graph.h"
#include "racker/compose/load.h"
#include "racker/compose/serialize.h"
#include "racker/compose/source.h"
#include "racker/compose/variables.h"
#include "support/mem_file_reader.h"

namespace racker::fuzz {

// A line of its own; consecutive marker lines give empty files.
inline constexpr std::string_view kMarker = "#--8<--";
inline constexpr const char* kProjectDir = "/fuzz/proj";

inline std::vector<std::string_view> split_parts(std::string_view data) {
  std::vector<std::string_view> parts;
  size_t from = 0;
  while (parts.size() < 3) {
    size_t at = data.find(kMarker, from);
    if (at == std::string_view::npos) break;
    size_t end = at + kMarker.size();
    bool line_start = at == 0 || data[at - 1] == '\n';
    bool line_end = end == data.size() || data[end] == '\n';
    if (!line_start || !line_end) {
      from = at + 1;
      continue;
    }
    parts.push_back(data.substr(0, at));
    data.remove_prefix(end == data.size() ? end : end + 1);
    from = 0;
  }
  parts.push_back(data);
  return parts;
}

// Runs `input`. Returns "" or, when a property that must hold does not,
// what went wrong (the fuzzer aborts on it, the replay test fails).
// With `verbose`, prints what the input did to stderr.
inline std::string run_compose_loader(std::string_view input, bool verbose = false) {
  using namespace racker;
  std::vector<std::string_view> parts = split_parts(input);

  static const char* const kNames[] = {"compose.yaml", ".env", "compose.override.yaml", "other.yaml"};
  test::MemFileReader files;
  for (size_t i = 0; i < parts.size(); ++i) {
    files.add(std::string(kProjectDir) + "/" + kNames[i], std::string(parts[i]));
  }

  // A fixed, small process environment: stable results, a few names that
  // templates in the seeds use.
  compose::EnvMap env{{"HOME", "/fuzz/home"}, {"PATH", "/usr/bin:/bin"}, {"USER", "fuzz"}, {"TAG", "1.0"}};

  compose::ProjectOptions opts;
  opts.working_dir = kProjectDir;
  auto loaded = compose::load_project(opts, files, env);
  if (!loaded) {
    std::string rendered = compose::render_error(loaded.error(), files);
    if (verbose) std::fprintf(stderr, "rejected: %s\n", rendered.c_str());
    std::string one_line = loaded.error().to_string();
    (void)one_line;
    return "";
  }

  // What `compose config` prints from a loaded project.
  std::string yaml = compose::to_yaml(loaded->doc);
  std::string json = compose::to_json(loaded->doc);
  if (verbose) std::fprintf(stderr, "loaded:\n%s", yaml.c_str());
  if (const compose::Node* services = loaded->doc.find("services"); services && services->is_map()) {
    for (const auto& e : services->entries) {
      std::string hash = compose::service_config_hash(e.value);
      (void)hash;
    }
  }
  auto graph = compose::DependencyGraph::build(loaded->project);
  if (graph) {
    std::vector<std::string> order = graph->start_order();
    (void)order;
  }
  auto vars = compose::variables_in(loaded->doc);
  (void)vars;

  // The YAML printer must write what it was given: read back by the
  // parser, the document prints the same JSON (same keys, same values,
  // same types: a quoting mistake shows up here).
  auto reparsed = compose::parse_yaml(yaml, "roundtrip.yaml");
  if (!reparsed) return "the YAML output does not parse: " + reparsed.error().to_string() + "\n" + yaml;
  if (compose::to_json(*reparsed) != json)
    return "the YAML output reads back differently:\n" + yaml + "\n--- JSON before:\n" + json +
           "\n--- JSON after:\n" + compose::to_json(*reparsed);

  // And it loads again as a project (what `config | racker compose -f -`
  // users rely on); it may still be rejected, for example when a path it
  // names does not exist in the in-memory tree.
  files.add(std::string(kProjectDir) + "/roundtrip/compose.yaml", yaml);
  compose::ProjectOptions again;
  again.working_dir = std::string(kProjectDir) + "/roundtrip";
  auto reloaded = compose::load_project(again, files, env);
  (void)reloaded;
  return "";
}

}  // namespace racker::fuzz
