#pragma once
// .env and --env-file parsing with compose-go's rules: `export ` prefix,
// comments (`#` at line start, or after whitespace in unquoted values),
// single quotes (literal), double quotes (escapes \n \t \" \\ ..., multi-line),
// unquoted values trimmed, `${VAR}` interpolation inside unquoted and
// double-quoted values (earlier keys of the same file first, then `lookup`),
// bare `KEY` lines inheriting from `lookup` (dropped when unset), UTF-8 BOM.

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "racker/compose/host.h"

namespace racker::compose {

using EnvList = std::vector<std::pair<std::string, std::string>>;  // file order

// `file` names the source in errors (kParse, with line and column).
Result<EnvList> parse_dotenv(std::string_view text, const std::string& file, const Lookup& lookup);

// Reads and parses `path` through `files`, merging into `into` (later wins).
Status load_dotenv_file(FileReader& files, const std::string& path, const Lookup& lookup, EnvMap& into);

}  // namespace racker::compose
