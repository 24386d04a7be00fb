#pragma once
// Stage 1 of the loader: bytes -> Node tree with marks. The only file that
// includes yaml-cpp. Resolves anchors and aliases, applies YAML merge keys
// (`<<: *base`, `<<: [*a, *b]`), keeps `!reset`/`!override` tags, and rejects
// duplicate keys, non-scalar keys and documents past the size limits
// (alias bombs, deep nesting) with a file:line:col error.

#include <optional>
#include <string>
#include <string_view>

#include "racker/compose/node.h"

namespace racker::compose {

// `file` is used for marks and messages only. An empty document is a null Node.
// Errors: kParse with `at` set.
Result<Node> parse_yaml(std::string_view text, const std::string& file);

// Text every compose input must be (YAML files and .env files alike): UTF-8
// without control characters but tab and newlines. The error names the
// position of the first bad byte.
std::optional<Error> check_compose_text(std::string_view text, const std::string& file);

}  // namespace racker::compose
