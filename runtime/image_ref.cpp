#include "racker/runtime/image_ref.h"

#include <cctype>
#include <vector>

namespace racker::runtime {
namespace {

constexpr size_t kMaxNameLength = 255;
constexpr size_t kMaxTagLength = 128;

Error invalid(std::string_view why = {}) {
  std::string msg = "invalid reference format";
  if (!why.empty()) msg += ": " + std::string(why);
  return Error(Errc::kInvalidArgument, msg);
}

bool is_lower_alnum(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }

// One path component: lowercase alphanumerics joined by ".", "_", "__" or runs of "-".
bool valid_component(std::string_view c) {
  if (c.empty() || !is_lower_alnum(c.front()) || !is_lower_alnum(c.back())) return false;
  for (size_t i = 0; i < c.size();) {
    if (is_lower_alnum(c[i])) {
      ++i;
      continue;
    }
    size_t j = i;
    while (j < c.size() && !is_lower_alnum(c[j])) ++j;
    std::string_view sep = c.substr(i, j - i);
    bool dashes = sep.find_first_not_of('-') == std::string_view::npos;
    if (!(sep == "." || sep == "_" || sep == "__" || dashes)) return false;
    i = j;
  }
  return true;
}

// host[:port], host made of dot-separated labels of [A-Za-z0-9-], or [ipv6].
bool valid_domain(std::string_view d) {
  std::string_view host = d, port;
  if (!d.empty() && d.front() == '[') {
    size_t close = d.find(']');
    if (close == std::string_view::npos) return false;
    host = d.substr(0, close + 1);
    std::string_view rest = d.substr(close + 1);
    if (!rest.empty()) {
      if (rest.front() != ':') return false;
      port = rest.substr(1);
      if (port.empty()) return false;
    }
    for (char c : host.substr(1, host.size() - 2))
      if (!(std::isxdigit(static_cast<unsigned char>(c)) || c == ':')) return false;
  } else {
    size_t colon = d.find(':');
    if (colon != std::string_view::npos) {
      host = d.substr(0, colon);
      port = d.substr(colon + 1);
      if (port.empty()) return false;
    }
    if (host.empty()) return false;
    size_t start = 0;
    while (start <= host.size()) {
      size_t dot = host.find('.', start);
      std::string_view label = host.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start);
      if (label.empty() || label.front() == '-' || label.back() == '-') return false;
      for (char c : label)
        if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-')) return false;
      if (dot == std::string_view::npos) break;
      start = dot + 1;
    }
  }
  for (char c : port)
    if (!std::isdigit(static_cast<unsigned char>(c))) return false;
  return true;
}

bool valid_tag(std::string_view t) {
  if (t.empty() || t.size() > kMaxTagLength) return false;
  auto word = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; };
  if (!word(t.front())) return false;
  for (char c : t)
    if (!(word(c) || c == '.' || c == '-')) return false;
  return true;
}

}  // namespace

Result<ImageRef> parse_image_ref(std::string_view text) {
  if (text.empty()) return invalid();
  ImageRef ref;
  std::string_view name = text;

  if (size_t at = name.find('@'); at != std::string_view::npos) {
    auto digest = Digest::parse(name.substr(at + 1));
    if (!digest) return invalid();
    ref.digest = *digest;
    name = name.substr(0, at);
  }
  size_t last_slash = name.rfind('/');
  size_t last_colon = name.rfind(':');
  if (last_colon != std::string_view::npos && (last_slash == std::string_view::npos || last_colon > last_slash)) {
    std::string_view tag = name.substr(last_colon + 1);
    if (!valid_tag(tag)) return invalid();
    ref.tag = std::string(tag);
    name = name.substr(0, last_colon);
  }
  if (name.empty()) return invalid();

  // docker's rule: the first component is a registry if it has a "." or ":",
  // is "localhost", or has uppercase letters (never valid in a repository path).
  std::string_view path = name;
  size_t slash = name.find('/');
  if (slash != std::string_view::npos) {
    std::string_view first = name.substr(0, slash);
    bool has_upper = false;
    for (char c : first) has_upper |= std::isupper(static_cast<unsigned char>(c)) != 0;
    if (first.find_first_of(".:") != std::string_view::npos || first == "localhost" || has_upper) {
      if (!valid_domain(first)) return invalid();
      ref.domain = std::string(first);
      path = name.substr(slash + 1);
    }
  }
  if (ref.domain.empty() || ref.domain == "index.docker.io") ref.domain = std::string(kDockerHubDomain);
  if (ref.domain == kDockerHubDomain && path.find('/') == std::string_view::npos)
    ref.path = "library/" + std::string(path);
  else
    ref.path = std::string(path);

  size_t start = 0;
  for (;;) {
    size_t next = ref.path.find('/', start);
    std::string_view comp = std::string_view(ref.path).substr(start, next == std::string::npos ? std::string::npos : next - start);
    if (!valid_component(comp)) {
      for (char c : comp)
        if (std::isupper(static_cast<unsigned char>(c))) return invalid("repository name must be lowercase");
      return invalid();
    }
    if (next == std::string::npos) break;
    start = next + 1;
  }
  if (ref.domain.size() + 1 + ref.path.size() > kMaxNameLength) return invalid("repository name must not be more than 255 characters");
  if (ref.tag.empty() && !ref.digest) ref.tag = "latest";
  return ref;
}

std::string ImageRef::str() const {
  std::string s = repository();
  if (!tag.empty()) s += ":" + tag;
  if (digest) s += "@" + digest->str();
  return s;
}

std::string ImageRef::familiar_repository() const {
  if (domain != kDockerHubDomain) return repository();
  constexpr std::string_view kLibrary = "library/";
  if (path.compare(0, kLibrary.size(), kLibrary) == 0 && path.find('/', kLibrary.size()) == std::string::npos)
    return path.substr(kLibrary.size());
  return path;
}

std::string ImageRef::familiar() const {
  std::string s = familiar_repository();
  if (!tag.empty()) s += ":" + tag;
  if (digest) s += "@" + digest->str();
  return s;
}

bool looks_like_image_id(std::string_view text) {
  if (text.substr(0, 7) == "sha256:") return Digest::parse(text).ok();
  if (text.size() < 12 || text.size() > 64) return false;
  for (char c : text)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  return true;
}

}  // namespace racker::runtime
