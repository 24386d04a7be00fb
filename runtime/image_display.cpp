#include "racker/runtime/image_display.h"

#include <cstdio>
#include <ctime>
#include <nlohmann/json.hpp>

namespace racker::runtime {

std::string human_size(int64_t bytes) {
  static const char* kUnits[] = {"B", "kB", "MB", "GB", "TB", "PB"};
  double v = static_cast<double>(bytes);
  int unit = 0;
  while (v >= 1000.0 && unit < 5) {
    v /= 1000.0;
    ++unit;
  }
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3g%s", v, kUnits[unit]);
  return buf;
}

std::string human_age(const std::string& rfc3339, std::chrono::system_clock::time_point now) {
  struct tm tm {};
  if (rfc3339.size() < 19 || !::strptime(rfc3339.substr(0, 19).c_str(), "%Y-%m-%dT%H:%M:%S", &tm)) return "N/A";
  auto then = std::chrono::system_clock::from_time_t(::timegm(&tm));
  auto secs = std::chrono::duration_cast<std::chrono::seconds>(now - then).count();
  if (secs < 1) return "Less than a second ago";
  auto plural = [](int64_t n, const char* unit) { return std::to_string(n) + " " + unit + (n == 1 ? "" : "s") + " ago"; };
  if (secs < 60) return plural(secs, "second");
  int64_t mins = secs / 60;
  if (mins == 1) return "About a minute ago";
  if (mins < 60) return plural(mins, "minute");
  int64_t hours = mins / 60;
  if (hours == 1) return "About an hour ago";
  if (hours < 48) return plural(hours, "hour");
  int64_t days = hours / 24;
  if (days < 14) return plural(days, "day");
  if (days < 60) return plural(days / 7, "week");
  if (days < 730) return plural(days / 30, "month");
  return plural(days / 365, "year");
}

std::vector<ImageRow> image_rows(const std::vector<ImageRecord>& images, std::chrono::system_clock::time_point now) {
  std::vector<ImageRow> rows;
  for (const auto& img : images) {
    ImageRow base;
    base.id = img.id.short_id();
    base.created = human_age(img.created, now);
    base.created_at = img.created;
    base.size = human_size(img.size);
    if (img.repo_tags.empty()) {
      base.repository = base.tag = "<none>";
      rows.push_back(base);
      continue;
    }
    for (const auto& t : img.repo_tags) {
      ImageRow row = base;
      auto ref = parse_image_ref(t);
      if (ref) {
        row.repository = ref->familiar_repository();
        row.tag = ref->tag.empty() ? "<none>" : ref->tag;
      } else {
        row.repository = t;
        row.tag = "<none>";
      }
      rows.push_back(row);
    }
  }
  return rows;
}

std::string format_image_table(const std::vector<ImageRow>& rows) {
  size_t repo_w = 10, tag_w = 3;
  for (const auto& r : rows) {
    repo_w = std::max(repo_w, r.repository.size());
    tag_w = std::max(tag_w, r.tag.size());
  }
  auto line = [&](const std::string& repo, const std::string& tag, const std::string& id, const std::string& created,
                  const std::string& size) {
    char buf[1024];
    std::snprintf(buf, sizeof buf, "%-*s   %-*s   %-12s   %-18s %s\n", static_cast<int>(repo_w), repo.c_str(),
                  static_cast<int>(tag_w), tag.c_str(), id.c_str(), created.c_str(), size.c_str());
    std::string s = buf;
    return s;
  };
  std::string out = line("REPOSITORY", "TAG", "IMAGE ID", "CREATED", "SIZE");
  for (const auto& r : rows) out += line(r.repository, r.tag, r.id, r.created, r.size);
  return out;
}

std::string format_image_json_lines(const std::vector<ImageRow>& rows) {
  std::string out;
  for (const auto& r : rows) {
    nlohmann::json j{{"Containers", "N/A"},     {"CreatedAt", r.created_at}, {"CreatedSince", r.created},
                     {"Digest", "<none>"},      {"ID", r.id},                {"Repository", r.repository},
                     {"SharedSize", "N/A"},     {"Size", r.size},            {"Tag", r.tag},
                     {"UniqueSize", "N/A"},     {"VirtualSize", r.size}};
    out += j.dump() + "\n";
  }
  return out;
}

std::string inspect_json(const Image& image) {
  using nlohmann::json;
  const auto& r = image.record;
  json tags = json::array(), digests = json::array(), layers = json::array();
  for (const auto& t : r.repo_tags) {
    auto ref = parse_image_ref(t);
    tags.push_back(ref ? ref->familiar() : t);
  }
  for (const auto& d : r.repo_digests) {
    auto ref = parse_image_ref(d);
    digests.push_back(ref ? ref->familiar() : d);
  }
  for (const auto& l : r.layers) layers.push_back(l.str());
  json config = json::parse(image_config_to_json(image.config), nullptr, false);
  return json{{"Id", r.id.str()},
              {"RepoTags", tags},
              {"RepoDigests", digests},
              {"Created", r.created},
              {"Author", image.config.author},
              {"Architecture", r.platform.architecture},
              {"Variant", r.platform.variant},
              {"Os", r.platform.os},
              {"Size", r.size},
              {"Config", config},
              {"RootFS", {{"Type", "layers"}, {"Layers", layers}}},
              {"LayerDirs", image.layer_dirs}}
      .dump(4);
}

}  // namespace racker::runtime
