// .env parsing: compose-go's own fixtures with the values its tests expect,
// then each rule on its own, then every error.
#include "racker/compose/dotenv.h"

#include <catch2/catch.hpp>

#include "support/mem_file_reader.h"

using namespace racker;
using namespace racker::compose;
using racker::test::MemFileReader;

namespace {

const std::string kFixtures = std::string(RACKER_CORPUS_DIR) + "/compose-go/dotenv/fixtures/";
const std::string kTypeFixtures = std::string(RACKER_CORPUS_DIR) + "/compose-go/types/fixtures/";

std::string read_fixture(const std::string& path) {
  DiskFileReader disk;
  auto text = disk.read(path);
  INFO(path);
  REQUIRE(text.ok());
  return *text;
}

EnvList parse_fixture(const std::string& name, const EnvMap& env = {}) {
  std::string path = kFixtures + name;
  auto list = parse_dotenv(read_fixture(path), path, lookup_in(env));
  INFO(name);
  if (!list) FAIL(list.error().to_string());
  return *list;
}

EnvList parse(std::string_view text, const EnvMap& env = {}) {
  auto list = parse_dotenv(text, ".env", lookup_in(env));
  INFO(text);
  if (!list) FAIL(list.error().to_string());
  return *list;
}

// The value of the one key `text` sets.
std::string value_of(std::string_view text, const std::string& key = "FOO") {
  EnvList list = parse(text);
  INFO(text);
  REQUIRE(list.size() == 1);
  CHECK(list[0].first == key);
  return list[0].second;
}

Error parse_error(std::string_view text, const EnvMap& env = {}) {
  auto list = parse_dotenv(text, ".env", lookup_in(env));
  INFO(text);
  REQUIRE_FALSE(list.ok());
  return list.error();
}

}  // namespace

// ---- compose-go's fixtures

TEST_CASE("fixture plain.env", "[dotenv]") {
  // compose-go's Read() drops keys starting with a digit; the path docker
  // compose takes (GetEnvFromFile) keeps them, and so does racker.
  CHECK(parse_fixture("plain.env") == EnvList{{"OPTION_A", "1"},
                                              {"OPTION_B", "2"},
                                              {"OPTION_C", "3"},
                                              {"OPTION_D", "4"},
                                              {"OPTION_E", "5"},
                                              {"456", "ABC"},
                                              {"OPTION_F", ""},
                                              {"OPTION_G", ""},
                                              {"OPTION_H", "my string"}});
}

TEST_CASE("fixture utf8-bom.env", "[dotenv]") {
  std::string text = read_fixture(kFixtures + "utf8-bom.env");
  REQUIRE(text.rfind("\xEF\xBB\xBF", 0) == 0);  // the fixture really has a BOM
  CHECK(parse_fixture("utf8-bom.env") == EnvList{{"OPTION_A", "1"},
                                                 {"OPTION_B", "2"},
                                                 {"OPTION_C", "3"},
                                                 {"OPTION_D", "4"},
                                                 {"OPTION_E", "5"},
                                                 {"456", "ABC"},
                                                 {"OPTION_F", ""},
                                                 {"OPTION_G", ""},
                                                 {"OPTION_H", "my string"}});
}

TEST_CASE("fixture exported.env", "[dotenv]") {
  CHECK(parse_fixture("exported.env") == EnvList{{"OPTION_A", "2"}, {"OPTION_B", "\\n"}});
}

TEST_CASE("fixture equals.env", "[dotenv]") {
  CHECK(parse_fixture("equals.env") == EnvList{{"OPTION_A", "postgres://localhost:5432/database?sslmode=disable"}});
}

TEST_CASE("fixture quoted.env", "[dotenv]") {
  CHECK(parse_fixture("quoted.env") == EnvList{{"OPTION_A", "1"},
                                               {"OPTION_B", "2"},
                                               {"OPTION_C", ""},
                                               {"OPTION_D", "\\n"},
                                               {"OPTION_E", "1"},
                                               {"OPTION_F", "2"},
                                               {"OPTION_G", ""},
                                               {"OPTION_H", "\n"},
                                               {"OPTION_I", "echo 'asd'"},
                                               {"OPTION_J", "first line\nsecond line\nthird line\nand so on"},
                                               {"OPTION_K", "Let's go!"},
                                               {"OPTION_Z", "last value"}});
}

TEST_CASE("fixture unquoted.env", "[dotenv]") {
  CHECK(parse_fixture("unquoted.env") ==
        EnvList{{"OPTION_A", "some quoted phrase"},
                {"OPTION_B", "first one with an unquoted phrase"},
                {"OPTION_C", "then another one with an unquoted phrase"},
                {"OPTION_D", "then another one with an unquoted phrase special \xC3\xA8 char"},
                {"OPTION_E", "then another one quoted phrase"}});
}

TEST_CASE("fixture special.env", "[dotenv]") {
  CHECK(parse_fixture("special.env") ==
        EnvList{{"VAR.WITH.DOTS", "dots"}, {"VAR_WITH_UNDERSCORES", "underscores"}, {"VAR-WITH-DASHES", "dashes"}});
}

TEST_CASE("fixture custom.format reads as YAML-style KEY: value lines", "[dotenv]") {
  CHECK(parse_fixture("custom.format") == EnvList{{"FOO", "BAR"}, {"ZOT", "QIX"}});
}

namespace {
// What the substitutions*.env fixtures define, in file order.
EnvList options(const char* a, const char* bc, const char* d) {
  return EnvList{{"OPTION_A", a}, {"OPTION_B", bc}, {"OPTION_C", bc}, {"OPTION_D", d}, {"OPTION_E", ""}};
}
}  // namespace

TEST_CASE("fixture substitutions.env", "[dotenv]") {
  CHECK(parse_fixture("substitutions.env") == options("1", "1", "1_1"));
  // The environment wins over a key set earlier in the file.
  CHECK(parse_fixture("substitutions.env", {{"OPTION_A", "5"}}) == options("1", "5", "5_5"));
}

TEST_CASE("fixture substitutions-default.env", "[dotenv]") {
  CHECK(parse_fixture("substitutions-default.env") == options("1", "1", "1_1"));
  CHECK(parse_fixture("substitutions-default.env", {{"OPTION_A", "5"}}) == options("5", "5", "5_5"));
}

TEST_CASE("fixtures inherited-*.env take bare keys from the environment", "[dotenv]") {
  EnvMap os = {{"VAR_TO_BE_LOADED_FROM_OS_ENV", "SOME_RANDOM_VALUE"}};
  CHECK(parse_fixture("inherited-single-var.env", os) ==
        EnvList{{"VAR_TO_BE_LOADED_FROM_OS_ENV", "SOME_RANDOM_VALUE"}});
  CHECK(parse_fixture("inherited-multi-var.env", os) ==
        EnvList{{"foo", "bar"}, {"VAR_TO_BE_LOADED_FROM_OS_ENV", "SOME_RANDOM_VALUE"}, {"bar", "baz"}});
  CHECK(parse_fixture("inherited-multi-var.env") == EnvList{{"foo", "bar"}, {"bar", "baz"}});
  CHECK(parse_fixture("inherited-not-found.env").empty());
}

TEST_CASE("fixture invalid1.env fails at the key with a space", "[dotenv]") {
  std::string path = kFixtures + "invalid1.env";
  auto list = parse_dotenv(read_fixture(path), path, lookup_in({}));
  REQUIRE_FALSE(list.ok());
  CHECK(list.error().code == Errc::kParse);
  CHECK(list.error().to_string() == path + ":7:8: key cannot contain a space: \"INVALID LINE\"");
}

TEST_CASE("types fixtures: env files chain, the environment wins for ${VAR}", "[dotenv]") {
  // As compose-go resolves a service's env_file list: the project environment
  // first, then the service's environment, then what earlier files set.
  DiskFileReader disk;
  EnvMap os = {{"FOO", "FOO_from_os.env"}, {"QIX", "QIX_from_os.env"}};
  EnvMap service = {{"FOO", "foo_from_environment"}, {"BAR", "bar_from_environment"}};
  Lookup lookup = [&](std::string_view name) -> std::optional<std::string> {
    if (auto it = os.find(name); it != os.end()) return it->second;
    if (auto it = service.find(name); it != service.end()) return it->second;
    return std::nullopt;
  };
  EnvMap base;
  REQUIRE(load_dotenv_file(disk, kTypeFixtures + "base.env", lookup, base).ok());
  CHECK(base.at("INTERPOLATED_FOO") == "FOO_from_os.env");
  CHECK(base.at("INTERPOLATED_BAR") == "bar_from_environment");
  CHECK(base.at("ZOT") == "zot_from_base.env");
  CHECK(base.at("INTERPOLATED_ZOT") == "zot_from_base.env");

  service = {{"FOO", "foo_from_environment"}};
  EnvMap both;
  REQUIRE(load_dotenv_file(disk, kTypeFixtures + "base.env", lookup, both).ok());
  REQUIRE(load_dotenv_file(disk, kTypeFixtures + "override.env", lookup, both).ok());
  CHECK(both.at("BAR") == "bar_from_override.env");
  CHECK(both.at("ZOT") == "zot_from_base.env");
  CHECK(both.at("INTERPOLATED_FOO") == "FOO_from_os.env");
  CHECK(both.at("INTERPOLATED_BAR") == "bar_from_override.env");
  CHECK(both.at("INTERPOLATED_ZOT") == "zot_from_base.env");
}

// ---- the rules one by one

TEST_CASE("keys and separators", "[dotenv]") {
  CHECK(value_of("FOO=bar") == "bar");
  CHECK(value_of("FOO =bar") == "bar");
  CHECK(value_of("FOO= bar") == "bar");
  CHECK(value_of(" FOO =value") == "value");
  CHECK(value_of("\tFOO=value") == "value");
  CHECK(value_of("FOO=foobar=") == "foobar=");
  CHECK(value_of("OPTION_A: 1", "OPTION_A") == "1");
  CHECK(value_of("OPTION_A: Foo=bar", "OPTION_A") == "Foo=bar");
  CHECK(value_of("OPTION_A=1:B", "OPTION_A") == "1:B");
  CHECK(value_of("FOO.BAR=foobar", "FOO.BAR") == "foobar");
  CHECK(value_of("a[1]=c", "a[1]") == "c");
  CHECK(value_of("\xC3\xA1rv\xC3\xADzt-T\xC3\x9CK=\xC3\x81RV", "\xC3\xA1rv\xC3\xADzt-T\xC3\x9CK") == "\xC3\x81RV");
  CHECK(value_of("=\"value\"", "") == "value");  // an empty key, as compose-go allows
}

TEST_CASE("the export prefix", "[dotenv]") {
  CHECK(value_of("export OPTION_A=2", "OPTION_A") == "2");
  CHECK(value_of("export\tOPTION_A=2", "OPTION_A") == "2");
  CHECK(value_of("  export OPTION_A=2", "OPTION_A") == "2");
  CHECK(value_of("export OPTION_A=\"export A\"", "OPTION_A") == "export A");
  CHECK(value_of("export exportFoo=2", "exportFoo") == "2");
  CHECK(value_of("exportFOO=2", "exportFOO") == "2");
  CHECK(value_of("export_FOO =2", "export_FOO") == "2");
  CHECK(value_of("export.FOO= 2", "export.FOO") == "2");
  CHECK(parse("export FOO\n", {{"FOO", "os"}}) == EnvList{{"FOO", "os"}});
}

TEST_CASE("unquoted values: trimmed, inline comments after a space", "[dotenv]") {
  CHECK(value_of("FOO=bar ") == "bar");
  CHECK(value_of("FOO=bar # this is foo") == "bar");
  CHECK(value_of("FOO=bar #this is foo") == "bar");
  CHECK(value_of("FOO=bar #") == "bar");
  CHECK(value_of("FOO=123#not-an-inline-comment") == "123#not-an-inline-comment");
  CHECK(value_of("FOO=a\\tb") == "a\\tb");  // no escapes outside double quotes
  CHECK(value_of("FOO=it's \"fine\"") == "it's \"fine\"");
  CHECK(value_of("FOO=") == "");
  CHECK(value_of("FOO=   \n") == "");
  CHECK(value_of("FOO=x\xC2\xA0") == "x");  // a no-break space is a blank too
}

TEST_CASE("comments and blank lines", "[dotenv]") {
  CHECK(parse("\n\r\n\t\t \n# Comment\n\t # indented comment\n").empty());
  CHECK(parse("# c\nA=1\n\n  # c\nB=2 # c\n") == EnvList{{"A", "1"}, {"B", "2"}});
}

TEST_CASE("single-quoted values are literal", "[dotenv]") {
  CHECK(value_of("FOO='bar'") == "bar");
  CHECK(value_of("FOO='ba#r'") == "ba#r");
  CHECK(value_of("FOO='bar#baz' # comment") == "bar#baz");
  CHECK(value_of("FOO='$BAR ${X:-y}'") == "$BAR ${X:-y}");
  CHECK(value_of("FOO='a\\nb'") == "a\\nb");
  CHECK(value_of("FOO='Let\\'s'") == "Let's");
  CHECK(value_of("FOO='a\nb'") == "a\nb");
}

TEST_CASE("double-quoted values take escapes and span lines", "[dotenv]") {
  CHECK(value_of("FOO=\"bar\"") == "bar");
  CHECK(value_of("FOO=\"escaped\\\"bar\"") == "escaped\"bar");
  CHECK(value_of("FOO=\"\\\"quoted\\\"\"") == "\"quoted\"");
  CHECK(value_of("FOO=\"'d'\"") == "'d'");
  CHECK(value_of("FOO=\"bar#baz\"#") == "bar#baz");
  CHECK(value_of("FOO=\"bar#baz#bang\" # comment") == "bar#baz#bang");
  CHECK(value_of("FOO=\"bar\\nbaz\"") == "bar\nbaz");
  CHECK(value_of("FOO=\"a\\tb\"") == "a\tb");
  CHECK(value_of("KEY=\"Z\\aZ\\bZ\\fZ\\nZ\\rZ\\tZ\\vZ\\\\Z\\0123Z\"", "KEY") == "Z\aZ\bZ\fZ\nZ\rZ\tZ\vZ\\ZSZ");
  CHECK(value_of("FOO=\"bar\\n\\ b\\az\"") == "bar\n\\ b\az");
  CHECK(value_of("FOO=\"bar\\\\\\n\\ b\\az\"") == "bar\\\n\\ b\az");
  CHECK(value_of("FOO=\"bar\\\\r\\ b\\az\"") == "bar\\r\\ b\az");
  CHECK(value_of("FOO=\"bar\\nbaz\\\\\"") == "bar\nbaz\\");
  CHECK(value_of("U=\"a\nb\"", "U") == "a\nb");
}

TEST_CASE("octal escapes need backslash-zero and three octal digits", "[dotenv]") {
  CHECK(value_of("FOO=\"\\0123\"") == "S");
  CHECK(value_of("FOO=\"\\01234\"") == "S4");
  CHECK(value_of("FOO=\"\\0377\"") == "\xC3\xBF");  // U+00FF, as Go writes a rune
  CHECK(value_of("FOO=\"\\0\"") == "\\0");
  CHECK(value_of("FOO=\"\\012\"") == "\\012");
  CHECK(value_of("FOO=\"\\0400\"") == "\\0400");  // past 0377
  CHECK(value_of("FOO=\"\\0128\"") == "\\0128");  // 8 is no octal digit
}

TEST_CASE("unknown escapes keep their backslash", "[dotenv]") {
  CHECK(value_of("KEY=\"\\x07\"", "KEY") == "\\x07");
  CHECK(value_of("KEY=\"\\u12e4\"", "KEY") == "\\u12e4");
  CHECK(value_of("KEY=\"\\U00101234\"", "KEY") == "\\U00101234");
  CHECK(value_of("KEY=\"\\c\"", "KEY") == "\\c");
}

TEST_CASE("${VAR} in unquoted and double-quoted values", "[dotenv]") {
  CHECK(parse("FOO=test\nBAR=$FOO") == EnvList{{"FOO", "test"}, {"BAR", "test"}});
  CHECK(parse("FOO=test\nBAR=${FOO}bar") == EnvList{{"FOO", "test"}, {"BAR", "testbar"}});
  CHECK(parse("BAR=$FOO") == EnvList{{"BAR", ""}});
  CHECK(parse("FOO=test\nBAR=\"quote $FOO\"") == EnvList{{"FOO", "test"}, {"BAR", "quote test"}});
  CHECK(parse("BAR='quote $FOO'") == EnvList{{"BAR", "quote $FOO"}});
  CHECK(parse("FOO=\"foo\\$BAR\"") == EnvList{{"FOO", "foo$BAR"}});
  CHECK(parse("FOO=\"foo\\${BAR}\"") == EnvList{{"FOO", "foo${BAR}"}});
  CHECK(parse("FOO=test\nBAR=\"foo\\${FOO} ${FOO}\"") == EnvList{{"FOO", "test"}, {"BAR", "foo${FOO} test"}});
  CHECK(parse("FOO=$$BAR") == EnvList{{"FOO", "$BAR"}});
  CHECK(parse("R=${UNSET:-Default Value}") == EnvList{{"R", "Default Value"}});
  CHECK(parse("E=\nR=${E:-dflt}\nS=${E-dflt}") == EnvList{{"E", ""}, {"R", "dflt"}, {"S", ""}});
  CHECK(parse("R=${T:+yes}", {{"T", "1"}}) == EnvList{{"R", "yes"}});
  CHECK(parse("URL=\"http://${HOST}\nnext\"", {{"HOST", "h"}}) == EnvList{{"URL", "http://h\nnext"}});
}

TEST_CASE("variables resolve through the lookup first, then earlier keys", "[dotenv]") {
  CHECK(parse("TEST=$ME", {{"ME", "YES"}}) == EnvList{{"TEST", "YES"}});
  CHECK(parse("A=1\nB=$A", {{"A", "5"}}) == EnvList{{"A", "1"}, {"B", "5"}});
  CHECK(parse("B=$A\nA=1") == EnvList{{"B", ""}, {"A", "1"}});  // later keys are not seen yet
  CHECK(parse("A=1\nA") == EnvList{{"A", "1"}});                // a bare key keeps an earlier value
}

TEST_CASE("a bare key inherits its value or is dropped", "[dotenv]") {
  CHECK(parse("A\nB=2\n", {{"A", "a"}}) == EnvList{{"A", "a"}, {"B", "2"}});
  CHECK(parse("A\nB=2\n") == EnvList{{"B", "2"}});
  CHECK(parse("B=2\nA", {{"A", "a"}}) == EnvList{{"B", "2"}, {"A", "a"}});  // last line, no newline
  CHECK(parse("A   \n", {{"A", "a"}}) == EnvList{{"A", "a"}});
  CHECK(parse("A\n", {{"A", ""}}) == EnvList{{"A", ""}});
}

TEST_CASE("a key set twice keeps its first place and its last value", "[dotenv]") {
  CHECK(parse("A=1\nB=2\nA=3\n") == EnvList{{"A", "3"}, {"B", "2"}});
}

TEST_CASE("CRLF line endings read like LF ones", "[dotenv]") {
  CHECK(parse("A=1\r\nB = 'two'\r\nC=\"x\r\ny\"\r\n# c\r\nD\r\nE=e # c\r\n", {{"D", "d"}}) ==
        EnvList{{"A", "1"}, {"B", "two"}, {"C", "x\ny"}, {"D", "d"}, {"E", "e"}});
}

TEST_CASE("an empty text or a lone BOM sets nothing", "[dotenv]") {
  CHECK(parse("").empty());
  CHECK(parse("\xEF\xBB\xBF").empty());
}

// ---- errors

TEST_CASE("a bad character in a key is a parse error at its column", "[dotenv]") {
  Error err = parse_error("A=1\nlol$wut\n");
  CHECK(err.code == Errc::kParse);
  CHECK(err.to_string() == ".env:2:4: unexpected character \"$\" in variable name \"lol$wut\"");
  CHECK(parse_error("%!(EXTRA string)=foo").to_string() ==
        ".env:1:1: unexpected character \"%\" in variable name \"%!(EXTRA string)=foo\"");
  CHECK(parse_error("export \"FOO\"=1").to_string() ==
        ".env:1:8: unexpected character \"\\\"\" in variable name \"\\\"FOO\\\"=1\"");
}

TEST_CASE("a key with a space in it is a parse error", "[dotenv]") {
  CHECK(parse_error("FOO BAR=1").to_string() == ".env:1:4: key cannot contain a space: \"FOO BAR\"");
  CHECK(parse_error("\xEF\xBB\xBFX=1\nFOO\tBAR\n").to_string() ==
        ".env:2:4: key cannot contain a space: \"FOO\\tBAR\"");
}

TEST_CASE("an unterminated quoted value is a parse error at its quote", "[dotenv]") {
  const char* cases[] = {"KEY=\"",   "KEY=\"value", "KEY=\"value\\\"", "KEY=\"value'",
                         "KEY='",    "KEY='value",  "KEY='value\\'",   "KEY='value\""};
  for (const char* text : cases) {
    Error err = parse_error(text);
    CHECK(err.code == Errc::kParse);
    CHECK(err.to_string() == ".env:1:5: unterminated quoted value " + std::string(text + 4));
  }
  CHECK(parse_error("A=1\nB = \"open\nline two\n").to_string() == ".env:2:5: unterminated quoted value \"open");
}

TEST_CASE("a bad template in a value is an interpolation error at the value", "[dotenv]") {
  Error err = parse_error("A=1\nB=x ${\n");
  CHECK(err.code == Errc::kInterpolation);
  CHECK(err.key_path == "B");
  CHECK(err.message ==
        "invalid interpolation format for B.\n"
        "You may need to escape any $ with another $.\n"
        "x ${");
  REQUIRE(err.at.has_value());
  CHECK(err.at->line == 2);
  CHECK(err.at->col == 3);

  Error quoted = parse_error("A=1\nB = \"need ${X:?X is required}\"\n");
  CHECK(quoted.to_string() == ".env:2:5: B: required variable X is missing a value: X is required");
  Error unquoted = parse_error("A=${EMPTY:?}", {{"EMPTY", ""}});
  CHECK(unquoted.to_string() == ".env:1:3: A: required variable EMPTY is missing a value");
}

TEST_CASE("load_dotenv_file merges into the map, later files win", "[dotenv]") {
  MemFileReader fs;
  fs.add("/p/base.env", "HOST=localhost\nURL=\"http://${HOST}\"\nONLY_BASE=1\n");
  fs.add("/p/override.env", "HOST=dev.example.com\nURL=\"http://${HOST}\"\n");
  EnvMap env;
  REQUIRE(load_dotenv_file(fs, "/p/base.env", lookup_in({}), env).ok());
  REQUIRE(load_dotenv_file(fs, "/p/override.env", lookup_in({}), env).ok());
  CHECK(env == EnvMap{{"HOST", "dev.example.com"}, {"URL", "http://dev.example.com"}, {"ONLY_BASE", "1"}});

  EnvMap os = {{"HOST", "host.local"}};
  EnvMap from_os;
  REQUIRE(load_dotenv_file(fs, "/p/base.env", lookup_in(os), from_os).ok());
  REQUIRE(load_dotenv_file(fs, "/p/override.env", lookup_in(os), from_os).ok());
  CHECK(from_os.at("HOST") == "dev.example.com");
  CHECK(from_os.at("URL") == "http://host.local");
}

TEST_CASE("load_dotenv_file: earlier files answer ${VAR} and bare keys", "[dotenv]") {
  MemFileReader fs;
  fs.add("/p/a.env", "A=1\n");
  fs.add("/p/b.env", "B=${A}2\nA\n");
  EnvMap env;
  REQUIRE(load_dotenv_file(fs, "/p/a.env", lookup_in({}), env).ok());
  REQUIRE(load_dotenv_file(fs, "/p/b.env", lookup_in({}), env).ok());
  CHECK(env == EnvMap{{"A", "1"}, {"B", "12"}});
}

TEST_CASE("load_dotenv_file errors leave the map untouched", "[dotenv]") {
  MemFileReader fs;
  fs.add("/p/bad.env", "GOOD=1\nBAD KEY=2\n");
  EnvMap env = {{"KEEP", "me"}};
  auto st = load_dotenv_file(fs, "/p/bad.env", lookup_in({}), env);
  REQUIRE_FALSE(st.ok());
  CHECK(st.error().to_string() == "/p/bad.env:2:4: key cannot contain a space: \"BAD KEY\"");
  CHECK(env == EnvMap{{"KEEP", "me"}});

  auto missing = load_dotenv_file(fs, "/p/none.env", lookup_in({}), env);
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.error().code == Errc::kNotFound);
  CHECK(missing.error().message == "open /p/none.env: no such file or directory");
}

TEST_CASE("invalid UTF-8 in a .env file is an error at its position", "[dotenv]") {
  auto list = parse_dotenv("A=1\nDB_PASSWORD=secr\xa3t\n", "/p/.env", lookup_in({}));
  REQUIRE_FALSE(list.ok());
  REQUIRE(list.error().at.has_value());
  CHECK(list.error().at->file == "/p/.env");
  CHECK(list.error().at->line == 2);
  CHECK(list.error().at->col == 17);
  CHECK(list.error().message == "invalid UTF-8 byte in input");
}
