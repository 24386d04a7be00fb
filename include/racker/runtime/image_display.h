#pragma once
// How image commands show things, docker's way: sizes ("117MB"), ages
// ("2 weeks ago"), `racker images` rows and `image inspect` JSON. Pure, so
// the CLI stays thin and the wording is unit-tested.

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "racker/runtime/image_store.h"

namespace racker::runtime {

// Decimal units with 3 significant digits: "5.6kB", "117MB", "1.23GB".
std::string human_size(int64_t bytes);
// "About a minute ago", "3 hours ago", "2 weeks ago"; "N/A" for unparsable times.
std::string human_age(const std::string& rfc3339, std::chrono::system_clock::time_point now);

struct ImageRow {
  std::string repository, tag, id, created, size;  // id: 12 hex; "<none>" for untagged
  std::string created_at;                           // raw timestamp for JSON
};
// One row per tag (one "<none>" row for an untagged image), in list order.
std::vector<ImageRow> image_rows(const std::vector<ImageRecord>& images, std::chrono::system_clock::time_point now);
// The `racker images` table, header included.
std::string format_image_table(const std::vector<ImageRow>& rows);
// One JSON object per line, docker's `--format json` keys.
std::string format_image_json_lines(const std::vector<ImageRow>& rows);

// `racker image inspect`: a JSON array element for one image (Id, RepoTags,
// RepoDigests, Created, Architecture, Os, Size, Config, RootFS, and racker's
// own "LayerDirs").
std::string inspect_json(const Image& image);

}  // namespace racker::runtime
