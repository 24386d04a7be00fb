// .env parsing with the rules of compose-go's dotenv parser (derived from
// godotenv), plus line:col marks on every error.
#include "racker/compose/dotenv.h"
#include "racker/compose/source.h"

#include <map>
#include <optional>

#include "interpolate_internal.h"

namespace racker::compose {
namespace {

constexpr std::string_view kUtf8Bom = "\xEF\xBB\xBF";

// Byte length of the blank at s[i], or 0. Blanks are compose-go's spaces that
// are not line breaks: \t \v \f \r ' ' U+0085 U+00A0.
size_t blank_len(std::string_view s, size_t i) {
  char c = s[i];
  if (c == ' ' || c == '\t' || c == '\v' || c == '\f' || c == '\r') return 1;
  if (c == '\xC2' && i + 1 < s.size() && (s[i + 1] == '\x85' || s[i + 1] == '\xA0')) return 2;
  return 0;
}

size_t skip_blanks(std::string_view s, size_t i) {
  while (i < s.size()) {
    size_t n = blank_len(s, i);
    if (n == 0) break;
    i += n;
  }
  return i;
}

std::string_view trim_right(std::string_view s) {
  for (;;) {
    if (!s.empty() && (s.back() == '\n' || blank_len(s, s.size() - 1) == 1)) {
      s.remove_suffix(1);
    } else if (s.size() >= 2 && blank_len(s, s.size() - 2) == 2) {
      s.remove_suffix(2);
    } else {
      return s;
    }
  }
}

// Variable names: letters, digits and _ . - [ ]. Bytes of multi-byte UTF-8
// characters pass, so non-ASCII letters work as in compose-go.
bool is_key_char(char c) {
  unsigned char u = static_cast<unsigned char>(c);
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '.' ||
         c == '-' || c == '[' || c == ']' || u >= 0x80;
}

// Go's %q, for the short strings quoted in messages.
std::string go_quote(std::string_view s) {
  static const char kHex[] = "0123456789abcdef";
  std::string out = "\"";
  for (char c : s) {
    unsigned char u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (c == '\t') {
      out += "\\t";
    } else if (u < 0x20 || u == 0x7f) {
      out += "\\x";
      out += kHex[u >> 4];
      out += kHex[u & 0xf];
    } else {
      out += c;
    }
  }
  return out + "\"";
}

void append_utf8(std::string& out, unsigned value) {  // value <= 0xFF
  if (value < 0x80) {
    out += static_cast<char>(value);
  } else {
    out += static_cast<char>(0xC0 | (value >> 6));
    out += static_cast<char>(0x80 | (value & 0x3F));
  }
}

// The escapes compose-go expands in double-quoted values: \a \b \f \n \r \t
// \v \\ \" \$ and octal \0NNN. Any other backslash stays as written.
std::string expand_escapes(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '\\' || i + 1 == s.size()) {
      out += s[i];
      continue;
    }
    switch (s[i + 1]) {
      case 'a': out += '\a'; break;
      case 'b': out += '\b'; break;
      case 'f': out += '\f'; break;
      case 'n': out += '\n'; break;
      case 'r': out += '\r'; break;
      case 't': out += '\t'; break;
      case 'v': out += '\v'; break;
      case '\\': out += '\\'; break;
      case '"': out += '"'; break;
      case '$': out += "$$"; break;  // `$$` survives interpolation as a literal $
      case '0': {
        // \0 then up to three digits; only exactly three octal ones (<= 0377)
        // make a character, anything else is kept verbatim.
        size_t end = i + 2;
        while (end < s.size() && end < i + 5 && s[end] >= '0' && s[end] <= '9') ++end;
        std::string_view digits = s.substr(i + 2, end - i - 2);
        unsigned value = 0;
        bool octal = digits.size() == 3;
        for (char d : digits) {
          octal = octal && d <= '7';
          value = value * 8 + static_cast<unsigned>(d - '0');
        }
        if (octal && value <= 0xFF) {
          append_utf8(out, value);
        } else {
          out.append(s.substr(i, end - i));
        }
        i = end - 1;
        continue;
      }
      default:
        out += '\\';  // not an escape: keep it and read the next char as usual
        continue;
    }
    ++i;
  }
  return out;
}

// Carriage returns before line feeds go: a Windows-edited file gives the same
// values as its Unix twin, multi-line quoted values included.
std::string normalized(std::string_view text) {
  if (text.substr(0, kUtf8Bom.size()) == kUtf8Bom) text.remove_prefix(kUtf8Bom.size());
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\r' && i + 1 < text.size() && text[i + 1] == '\n') continue;
    out += text[i];
  }
  return out;
}

class Parser {
 public:
  // Assigns into `env` (which also answers ${VAR} after `lookup`) and, when
  // `list` is set, records the keys in file order there too.
  Parser(std::string_view text, const std::string& file, const Lookup& lookup, EnvMap& env, EnvList* list)
      : text_(normalized(text)), file_(file), lookup_(lookup), env_(env), list_(list) {
    resolver_ = [this](std::string_view name) { return resolve(name); };
  }
  Parser(const Parser&) = delete;
  Parser& operator=(const Parser&) = delete;

  Status parse() {
    for (;;) {
      skip_blank_lines_and_comments();
      if (pos_ >= text_.size()) return {};
      if (auto st = parse_statement(); !st) return st;
    }
  }

 private:
  void skip_blank_lines_and_comments() {
    while (pos_ < text_.size()) {
      if (text_[pos_] == '\n') {
        ++pos_;
      } else if (size_t n = blank_len(text_, pos_)) {
        pos_ += n;
      } else if (text_[pos_] == '#') {
        size_t eol = text_.find('\n', pos_);
        pos_ = eol == std::string::npos ? text_.size() : eol;
      } else {
        return;
      }
    }
  }

  Status parse_statement() {
    std::string_view text = text_;
    // `export KEY=...`; the prefix needs a blank after it (exportFOO is a key).
    if (text.substr(pos_, 6) == "export" && pos_ + 6 < text.size() && blank_len(text, pos_ + 6))
      pos_ = skip_blanks(text, pos_ + 6);

    // The key runs to '=', ':' (YAML style) or the end of the line.
    size_t key_start = pos_;
    size_t i = pos_;
    char separator = '\0';
    while (i < text.size()) {
      if (size_t n = blank_len(text, i)) {
        i += n;
        continue;
      }
      char c = text[i];
      if (c == '=' || c == ':' || c == '\n') {
        separator = c;
        break;
      }
      if (!is_key_char(c)) {
        std::string_view line = text.substr(key_start, text.find('\n', key_start) - key_start);
        return error_at(i, "unexpected character " + go_quote(std::string(1, c)) + " in variable name " +
                               go_quote(line));
      }
      ++i;
    }
    std::string key(trim_right(text.substr(key_start, i - key_start)));
    for (size_t k = 0; k < key.size(); ++k) {
      if (blank_len(key, k)) return error_at(key_start + k, "key cannot contain a space: " + go_quote(key));
    }

    if (separator == '\n' || separator == '\0') {  // a bare KEY inherits its value, or is dropped
      if (auto value = resolve(key)) assign(std::move(key), std::move(*value));
      pos_ = separator == '\n' ? i + 1 : text.size();
      return {};
    }

    size_t value_start = skip_blanks(text, i + 1);
    auto value = value_start < text.size() && (text[value_start] == '"' || text[value_start] == '\'')
                     ? quoted_value(value_start, key)
                     : unquoted_value(value_start, key);
    if (!value) return value.error();
    assign(std::move(key), std::move(*value));
    return {};
  }

  Result<std::string> unquoted_value(size_t start, const std::string& key) {
    size_t eol = text_.find('\n', start);
    if (eol == std::string::npos) eol = text_.size();
    pos_ = eol == text_.size() ? eol : eol + 1;
    std::string_view raw = std::string_view(text_).substr(start, eol - start);
    // An inline comment needs a space before its '#': a#b is a value.
    if (size_t hash = raw.find(" #"); hash != std::string_view::npos) raw = raw.substr(0, hash);
    return interpolate(trim_right(raw), key, start);
  }

  // Single quotes are literal; double quotes take escapes and ${VAR}. Either
  // may span lines, and \<quote> puts the quote itself in the value.
  Result<std::string> quoted_value(size_t start, const std::string& key) {
    char quote = text_[start];
    std::string chars;
    bool escaped = false;
    for (size_t i = start + 1; i < text_.size(); ++i) {
      char c = text_[i];
      if (c == quote && !escaped) {
        pos_ = i + 1;
        if (quote == '\'') return chars;
        return interpolate(expand_escapes(chars), key, start);
      }
      if (escaped) {
        escaped = false;
        if (c != quote) chars += '\\';  // other escapes are for expand_escapes
        chars += c;
      } else if (c == '\\') {
        escaped = true;
      } else {
        chars += c;
      }
    }
    size_t eol = text_.find('\n', start);
    return error_at(start, "unterminated quoted value " + text_.substr(start, eol - start));
  }

  Result<std::string> interpolate(std::string_view raw, const std::string& key, size_t offset) {
    auto value = substitute_template(raw, resolver_, key);
    if (!value) {
      Error err = std::move(value.error());
      err.key_path = key;
      err.at = mark_at(offset);
      return err;
    }
    return value;
  }

  // compose-go looks variables up in the given environment first, so the
  // process environment wins over keys set earlier in the files.
  std::optional<std::string> resolve(std::string_view name) const {
    if (lookup_) {
      if (auto value = lookup_(name)) return value;
    }
    if (auto it = env_.find(name); it != env_.end()) return it->second;
    return std::nullopt;
  }

  void assign(std::string key, std::string value) {
    if (list_) {
      auto [it, inserted] = index_.try_emplace(key, list_->size());
      if (inserted) {
        list_->emplace_back(key, value);
      } else {
        (*list_)[it->second].second = value;
      }
    }
    env_.insert_or_assign(std::move(key), std::move(value));
  }

  Mark mark_at(size_t offset) const {
    Mark mark{file_, 1, 1};
    size_t line_start = 0;
    for (size_t i = 0; i < offset && i < text_.size(); ++i) {
      if (text_[i] == '\n') {
        ++mark.line;
        line_start = i + 1;
      }
    }
    mark.col = static_cast<int>(offset - line_start) + 1;
    return mark;
  }

  Error error_at(size_t offset, std::string message) const {
    return Error(Errc::kParse, std::move(message), "", mark_at(offset));
  }

  const std::string text_;
  const std::string& file_;
  const Lookup& lookup_;
  EnvMap& env_;
  EnvList* list_;
  Lookup resolver_;
  std::map<std::string, size_t, std::less<>> index_;  // key -> its place in *list_
  size_t pos_ = 0;
};

}  // namespace

Result<EnvList> parse_dotenv(std::string_view text, const std::string& file, const Lookup& lookup) {
  // Values end up in YAML and JSON output: no invalid bytes get that far.
  if (auto bad = check_compose_text(text, file)) return *bad;
  EnvMap env;
  EnvList list;
  Parser parser(text, file, lookup, env, &list);
  if (auto st = parser.parse(); !st) return st.error();
  return list;
}

Status load_dotenv_file(FileReader& files, const std::string& path, const Lookup& lookup, EnvMap& into) {
  auto text = files.read(path);
  if (!text) return text.error();
  if (auto bad = check_compose_text(*text, path)) return *bad;
  EnvMap env = into;  // `into` stays untouched when the file is bad
  Parser parser(*text, path, lookup, env, nullptr);
  if (auto st = parser.parse(); !st) return st;
  into = std::move(env);
  return {};
}

}  // namespace racker::compose
