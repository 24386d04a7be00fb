#include "yaml_emit.h"

#include <yaml-cpp/yaml.h>

#include <cctype>
#include <exception>

namespace racker::convert {
namespace {

bool is_number(const std::string& s) {
  size_t i = (s[0] == '-' || s[0] == '+') ? 1 : 0;
  if (i == s.size()) return false;
  bool digit = false;
  for (; i < s.size(); ++i) {
    char c = s[i];
    if (std::isdigit(static_cast<unsigned char>(c))) {
      digit = true;
    } else if (c != '.' && c != 'e' && c != 'E' && c != '_' && c != 'x' && c != 'o' && c != ':' &&
               c != '-' && c != '+' && !(c >= 'a' && c <= 'f') && !(c >= 'A' && c <= 'F')) {
      return false;
    }
  }
  return digit;
}

// Read back as something other than this string when written plain (YAML 1.1
// and 1.2 core schemas: numbers, booleans, nulls, .inf/.nan).
bool needs_quotes(const std::string& s) {
  if (s.empty()) return true;
  std::string lower;
  for (char c : s) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  for (const char* word : {"y", "n", "yes", "no", "on", "off", "true", "false", "null", "~", ".inf", "-.inf",
                           "+.inf", ".nan"}) {
    if (lower == word) return true;
  }
  return is_number(s);
}

void emit(YAML::Emitter& out, const Json& v) {
  switch (v.type()) {
    case Json::value_t::object:
      if (v.empty()) {  // `key: {}` rather than `{}` on a line of its own
        out << YAML::Flow << YAML::BeginMap << YAML::EndMap;
        break;
      }
      out << YAML::BeginMap;
      for (const auto& [k, item] : v.items()) {
        out << YAML::Key;
        if (needs_quotes(k)) out << YAML::DoubleQuoted;
        out << k << YAML::Value;
        emit(out, item);
      }
      out << YAML::EndMap;
      break;
    case Json::value_t::array:
      out << YAML::BeginSeq;
      for (const auto& item : v) emit(out, item);
      out << YAML::EndSeq;
      break;
    case Json::value_t::string: {
      const auto& s = v.get_ref<const std::string&>();
      if (s.find('\n') != std::string::npos) {
        out << YAML::Literal << s;
      } else {
        if (needs_quotes(s)) out << YAML::DoubleQuoted;
        out << s;
      }
      break;
    }
    case Json::value_t::boolean: out << v.get<bool>(); break;
    case Json::value_t::number_integer: out << v.get<int64_t>(); break;
    case Json::value_t::number_unsigned: out << v.get<uint64_t>(); break;
    case Json::value_t::number_float: out << v.get<double>(); break;
    default: out << YAML::Null; break;
  }
}

}  // namespace

Result<std::string> emit_yaml(const Json& value) {
  try {
    YAML::Emitter out;
    out.SetIndent(2);
    out.SetSeqFormat(YAML::Block);
    out.SetMapFormat(YAML::Block);
    emit(out, value);
    if (!out.good()) return Error(Errc::kInternal, "yaml emitter: " + out.GetLastError());
    std::string text = out.c_str();
    return text + "\n";
  } catch (const std::exception& e) {
    return Error(Errc::kInternal, std::string("yaml emitter: ") + e.what());
  }
}

}  // namespace racker::convert
