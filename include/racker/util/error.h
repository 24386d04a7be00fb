#pragma once
// Errors are values in racker: every fallible call returns a Result<T> (or a
// Status = Result<void>). Nothing in racker throws; wrappers around throwing
// libraries (yaml-cpp, nlohmann_json, CLI11) catch at the boundary.

#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

namespace racker {

// Broad categories; the CLI maps them to exit codes in one place.
enum class Errc {
  kInvalidArgument,  // bad flag or option value
  kParse,            // YAML or dotenv syntax
  kInterpolation,    // bad ${...} template, required variable unset
  kValidation,       // a compose key has a bad value or is unknown
  kCycle,            // dependency, extends or include cycle
  kNotFound,         // file, service, image, container that does not exist
  kConflict,         // name already in use, two owners for one thing
  kIo,               // a read or write failed
  kUnsupported,      // valid compose that racker does not implement
  kPermission,
  kTimeout,
  kInternal,
};

const char* errc_name(Errc code);

// A position in a source file; line and col are 1-based, 0 means unknown.
struct Mark {
  std::string file;
  int line = 0;
  int col = 0;
  bool known() const { return line > 0; }
};

struct Error {
  Errc code = Errc::kInternal;
  std::string message;
  std::string key_path;           // e.g. services.web.ports[1]; empty if none
  std::optional<Mark> at;         // where in which file, if known
  std::vector<std::string> context;  // outermost last: "while merging x.yaml"

  Error() = default;
  Error(Errc c, std::string msg) : code(c), message(std::move(msg)) {}
  Error(Errc c, std::string msg, std::string path, std::optional<Mark> mark = std::nullopt)
      : code(c), message(std::move(msg)), key_path(std::move(path)), at(std::move(mark)) {}

  // Adds a line of context and returns *this, for `return e.with_context(...)`.
  Error& with_context(std::string line) {
    context.push_back(std::move(line));
    return *this;
  }

  // GCC-style one-liner: "file:line:col: key.path: message" (parts omitted
  // when unknown), followed by "  (while ...)" context lines.
  std::string to_string() const;
};

// Spelled like std::expected, which C++20 lacks.
template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::in_place_index<0>, std::move(value)) {}
  Result(Error error) : v_(std::in_place_index<1>, std::move(error)) {}

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }

  T& value() & { return std::get<0>(v_); }
  const T& value() const& { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  const Error& error() const { return std::get<1>(v_); }
  Error& error() { return std::get<1>(v_); }

 private:
  std::variant<T, Error> v_;
};

template <>
class [[nodiscard]] Result<void> {
 public:
  Result() = default;
  Result(Error error) : error_(std::move(error)) {}

  bool ok() const { return !error_.has_value(); }
  explicit operator bool() const { return ok(); }
  const Error& error() const { return *error_; }
  Error& error() { return *error_; }

 private:
  std::optional<Error> error_;
};

using Status = Result<void>;

inline Status ok_status() { return Status(); }

}  // namespace racker
