#pragma once
// What a converter returns: files to write (or to print one after another)
// and the warnings about what it could not convert.

#include <string>
#include <vector>

namespace racker::convert {

struct Warning {
  std::string subject;  // the service it is about; "" for the project
  std::string text;     // "services.web.ulimits: not converted (...)"
};

struct OutputFile {
  std::string name;     // a file name, no directories
  std::string content;  // the file's text, comments included
};

struct Conversion {
  std::vector<OutputFile> files;
  std::vector<Warning> warnings;
};

// "# <prefix>\n#   - text\n" lines for the warnings about `subject` (all
// of them when `subject` is null); "" when there are none.
std::string warning_comments(const std::vector<Warning>& warnings, const std::string* subject,
                             const std::string& prefix = "not converted or converted approximately:");

}  // namespace racker::convert
