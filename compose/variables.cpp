#include "racker/compose/variables.h"

#include <algorithm>
#include <array>
#include <cctype>

#include "racker/compose/source.h"

namespace racker::compose {
namespace {

bool name_start(char c) { return std::isalpha(static_cast<unsigned char>(c)) || c == '_'; }
bool name_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }

// Scans one string for templates; nested templates inside defaults are
// scanned too. Malformed templates are skipped: interpolation reports them.
void scan(std::string_view s, std::map<std::string, VariableUse>& out) {
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '$' || i + 1 >= s.size()) continue;
    char next = s[i + 1];
    if (next == '$') {
      ++i;
      continue;
    }
    if (name_start(next)) {
      size_t j = i + 1;
      while (j < s.size() && name_char(s[j])) ++j;
      std::string name(s.substr(i + 1, j - i - 1));
      out.try_emplace(name).first->second.name = name;
      i = j - 1;
      continue;
    }
    if (next != '{') continue;
    size_t j = i + 2;
    while (j < s.size() && name_char(s[j])) ++j;
    std::string name(s.substr(i + 2, j - i - 2));
    // Find the matching close brace, allowing nested ${...}.
    int depth = 1;
    size_t k = j;
    for (; k < s.size() && depth > 0; ++k) {
      if (s[k] == '{') ++depth;
      if (s[k] == '}') --depth;
    }
    if (depth != 0 || name.empty()) continue;
    std::string_view rest = s.substr(j, k - 1 - j);  // operator and argument
    VariableUse& use = out.try_emplace(name).first->second;
    use.name = name;
    auto arg = [&](size_t op_len) { return std::string(rest.substr(op_len)); };
    if (rest.rfind(":-", 0) == 0) use.default_value = arg(2);
    else if (rest.rfind(":?", 0) == 0 || rest.rfind("?", 0) == 0) use.required = true;
    else if (rest.rfind(":+", 0) == 0) use.alternate_value = arg(2);
    else if (rest.rfind("-", 0) == 0) use.default_value = arg(1);
    else if (rest.rfind("+", 0) == 0) use.alternate_value = arg(1);
    scan(rest, out);
    i = k - 1;
  }
}

void walk(const Node& n, std::map<std::string, VariableUse>& out) {
  switch (n.kind) {
    case NodeKind::kScalar: scan(n.scalar, out); break;
    case NodeKind::kSequence:
      for (const auto& item : n.items) walk(item, out);
      break;
    case NodeKind::kMapping:
      for (const auto& e : n.entries) walk(e.value, out);
      break;
    case NodeKind::kNull: break;
  }
}

}  // namespace

std::map<std::string, VariableUse> variables_in(const Node& doc) {
  std::map<std::string, VariableUse> out;
  walk(doc, out);
  return out;
}

Result<std::map<std::string, VariableUse>> collect_variables(const std::vector<std::string>& files,
                                                            FileReader& reader) {
  std::map<std::string, VariableUse> out;
  for (const auto& f : files) {
    auto text = reader.read(f);
    if (!text) return text.error();
    auto doc = parse_yaml(*text, f);
    if (!doc) return doc.error();
    for (auto& [name, use] : variables_in(*doc)) out.insert_or_assign(name, use);
  }
  return out;
}

std::string format_variables_table(const std::map<std::string, VariableUse>& vars) {
  const char* headers[] = {"NAME", "REQUIRED", "DEFAULT VALUE", "ALTERNATE VALUE"};
  std::vector<std::array<std::string, 4>> rows;
  for (const auto& [name, v] : vars)
    rows.push_back({name, v.required ? "true" : "false", v.default_value, v.alternate_value});
  size_t width[4];
  for (int c = 0; c < 4; ++c) {
    width[c] = std::string(headers[c]).size();
    for (const auto& r : rows) width[c] = std::max(width[c], r[c].size());
  }
  auto line = [&](const std::array<std::string, 4>& cells) {
    std::string out;
    for (int c = 0; c < 4; ++c) {
      out += cells[c];
      if (c < 3) out += std::string(width[c] - cells[c].size() + 3, ' ');
    }
    while (!out.empty() && out.back() == ' ') out.pop_back();
    return out + "\n";
  };
  std::string out = line({headers[0], headers[1], headers[2], headers[3]});
  for (const auto& r : rows) out += line(r);
  return out;
}

}  // namespace racker::compose
