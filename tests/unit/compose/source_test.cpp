#include "racker/compose/source.h"

#include <catch2/catch.hpp>

using namespace racker;
using namespace racker::compose;

TEST_CASE("parse_yaml keeps marks of keys and values", "[source]") {
  auto doc = parse_yaml("services:\n  web:\n    image: nginx\n", "compose.yaml");
  REQUIRE(doc.ok());
  const Node* image = doc->find("services")->find("web")->find("image");
  REQUIRE(image);
  CHECK(image->scalar == "nginx");
  CHECK(image->mark.file() == "compose.yaml");
  CHECK(image->mark.line == 3);
  CHECK(image->mark.col == 12);
  CHECK(doc->find("services")->entries[0].key_mark.line == 2);
  CHECK(doc->find("services")->entries[0].key_mark.col == 3);
}

TEST_CASE("parse_yaml tells quoted from plain scalars", "[source]") {
  auto doc = parse_yaml("a: 1\nb: \"1\"\nc: yes\nd: ~\ne:\nf: 'true'\n", "f.yaml");
  REQUIRE(doc.ok());
  CHECK(doc->find("a")->style == ScalarStyle::kPlain);
  CHECK(doc->find("a")->as_int() == 1);
  CHECK(doc->find("b")->style == ScalarStyle::kQuoted);
  CHECK_FALSE(doc->find("b")->as_bool().has_value());
  CHECK(doc->find("c")->scalar == "yes");
  CHECK_FALSE(doc->find("c")->as_bool().has_value());  // YAML 1.2: yes is a string
  CHECK(doc->find("d")->is_null());
  CHECK(doc->find("e")->is_null());
  CHECK(doc->find("f")->style == ScalarStyle::kQuoted);
}

TEST_CASE("parse_yaml resolves anchors, aliases and merge keys", "[source]") {
  const char* text =
      "x-base: &base\n"
      "  image: busybox\n"
      "  restart: always\n"
      "x-more: &more\n"
      "  restart: no\n"
      "  user: nobody\n"
      "services:\n"
      "  a:\n"
      "    <<: [*base, *more]\n"
      "    image: alpine\n"
      "  b: *base\n";
  auto doc = parse_yaml(text, "f.yaml");
  REQUIRE(doc.ok());
  const Node* a = doc->find("services")->find("a");
  CHECK(a->find("image")->scalar == "alpine");     // own key wins
  CHECK(a->find("restart")->scalar == "always");   // earlier merge source wins
  CHECK(a->find("user")->scalar == "nobody");
  CHECK(a->find("<<") == nullptr);
  CHECK(doc->find("services")->find("b")->find("image")->scalar == "busybox");
  CHECK(doc->find("x-base") != nullptr);
}

TEST_CASE("parse_yaml keeps !reset and !override tags", "[source]") {
  auto doc = parse_yaml("ports: !reset []\nenvironment: !override\n  A: b\n", "f.yaml");
  REQUIRE(doc.ok());
  CHECK(doc->find("ports")->tag == "!reset");
  CHECK(doc->find("environment")->tag == "!override");
  CHECK(doc->find("environment")->find("A")->scalar == "b");
}

TEST_CASE("parse_yaml reports syntax errors with file, line and column", "[source]") {
  auto doc = parse_yaml("services:\n  web:\n    image: [nginx\n", "compose.yaml");
  REQUIRE_FALSE(doc.ok());
  CHECK(doc.error().code == Errc::kParse);
  REQUIRE(doc.error().at.has_value());
  CHECK(doc.error().at->file == "compose.yaml");
  CHECK(doc.error().at->line >= 3);
}

TEST_CASE("parse_yaml rejects duplicate keys", "[source]") {
  auto doc = parse_yaml("services:\n  web: {}\n  web: {}\n", "compose.yaml");
  REQUIRE_FALSE(doc.ok());
  CHECK(doc.error().to_string() == "compose.yaml:3:3: mapping key \"web\" already defined");
}

TEST_CASE("parse_yaml rejects non-scalar keys", "[source]") {
  auto doc = parse_yaml("? [a, b]\n: c\n", "f.yaml");
  REQUIRE_FALSE(doc.ok());
  CHECK(doc.error().message.find("mapping keys must be strings") != std::string::npos);
}

TEST_CASE("parse_yaml stops alias bombs", "[source]") {
  std::string text = "a: &a [x, x, x, x, x, x, x, x, x, x]\n";
  char prev = 'a';
  for (char c = 'b'; c <= 'k'; ++c) {
    text += std::string(1, c) + ": &" + c + " [";
    for (int i = 0; i < 10; ++i) text += std::string(i ? ", *" : "*") + prev;
    text += "]\n";
    prev = c;
  }
  auto doc = parse_yaml(text, "bomb.yaml");
  REQUIRE_FALSE(doc.ok());
  CHECK(doc.error().message.find("too large") != std::string::npos);
}

TEST_CASE("parse_yaml of an empty document is null", "[source]") {
  auto doc = parse_yaml("", "empty.yaml");
  REQUIRE(doc.ok());
  CHECK(doc->is_null());
}

TEST_CASE("parse_yaml rejects a second document at its first node", "[source]") {
  auto doc = parse_yaml("a: 1\n---\nb: 2\n", "f.yaml");
  REQUIRE_FALSE(doc.ok());
  CHECK(doc.error().to_string() == "f.yaml:3:1: expected a single YAML document, found several");
  // A lone end marker or a leading start marker is still one document.
  CHECK(parse_yaml("---\na: 1\n...\n", "f.yaml").ok());
}

TEST_CASE("parse_yaml stops on stray flow punctuation instead of looping", "[source]") {
  for (const char* text : {",\n", "a: 1\n]\n", "---\n,\n---\n,\n"}) {
    auto doc = parse_yaml(text, "f.yaml");
    INFO(text);
    REQUIRE_FALSE(doc.ok());
    CHECK(doc.error().code == Errc::kParse);
    REQUIRE(doc.error().at.has_value());
    CHECK(doc.error().at->line >= 1);
  }
}

TEST_CASE("parse_yaml rejects an alias inside its own anchor", "[source]") {
  auto doc = parse_yaml("a: &x [1, *x]\n", "f.yaml");
  REQUIRE_FALSE(doc.ok());
  CHECK(doc.error().to_string() == "f.yaml:1:11: anchor 'x' is used inside its own definition");
}

TEST_CASE("parse_yaml keeps anchored nulls, tagged nulls and explicit string tags", "[source]") {
  auto doc = parse_yaml("a: &n\nb: *n\nc: !reset\nd: !!str 12\ne: '<<'\n", "f.yaml");
  REQUIRE(doc.ok());
  CHECK(doc->find("a")->is_null());
  CHECK(doc->find("b")->is_null());
  CHECK(doc->find("c")->is_null());
  CHECK(doc->find("c")->tag == "!reset");
  CHECK(doc->find("d")->scalar == "12");
  CHECK(doc->find("d")->style == ScalarStyle::kQuoted);
  CHECK(doc->find("e")->scalar == "<<");  // a quoted "<<" is an ordinary key's value
}

TEST_CASE("parse_yaml rejects a quoted merge key's duplicate like any key", "[source]") {
  auto doc = parse_yaml("b: &b {x: 1}\nm:\n  '<<': 1\n  '<<': 2\n", "f.yaml");
  REQUIRE_FALSE(doc.ok());
  CHECK(doc.error().to_string() == "f.yaml:4:3: mapping key \"<<\" already defined");
}

TEST_CASE("overlong and out-of-range UTF-8 lead bytes are rejected with their position", "[source]") {
  for (std::string bad : {std::string("a: \xC1\xB7\n"), std::string("a: \xC0\x80\n"), std::string("a: \xF5\x80\x80\x80\n")}) {
    auto node = racker::compose::parse_yaml(bad, "c.yaml");
    REQUIRE_FALSE(node.ok());
    CHECK(node.error().message == "invalid UTF-8 byte in input");
    REQUIRE(node.error().at.has_value());
    CHECK(node.error().at->col == 4);
  }
  CHECK(racker::compose::parse_yaml("a: \xC3\xA9\n", "c.yaml").ok());  // é
}
