#pragma once
// Private to canonical*.cpp: parsers of the short syntaxes that need more
// than a line or two. Each takes the scalar (for its text and mark) and the
// item's key path, and fails with a kValidation error carrying both.

#include <string>
#include <string_view>
#include <vector>

#include "racker/compose/node.h"

namespace racker::compose::canonical {

// "[ip:][published[-end]:]target[-end][/proto]" -> one long-form port per
// target port: {mode, host_ip?, target, published?, protocol}.
Result<std::vector<Node>> parse_port(const Node& scalar, const std::string& path);

// Long-form port: target as an int, published as a string, defaults filled.
Status complete_long_port(Node& port, const std::string& path);

// "src:dst[:opts]" | "dst" -> {type, source?, target, read_only?, bind?, volume?}.
Result<Node> parse_volume(const Node& scalar, const std::string& path);

// "src[:dst[:perm]]" -> {source, target, permissions}.
Result<Node> parse_device(const Node& scalar, const std::string& path);

// Splits a command line into words the way compose does (go-shellwords
// without env or backtick expansion): blanks separate, quotes group, `\`
// escapes outside single quotes, and an unquoted ; & | < > ends the command
// (compose drops the rest). Returns the reason on malformed input.
Result<std::vector<std::string>> shell_split(std::string_view line);

// Error helpers: the mark of `at`, the key path `path`.
Error invalid(const Node& at, const std::string& path, std::string message);
Error wrong_kind(const Node& at, const std::string& path, const char* expected);

// ---- shared by the rules (canonical_maps.cpp) ----

Node as_string(const Node& scalar);  // `1` -> "1", text and mark kept
Node untagged(Node n);
// Still holds ${...}: interpolation was skipped (config --no-interpolate), so
// a short form that does not parse is kept as written, as compose does.
bool uninterpolated(const Node& n);
// Replaces `node` by `value`, keeping the `!override` tag it may carry.
void replace(Node& node, Node value);

// How a bare `KEY` (no `=`) reads in a KEY=VALUE list.
enum class BareKey {
  kNull,   // environment, build.args: a variable to look up later
  kEmpty,  // labels, annotations, sysctls: ""
  kError,  // build.additional_contexts: a value is required
};

// Rules: each rewrites `node` (at key path `path`) into its long form.
using Rule = Status (*)(Node& node, const std::string& path);
Status string_or_list(Node& node, const std::string& path);      // s -> [s]; items -> strings
Status key_value_map(Node& node, const std::string& path, BareKey bare);  // ["K=V"] -> {K: "V"}
Status list_to_null_map(Node& node, const std::string& path);    // [a] -> {a: null}
Status scalar_to_map(Node& node, const std::string& path, const char* key);  // s -> {key: s}
Status depends_on(Node& node, const std::string& path);
Status env_file(Node& node, const std::string& path);
Status extra_hosts(Node& node, const std::string& path);
Status ssh(Node& node, const std::string& path);

}  // namespace racker::compose::canonical
