// shell_split(): compose turns a command string into words with
// go-shellwords (no variable or backtick expansion). Its quirks are kept on
// purpose, so a file means the same under racker as under docker compose:
// `\t` and `\n` escapes become tab and newline, `$(...)` and backticks stay
// literal text, and an unquoted ; & | < > ends the command.
#include "canonical_internal.h"

namespace racker::compose::canonical {

Result<std::vector<std::string>> shell_split(std::string_view line) {
  auto bad = [](const char* why) { return Error(Errc::kValidation, why); };
  std::vector<std::string> words;
  std::string word;
  bool in_word = false;  // a word is open, even if empty ("")
  bool escaped = false, single = false, dbl = false, backtick = false, dollar_paren = false;

  for (size_t i = 0; i < line.size(); ++i) {
    char c = line[i];
    if (escaped) {
      word += c == 't' ? '\t' : c == 'n' ? '\n' : c;
      escaped = false;
      in_word = true;
      continue;
    }
    if (c == '\\') {
      if (single) {
        word += c;
      } else {
        escaped = true;
      }
      continue;
    }
    bool quoted = single || dbl || backtick || dollar_paren;
    if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
      if (quoted) {
        word += c;
      } else if (in_word) {
        words.push_back(std::move(word));
        word.clear();
        in_word = false;
      }
      continue;
    }
    switch (c) {
      case '`':
        if (!single && !dbl && !dollar_paren) backtick = !backtick;
        break;
      case '(':
        if (!single && !dbl && !backtick) {
          if (dollar_paren || word.empty() || word.back() != '$') return bad("unbalanced parenthesis");
          dollar_paren = true;
        }
        break;
      case ')':
        if (!single && !dbl && !backtick) {
          if (!dollar_paren) return bad("unbalanced parenthesis");
          dollar_paren = false;
        }
        break;
      case '"':
        if (!single && !dollar_paren) {
          dbl = !dbl;
          in_word = true;
          continue;
        }
        break;
      case '\'':
        if (!dbl && !dollar_paren) {
          single = !single;
          in_word = true;
          continue;
        }
        break;
      case ';':
      case '&':
      case '|':
      case '<':
      case '>':
        if (!quoted) {
          // go-shellwords stops at a shell operator; a redirection like 2>
          // takes its file descriptor number with it.
          if (c == '>' && !word.empty() && word[0] >= '0' && word[0] <= '9') in_word = false;
          i = line.size();
          continue;
        }
        break;
      default:
        break;
    }
    word += c;
    in_word = true;
  }
  if (escaped) return bad("trailing backslash");
  if (single) return bad("unterminated single quote");
  if (dbl) return bad("unterminated double quote");
  if (backtick) return bad("unterminated backtick");
  if (dollar_paren) return bad("unbalanced parenthesis");
  if (in_word) words.push_back(std::move(word));
  return words;
}

}  // namespace racker::compose::canonical
