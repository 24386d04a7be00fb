#pragma once
// Private to the compose library: a table of key-path patterns compiled for
// walks over a document. A pattern is dot-separated, `*` matching any one
// segment (a key, or "[]" for a sequence item): `services.*.ports`. A walk
// carries the set of patterns that still match the path so far (a bit per
// pattern), so it never re-splits a pattern and only descends where one can
// still match: most of a document is never visited.

#include <cstdint>
#include <string_view>
#include <utility>
#include <vector>

namespace racker::compose {

class PathPatterns {
 public:
  using Set = uint64_t;

  // At most 64 patterns; they must outlive this object.
  explicit PathPatterns(const std::vector<std::string_view>& patterns);

  // Builds one from a table of rows with a `pattern` member.
  template <class Row, size_t N>
  static PathPatterns of(const Row (&rows)[N]) {
    static_assert(N <= 64, "one bit per pattern");
    std::vector<std::string_view> patterns;
    for (const Row& r : rows) patterns.emplace_back(r.pattern);
    return PathPatterns(patterns);
  }

  Set all() const { return all_; }
  // The patterns of `alive` (which match the first `depth` segments) whose
  // next segment matches `segment`.
  Set step(Set alive, size_t depth, std::string_view segment) const;
  // The first pattern (table order) of `alive` that is exactly `length`
  // segments long, or -1.
  int complete(Set alive, size_t length) const;
  // Whether a pattern of `alive` is longer than `length`: worth descending.
  bool deeper(Set alive, size_t length) const;

 private:
  // Per depth: the patterns with `*` there, and those with a literal
  // segment there (sorted by segment, for a binary search).
  struct Level {
    Set wild = 0;
    std::vector<std::pair<std::string_view, Set>> literal;
  };
  std::vector<Level> levels_;
  std::vector<size_t> length_;  // per pattern, in segments
  Set all_ = 0;
};

}  // namespace racker::compose
