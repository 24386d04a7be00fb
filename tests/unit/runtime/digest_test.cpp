#include "racker/runtime/digest.h"

#include <catch2/catch.hpp>

using namespace racker;
using namespace racker::runtime;

TEST_CASE("sha256 of known inputs", "[digest]") {
  CHECK(sha256_of("").str() == "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  Sha256 h;
  h.update("ab");
  h.update("c");
  CHECK(h.finish().hex() == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST_CASE("digest parsing accepts only sha256 lowercase hex", "[digest]") {
  std::string hex(64, '0');
  CHECK(Digest::parse("sha256:" + hex).ok());
  CHECK(Digest::parse("sha512:" + hex).error().message.find("unsupported algorithm") != std::string::npos);
  CHECK_FALSE(Digest::parse("sha256:" + std::string(64, 'A')).ok());
  CHECK_FALSE(Digest::parse("sha256:abc").ok());
  CHECK_FALSE(Digest::parse(hex).ok());
}

TEST_CASE("check_digest names both digests on mismatch", "[digest]") {
  auto a = sha256_of("a"), b = sha256_of("b");
  CHECK(check_digest(a, a, "blob").ok());
  auto st = check_digest(a, b, "blob x");
  REQUIRE_FALSE(st.ok());
  CHECK(st.error().message == "blob x: digest mismatch: expected " + a.str() + ", got " + b.str());
}
