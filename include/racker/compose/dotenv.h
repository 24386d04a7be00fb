#pragma once
// .env and --env-file parsing with compose-go's rules: `export ` prefix,
// `KEY=value` or `KEY: value`, comments (`#` at line start, or after a space
// in unquoted values), single quotes (literal), double quotes (escapes
// \n \t \" \\ \$ \0NNN ..., multi-line), unquoted values trimmed,
// `${VAR}` interpolation inside unquoted and double-quoted values, bare `KEY`
// lines inheriting their value (dropped when unset), UTF-8 BOM, CRLF.
//
// Variables (for ${VAR} and bare KEY) resolve through `lookup` first, then
// through keys set earlier: the process environment wins, as in compose-go.
// Keys are not checked beyond their characters ([A-Za-z0-9_.-[]], non-ASCII
// letters): `456=x` and even `=x` are kept, as docker compose keeps them.

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "racker/compose/host.h"

namespace racker::compose {

// In file order; a key set twice keeps its first place and its last value.
using EnvList = std::vector<std::pair<std::string, std::string>>;

// `file` names the source in errors: kParse for bad lines, kInterpolation for
// bad templates (with the key as key_path), both with line and column.
Result<EnvList> parse_dotenv(std::string_view text, const std::string& file, const Lookup& lookup);

// Reads and parses `path` through `files`, merging into `into` (later wins).
// Keys already in `into` (earlier files) answer ${VAR} after `lookup`. On
// error `into` is left as it was.
Status load_dotenv_file(FileReader& files, const std::string& path, const Lookup& lookup, EnvMap& into);

}  // namespace racker::compose
