// Interpolation: every template form against set, set-but-empty and unset
// variables, nesting, escapes, and each way a template can be malformed.
#include "racker/compose/interpolate.h"

#include <catch2/catch.hpp>

#include <set>
#include <vector>

#include "racker/compose/source.h"

using namespace racker;
using namespace racker::compose;

namespace {

const EnvMap kEnv = {{"SET", "value"}, {"EMPTY", ""}, {"JSON", R"({"json":2})"}, {"PORT", "8080"}};

std::string expand(std::string_view text, const EnvMap& env = kEnv) {
  auto r = interpolate_string(text, lookup_in(env));
  INFO(text);
  if (!r) FAIL_CHECK(r.error().message);
  return r ? *r : "<error>";
}

Error expand_error(std::string_view text, const EnvMap& env = kEnv) {
  auto r = interpolate_string(text, lookup_in(env));
  INFO(text);
  REQUIRE_FALSE(r.ok());
  return r.error();
}

std::string invalid_format(std::string_view tmpl) {
  return "invalid interpolation format.\nYou may need to escape any $ with another $.\n" + std::string(tmpl);
}

struct Row {
  const char* text;
  const char* expected;  // nullptr: an error, `message` says which
  const char* message = nullptr;
};

}  // namespace

TEST_CASE("every template form against set, empty and unset variables", "[interpolate]") {
  const std::vector<Row> table = {
      {"$SET", "value"},        {"$EMPTY", ""},           {"$UNSET", ""},
      {"${SET}", "value"},      {"${EMPTY}", ""},         {"${UNSET}", ""},
      {"${SET:-d}", "value"},   {"${EMPTY:-d}", "d"},     {"${UNSET:-d}", "d"},
      {"${SET-d}", "value"},    {"${EMPTY-d}", ""},       {"${UNSET-d}", "d"},
      {"${SET:+r}", "r"},       {"${EMPTY:+r}", ""},      {"${UNSET:+r}", ""},
      {"${SET+r}", "r"},        {"${EMPTY+r}", "r"},      {"${UNSET+r}", ""},
      {"${SET:?e}", "value"},   {"${EMPTY?e}", ""},       {"${SET?e}", "value"},
      {"${EMPTY:?e}", nullptr, "required variable EMPTY is missing a value: e"},
      {"${UNSET:?e}", nullptr, "required variable UNSET is missing a value: e"},
      {"${UNSET?e}", nullptr, "required variable UNSET is missing a value: e"},
      {"${UNSET:?}", nullptr, "required variable UNSET is missing a value"},
      {"${UNSET?}", nullptr, "required variable UNSET is missing a value"},
      {"${EMPTY:?}", nullptr, "required variable EMPTY is missing a value"},
      // empty arguments
      {"${UNSET:-}", ""},       {"${UNSET-}", ""},        {"${SET:+}", ""},
  };
  for (const auto& row : table) {
    auto r = interpolate_string(row.text, lookup_in(kEnv));
    INFO(row.text);
    if (row.expected) {
      REQUIRE(r.ok());
      CHECK(*r == row.expected);
    } else {
      REQUIRE_FALSE(r.ok());
      CHECK(r.error().code == Errc::kInterpolation);
      CHECK(r.error().message == row.message);
      CHECK_FALSE(r.error().at.has_value());
    }
  }
}

TEST_CASE("templates sit among literal text", "[interpolate]") {
  CHECK(expand("This ${SET} var") == "This value var");
  CHECK(expand("This $SET var") == "This value var");
  CHECK(expand("This ${UNSET} var") == "This  var");
  CHECK(expand("$SET-bar") == "value-bar");  // docker/compose#8601: `-` ends a bare name
  CHECK(expand("${SET}_x") == "value_x");
  CHECK(expand("$SET_x") == "");  // the name is SET_x
  CHECK(expand("a${SET}b${SET}c") == "avaluebvaluec");
  CHECK(expand("${SUBDOMAIN:-redis}.${SET:?}") == "redis.value");
  CHECK(expand("no templates at all") == "no templates at all");
  CHECK(expand("") == "");
}

TEST_CASE("names are letters, digits and underscores, case-sensitive", "[interpolate]") {
  EnvMap env = {{"_A1", "x"}, {"set", "lower"}, {"SET", "upper"}};
  CHECK(expand("$_A1", env) == "x");
  CHECK(expand("${_A1}", env) == "x");
  CHECK(expand("$set/$SET", env) == "lower/upper");
  CHECK(expand("$1A", env) == "$1A");  // not a name: the $ stays
  CHECK(expand("$SET.x", env) == "upper.x");
}

TEST_CASE("$$ is a literal $ and a $ starting no template stays", "[interpolate]") {
  CHECK(expand("$$") == "$");
  CHECK(expand("$${SET}") == "${SET}");
  CHECK(expand("$$SET") == "$SET");
  CHECK(expand("$$$SET") == "$value");
  CHECK(expand("$$$$") == "$$");
  CHECK(expand("${SET}$$") == "value$");
  CHECK(expand("$$${SET}$$") == "$value$");
  CHECK(expand("a $ string") == "a $ string");
  CHECK(expand("^REGEX$") == "^REGEX$");
  CHECK(expand("$}") == "$}");
  CHECK(expand("$") == "$");
  CHECK(expand("5$") == "5$");
  CHECK(expand("${UNSET:-$$}") == "$");
  CHECK(expand("${UNSET:-$}") == "$");
  CHECK(expand("${UNSET:-$$SET}") == "$SET");
}

TEST_CASE("defaults, replacements and messages nest", "[interpolate]") {
  CHECK(expand("${UNSET:-${SET}}") == "value");
  CHECK(expand("${UNSET:-$SET}") == "value");
  CHECK(expand("${UNSET-${SET} ${SET}}") == "value value");
  CHECK(expand("${UNSET:-${EMPTY:-x}}") == "x");
  CHECK(expand("${A:-${B:-${C:-qix}}}") == "qix");
  CHECK(expand("${A:-${B:-x}_test_${B:-y}}") == "x_test_y");
  CHECK(expand("${A:-${B:-${C:-x}}_test}") == "x_test");
  CHECK(expand("${SET:+[${SET}]}") == "[value]");
  CHECK(expand("${EMPTY+$SET ${SET:+second}}") == "value second");
  CHECK(expand("+ok ${UNSET:-${EMPTY-defaultValue}}") == "+ok ");
  CHECK(expand_error("${UNSET:?missing ${SET}}").message == "required variable UNSET is missing a value: missing value");
  CHECK(expand_error("${UNSET?missing ${SET}}").message == "required variable UNSET is missing a value: missing value");
  CHECK(expand_error("${UNSET:-${INNER:?inner}}").message == "required variable INNER is missing a value: inner");
  CHECK(expand_error("${SET:+${INNER?}}").message == "required variable INNER is missing a value");
}

TEST_CASE("unused defaults, replacements and messages are not expanded", "[interpolate]") {
  std::set<std::string> asked;
  Lookup recording = [&](std::string_view name) -> std::optional<std::string> {
    asked.emplace(name);
    if (name == "SET") return std::string("value");
    return std::nullopt;
  };
  auto r = interpolate_string("${SET:-${D1}} ${UNSET:+${D2}} ${SET?${D3}} ${A:+${A},}B", recording);
  REQUIRE(r.ok());
  CHECK(*r == "value  value B");
  CHECK(asked == std::set<std::string>{"SET", "UNSET", "A"});
  // So a bad template there goes unnoticed, as in docker compose.
  CHECK(expand("${SET:-${ bad}}") == "value");
  CHECK(expand("${SET?${UNSET:?never}}") == "value");
}

TEST_CASE("operators split at the first one after the name", "[interpolate]") {
  CHECK(expand("${UNSET-myerror?msg}") == "myerror?msg");
  CHECK(expand_error("${UNSET?bar-baz}").message == "required variable UNSET is missing a value: bar-baz");
  CHECK(expand("${SET?bar-baz}") == "value");
  CHECK(expand("ok ${EMPTY:-/non:-alphanumeric}") == "ok /non:-alphanumeric");
  CHECK(expand("{{{ ${UNSET:-foo:?bar:?value} }}}") == "{{{ foo:?bar:?value }}}");
  CHECK(expand(":?ok ${EMPTY-defaultValue}") == ":?ok ");
  CHECK(expand("?ok ${EMPTY:-defaultValue}") == "?ok defaultValue");
}

TEST_CASE("braces inside a template balance", "[interpolate]") {
  CHECK(expand(R"(ok ${missing:-{"json":1}})") == R"(ok {"json":1})");
  CHECK(expand(R"(ok ${missing-{"json":1}})") == R"(ok {"json":1})");
  CHECK(expand(R"(ok ${JSON:-{"json":1}})") == R"(ok {"json":2})");
  CHECK(expand("{{{ ${UNSET:-foo_} }}}") == "{{{ foo_ }}}");
  CHECK(expand("{{{ ${UNSET:-foo} ${EMPTY:-DEFAULT} }}}") == "{{{ foo DEFAULT }}}");
  CHECK(expand("${UNSET:-baz} }}}") == "baz }}}");
  CHECK(expand("${SET}}") == "value}");
  CHECK(expand("${UNSET:-{}}") == "{}");
}

TEST_CASE("malformed templates are rejected with docker compose's message", "[interpolate]") {
  const char* invalid[] = {
      "${",        "${}",          "${ }",        "${ foo}",   "${foo }",   "${foo!}",  "${A:x}",
      "${A:}",     "${9A}",        "${A:-x",      "${-x}",     "${A.B}",    "x ${A:-{y}", "${A:-${B}",
      "${A:-x\n}", "line\n${A:-x", "${A::-x}",   "${A}${"};
  for (const char* text : invalid) {
    Error err = expand_error(text);
    CHECK(err.code == Errc::kInterpolation);
    CHECK(err.message == invalid_format(text));
    CHECK(err.key_path.empty());
  }
}

TEST_CASE("a malformed template inside a used default is shown on its own", "[interpolate]") {
  CHECK(expand_error("pre ${UNSET:-${ bad}} post").message == invalid_format("${ bad}"));
  CHECK(expand_error("${UNSET:?${ bad}}").message == invalid_format("${ bad}"));
}

TEST_CASE("nesting is bounded", "[interpolate]") {
  auto nested = [](int depth) {
    std::string s = "x";
    for (int i = 0; i < depth; ++i) s = "${U" + std::to_string(i) + ":-" + s + "}";
    return s;
  };
  CHECK(expand(nested(64)) == "x");
  CHECK(expand_error(nested(65)).message == "templates nested more than 64 levels deep");
}

TEST_CASE("an empty Lookup leaves every variable unset", "[interpolate]") {
  auto r = interpolate_string("${A:-d}$B", Lookup{});
  REQUIRE(r.ok());
  CHECK(*r == "d");
}

// ---- interpolate_tree

namespace {

Node parse(const char* yaml) {
  auto doc = parse_yaml(yaml, "compose.yaml");
  REQUIRE(doc.ok());
  return std::move(*doc);
}

}  // namespace

TEST_CASE("interpolate_tree expands values in maps and sequences, never keys", "[interpolate]") {
  Node doc = parse(
      "services:\n"
      "  web:\n"
      "    image: \"example:${SET}\"\n"
      "    ports: [\"${PORT}:80\", 443]\n"
      "    environment:\n"
      "      ${SET}: $SET\n"
      "      X: $$HOME\n"
      "      N:\n"
      "    labels:\n"
      "      - a=${UNSET:-b}\n"
      "x-nested:\n"
      "  - [{deep: '${SET}'}]\n");
  REQUIRE(interpolate_tree(doc, lookup_in(kEnv)).ok());
  const Node& web = *doc.find("services")->find("web");
  CHECK(web.find("image")->scalar == "example:value");
  CHECK(web.find("ports")->items[0].scalar == "8080:80");
  CHECK(web.find("ports")->items[1].scalar == "443");
  const Node& env = *web.find("environment");
  CHECK(env.entries[0].key == "${SET}");
  CHECK(env.entries[0].value.scalar == "value");
  CHECK(env.find("X")->scalar == "$HOME");
  CHECK(env.find("N")->is_null());
  CHECK(web.find("labels")->items[0].scalar == "a=b");
  CHECK(doc.find("x-nested")->items[0].items[0].find("deep")->scalar == "value");
}

TEST_CASE("interpolate_tree keeps each scalar's style and mark", "[interpolate]") {
  Node doc = parse("a: ${PORT}\nb: \"${PORT}\"\n");
  REQUIRE(interpolate_tree(doc, lookup_in(kEnv)).ok());
  const Node& a = *doc.find("a");
  CHECK(a.style == ScalarStyle::kPlain);
  CHECK(a.as_int() == 8080);
  CHECK(a.mark.line == 1);
  CHECK(a.mark.col == 4);
  CHECK(doc.find("b")->style == ScalarStyle::kQuoted);
  CHECK(doc.find("b")->scalar == "8080");
}

TEST_CASE("interpolate_tree reports a bad template with its key path and mark", "[interpolate]") {
  Node doc = parse(
      "services:\n"
      "  web:\n"
      "    image: ${\n");
  auto st = interpolate_tree(doc, lookup_in(kEnv));
  REQUIRE_FALSE(st.ok());
  const Error& err = st.error();
  CHECK(err.code == Errc::kInterpolation);
  CHECK(err.message ==
        "invalid interpolation format for services.web.image.\n"
        "You may need to escape any $ with another $.\n"
        "${");
  CHECK(err.key_path == "services.web.image");
  REQUIRE(err.at.has_value());
  CHECK(err.at->file == "compose.yaml");
  CHECK(err.at->line == 3);
  CHECK(err.at->col == 12);
}

TEST_CASE("interpolate_tree names sequence items by index", "[interpolate]") {
  Node doc = parse(
      "services:\n"
      "  web:\n"
      "    ports:\n"
      "      - \"80:80\"\n"
      "      - \"${ PORT}:443\"\n");
  auto st = interpolate_tree(doc, lookup_in(kEnv));
  REQUIRE_FALSE(st.ok());
  CHECK(st.error().key_path == "services.web.ports[1]");
  CHECK(st.error().message ==
        "invalid interpolation format for services.web.ports[1].\n"
        "You may need to escape any $ with another $.\n"
        "${ PORT}:443");
  CHECK(st.error().at->line == 5);
  CHECK(st.error().at->col == 9);
}

TEST_CASE("interpolate_tree reports a required variable like docker compose", "[interpolate]") {
  Node doc = parse(
      "services:\n"
      "  web:\n"
      "    environment:\n"
      "      FOO: ${FOO:?custom message}\n"
      "      BAR: ${BAR?}\n");
  auto st = interpolate_tree(doc, lookup_in(kEnv));
  REQUIRE_FALSE(st.ok());
  CHECK(st.error().code == Errc::kInterpolation);
  CHECK(st.error().message == "required variable FOO is missing a value: custom message");
  CHECK(st.error().to_string() ==
        "compose.yaml:4:12: services.web.environment.FOO: required variable FOO is missing a value: custom message");

  EnvMap with_foo = kEnv;
  with_foo["FOO"] = "set";
  Node again = parse(
      "services:\n"
      "  web:\n"
      "    environment:\n"
      "      FOO: ${FOO:?custom message}\n"
      "      BAR: ${BAR?}\n");
  auto st2 = interpolate_tree(again, lookup_in(with_foo));
  REQUIRE_FALSE(st2.ok());
  CHECK(st2.error().key_path == "services.web.environment.BAR");
  CHECK(st2.error().message == "required variable BAR is missing a value");
}

TEST_CASE("interpolate_tree stops at the first error in document order", "[interpolate]") {
  Node doc = parse("a: ok\nb: ${B:?first}\nc: ${\n");
  auto st = interpolate_tree(doc, lookup_in(kEnv));
  REQUIRE_FALSE(st.ok());
  CHECK(st.error().key_path == "b");
}

TEST_CASE("interpolate_tree on a bare scalar root has no key path", "[interpolate]") {
  Node root = Node::plain("${");
  auto st = interpolate_tree(root, lookup_in(kEnv));
  REQUIRE_FALSE(st.ok());
  CHECK(st.error().key_path.empty());
  CHECK_FALSE(st.error().at.has_value());  // built in code: no mark to report
  CHECK(st.error().message == invalid_format("${"));
}
