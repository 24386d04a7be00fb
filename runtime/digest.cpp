#include "racker/runtime/digest.h"

#include <fcntl.h>
#include <openssl/evp.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

namespace racker::runtime {

Result<Digest> Digest::parse(std::string_view text) {
  constexpr std::string_view kPrefix = "sha256:";
  auto bad = [&](const char* why) {
    return Error(Errc::kInvalidArgument, "invalid digest \"" + std::string(text) + "\": " + why);
  };
  if (text.substr(0, kPrefix.size()) != kPrefix) {
    if (text.find(':') != std::string_view::npos) return bad("unsupported algorithm (only sha256)");
    return bad("missing \"sha256:\" prefix");
  }
  std::string_view hex = text.substr(kPrefix.size());
  if (hex.size() != 64) return bad("expected 64 hex digits");
  for (char c : hex)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return bad("not lowercase hex");
  return Digest(std::string(hex));
}

Sha256::Sha256() : ctx_(EVP_MD_CTX_new()) {
  EVP_DigestInit_ex(static_cast<EVP_MD_CTX*>(ctx_), EVP_sha256(), nullptr);
}

Sha256::~Sha256() { EVP_MD_CTX_free(static_cast<EVP_MD_CTX*>(ctx_)); }

void Sha256::update(const void* data, size_t size) {
  EVP_DigestUpdate(static_cast<EVP_MD_CTX*>(ctx_), data, size);
}

Digest Sha256::finish() {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_DigestFinal_ex(static_cast<EVP_MD_CTX*>(ctx_), md, &len);
  static const char kHex[] = "0123456789abcdef";
  std::string hex;
  hex.reserve(len * 2);
  for (unsigned i = 0; i < len; ++i) {
    hex.push_back(kHex[md[i] >> 4]);
    hex.push_back(kHex[md[i] & 15]);
  }
  return Digest::from_hex(std::move(hex));
}

Digest sha256_of(std::string_view bytes) {
  Sha256 h;
  h.update(bytes);
  return h.finish();
}

Result<Digest> sha256_of_file(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Error(Errc::kIo, "open " + path + ": " + std::strerror(errno));
  Sha256 h;
  std::vector<char> buf(1 << 20);
  for (;;) {
    ssize_t n = ::read(fd, buf.data(), buf.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      int err = errno;
      ::close(fd);
      return Error(Errc::kIo, "read " + path + ": " + std::strerror(err));
    }
    if (n == 0) break;
    h.update(buf.data(), static_cast<size_t>(n));
  }
  ::close(fd);
  return h.finish();
}

Status check_digest(const Digest& expected, const Digest& actual, std::string_view what) {
  if (expected == actual) return ok_status();
  return Error(Errc::kIo, std::string(what) + ": digest mismatch: expected " + expected.str() + ", got " +
                              actual.str());
}

}  // namespace racker::runtime
