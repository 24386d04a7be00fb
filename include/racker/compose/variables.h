#pragma once
// `config --variables`: which variables the compose files use, whether they
// are required (`:?`/`?`), and their default and alternate values, read from
// the templates in the files' values (before interpolation).

#include <map>
#include <string>
#include <vector>

#include "racker/compose/host.h"
#include "racker/compose/node.h"

namespace racker::compose {

struct VariableUse {
  std::string name;
  bool required = false;
  std::string default_value;    // from `:-` / `-`
  std::string alternate_value;  // from `:+` / `+`
};

// Variables referenced by templates in the scalar values under `doc`, by name.
std::map<std::string, VariableUse> variables_in(const Node& doc);

// Reads and parses `files` and collects their variables.
Result<std::map<std::string, VariableUse>> collect_variables(const std::vector<std::string>& files, FileReader& reader);

// The table docker compose prints: NAME REQUIRED DEFAULT VALUE ALTERNATE VALUE.
std::string format_variables_table(const std::map<std::string, VariableUse>& vars);

}  // namespace racker::compose
