#include "path_patterns.h"

#include <algorithm>

namespace racker::compose {

PathPatterns::PathPatterns(const std::vector<std::string_view>& patterns) {
  for (size_t i = 0; i < patterns.size(); ++i) {
    std::string_view p = patterns[i];
    size_t depth = 0;
    while (true) {
      size_t dot = p.find('.');
      std::string_view part = p.substr(0, dot);
      if (levels_.size() <= depth) levels_.resize(depth + 1);
      Level& level = levels_[depth];
      if (part == "*") {
        level.wild |= Set{1} << i;
      } else {
        auto it = std::find_if(level.literal.begin(), level.literal.end(), [&](const auto& l) { return l.first == part; });
        if (it == level.literal.end()) it = level.literal.insert(level.literal.end(), {part, 0});
        it->second |= Set{1} << i;
      }
      ++depth;
      if (dot == std::string_view::npos) break;
      p.remove_prefix(dot + 1);
    }
    length_.push_back(depth);
  }
  for (auto& level : levels_) std::sort(level.literal.begin(), level.literal.end());
  all_ = patterns.size() >= 64 ? ~Set{0} : (Set{1} << patterns.size()) - 1;
}

PathPatterns::Set PathPatterns::step(Set alive, size_t depth, std::string_view segment) const {
  if (depth >= levels_.size()) return 0;
  const Level& level = levels_[depth];
  Set matching = level.wild;
  auto it = std::lower_bound(level.literal.begin(), level.literal.end(), segment,
                             [](const auto& l, std::string_view s) { return l.first < s; });
  if (it != level.literal.end() && it->first == segment) matching |= it->second;
  return alive & matching;
}

int PathPatterns::complete(Set alive, size_t length) const {
  for (Set rest = alive; rest; rest &= rest - 1) {
    int i = __builtin_ctzll(rest);
    if (length_[static_cast<size_t>(i)] == length) return i;
  }
  return -1;
}

bool PathPatterns::deeper(Set alive, size_t length) const {
  for (Set rest = alive; rest; rest &= rest - 1) {
    if (length_[static_cast<size_t>(__builtin_ctzll(rest))] > length) return true;
  }
  return false;
}

}  // namespace racker::compose
