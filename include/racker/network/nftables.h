#pragma once
// A thin handle on libnftables: racker's firewall rules are written in nft's
// own language and applied as one atomic batch, as `nft -f` would.
// Every table racker creates is named "racker..." so teardown and crash
// cleanup can find them all.

#include <memory>
#include <string>
#include <string_view>

#include "racker/util/error.h"

struct nft_ctx;

namespace racker::network {

class Nftables {
 public:
  static Result<Nftables> open();

  // Applies `commands` (nft syntax, several lines allowed) atomically: either
  // all of them take effect or none. The error carries nft's own message.
  Status run(std::string_view commands);

  // Runs a listing command ("list table inet racker_ports") and returns its
  // text output; an absent table is an error with Errc::kNotFound.
  Result<std::string> list(std::string_view command);

  // True when `family name` exists (e.g. "inet", "racker_ports").
  bool has_table(std::string_view family, std::string_view name);

 private:
  struct Free { void operator()(nft_ctx* ctx) const; };
  explicit Nftables(nft_ctx* ctx) : ctx_(ctx) {}
  std::unique_ptr<nft_ctx, Free> ctx_;
};

}  // namespace racker::network
