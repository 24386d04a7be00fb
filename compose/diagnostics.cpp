// Rendering loader errors the way ninja and compilers do: the GCC-style line,
// then the offending source line and a caret under the column.
#include "racker/compose/load.h"

#include <algorithm>
#include <tuple>

#include "load_internal.h"

namespace racker::compose {

std::string render_error(const Error& err, FileReader& files) {
  std::string out = err.to_string();
  if (!err.at || !err.at->known() || err.at->file.empty()) return out;
  auto text = files.read(err.at->file);
  if (!text) return out;
  // Find the line (1-based) in the file.
  size_t start = 0;
  for (int line = 1; line < err.at->line; ++line) {
    size_t nl = text->find('\n', start);
    if (nl == std::string::npos) return out;
    start = nl + 1;
  }
  size_t end = text->find('\n', start);
  std::string source = text->substr(start, end == std::string::npos ? std::string::npos : end - start);
  if (!source.empty() && source.back() == '\r') source.pop_back();
  if (source.size() > 200) return out;  // minified or binary input: the caret would not help
  for (char ch : source) {
    unsigned char c = static_cast<unsigned char>(ch);
    // Control bytes would garble the terminal; with non-ASCII text the caret
    // (placed by byte column) would not line up.
    if ((c < 0x20 && c != '\t') || c >= 0x7F) return out;
  }
  // Put the source and caret before any context lines.
  std::string head = out, tail;
  if (auto pos = out.find("\n  ("); pos != std::string::npos) {
    head = out.substr(0, pos);
    tail = out.substr(pos);
  }
  std::string caret;
  for (int i = 1; i < err.at->col && i <= static_cast<int>(source.size()); ++i)
    caret += source[i - 1] == '\t' ? '\t' : ' ';
  caret += '^';
  return head + "\n" + source + "\n" + caret + tail;
}

void sort_by_position(std::vector<Error>& errors) {
  std::stable_sort(errors.begin(), errors.end(), [](const Error& a, const Error& b) {
    auto key = [](const Error& e) {
      bool known = e.at && e.at->known();
      return std::make_tuple(!known, known ? e.at->file : std::string(), known ? e.at->line : 0,
                             known ? e.at->col : 0);
    };
    return key(a) < key(b);
  });
}

}  // namespace racker::compose
