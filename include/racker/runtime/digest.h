#pragma once
// Content digests as OCI names them ("sha256:<64 hex>"), and a streaming
// sha256 hasher. Every blob racker stores is checked against its digest
// before anything trusts it.

#include <cstddef>
#include <string>
#include <string_view>

#include "racker/util/error.h"

namespace racker::runtime {

// A validated "sha256:<hex>" digest. Only sha256 is accepted: it is what
// every registry and image in use produces.
class Digest {
 public:
  Digest() = default;
  // kInvalidArgument unless `text` is "sha256:" + 64 lowercase hex digits.
  static Result<Digest> parse(std::string_view text);
  // REQUIRES: hex is 64 lowercase hex digits.
  static Digest from_hex(std::string hex) { return Digest(std::move(hex)); }

  const std::string& hex() const { return hex_; }
  std::string str() const { return "sha256:" + hex_; }
  std::string short_id() const { return hex_.substr(0, 12); }  // docker's 12-char id
  bool empty() const { return hex_.empty(); }
  bool operator==(const Digest&) const = default;
  auto operator<=>(const Digest&) const = default;

 private:
  explicit Digest(std::string hex) : hex_(std::move(hex)) {}
  std::string hex_;
};

// Incremental sha256. Not thread-safe; one per stream.
class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;

  void update(const void* data, size_t size);
  void update(std::string_view s) { update(s.data(), s.size()); }
  Digest finish();  // REQUIRES: called once

 private:
  void* ctx_;  // EVP_MD_CTX, kept out of the header
};

Digest sha256_of(std::string_view bytes);
// Hashes a whole file; kIo when it cannot be read.
Result<Digest> sha256_of_file(const std::string& path);

// kIo "<what>: digest mismatch: expected X, got Y" when they differ.
Status check_digest(const Digest& expected, const Digest& actual, std::string_view what);

}  // namespace racker::runtime
