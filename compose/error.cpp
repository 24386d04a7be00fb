// Error rendering lives with the compose library, the base every module links.
#include "racker/util/error.h"

namespace racker {

const char* errc_name(Errc code) {
  switch (code) {
    case Errc::kInvalidArgument: return "invalid argument";
    case Errc::kParse: return "parse error";
    case Errc::kInterpolation: return "interpolation error";
    case Errc::kValidation: return "validation error";
    case Errc::kCycle: return "cycle";
    case Errc::kNotFound: return "not found";
    case Errc::kConflict: return "conflict";
    case Errc::kIo: return "i/o error";
    case Errc::kUnsupported: return "unsupported";
    case Errc::kPermission: return "permission denied";
    case Errc::kTimeout: return "timeout";
    case Errc::kInternal: return "internal error";
  }
  return "error";
}

std::string Error::to_string() const {
  std::string out;
  if (at && !at->file.empty()) {
    out += at->file;
    if (at->known()) out += ":" + std::to_string(at->line) + ":" + std::to_string(at->col);
    out += ": ";
  }
  if (!key_path.empty()) out += key_path + ": ";
  out += message;
  for (const auto& c : context) out += "\n  (" + c + ")";
  return out;
}

}  // namespace racker
