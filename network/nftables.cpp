#include "racker/network/nftables.h"

#include <nftables/libnftables.h>

#include <string>

namespace racker::network {

void Nftables::Free::operator()(nft_ctx* ctx) const { nft_ctx_free(ctx); }

Result<Nftables> Nftables::open() {
  nft_ctx* ctx = nft_ctx_new(NFT_CTX_DEFAULT);
  if (!ctx) return Error(Errc::kInternal, "nftables: cannot create a libnftables context");
  // Capture both streams so errors reach racker's messages, not stderr.
  nft_ctx_buffer_output(ctx);
  nft_ctx_buffer_error(ctx);
  return Nftables(ctx);
}

namespace {

std::string trimmed(const char* text) {
  std::string s = text ? text : "";
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

}  // namespace

Status Nftables::run(std::string_view commands) {
  std::string buffer(commands);  // libnftables wants a NUL-terminated string
  if (nft_run_cmd_from_buffer(ctx_.get(), buffer.c_str()) != 0) {
    std::string why = trimmed(nft_ctx_get_error_buffer(ctx_.get()));
    return Error(Errc::kIo, "nftables: " + (why.empty() ? std::string("command failed") : why));
  }
  return ok_status();
}

Result<std::string> Nftables::list(std::string_view command) {
  std::string buffer(command);
  if (nft_run_cmd_from_buffer(ctx_.get(), buffer.c_str()) != 0) {
    std::string why = trimmed(nft_ctx_get_error_buffer(ctx_.get()));
    Errc code = why.find("No such file or directory") != std::string::npos ? Errc::kNotFound : Errc::kIo;
    return Error(code, "nftables: " + why);
  }
  return std::string(nft_ctx_get_output_buffer(ctx_.get()));
}

bool Nftables::has_table(std::string_view family, std::string_view name) {
  return list("list table " + std::string(family) + " " + std::string(name)).ok();
}

}  // namespace racker::network
