#include "racker/convert/output.h"

namespace racker::convert {

std::string warning_comments(const std::vector<Warning>& warnings, const std::string* subject,
                             const std::string& prefix) {
  std::string out;
  for (const auto& w : warnings) {
    if (subject && w.subject != *subject) continue;
    std::string text = w.text;
    for (size_t i = 0; (i = text.find('\n', i)) != std::string::npos;) text.replace(i, 1, " ");
    out += "#   - " + text + "\n";
  }
  return out.empty() ? out : "# " + prefix + "\n" + out;
}

}  // namespace racker::convert
