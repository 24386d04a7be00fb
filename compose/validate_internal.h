#pragma once
// Private to validate*.cpp: a collector that turns (key path, message) into
// an Error at the path's value or key, and the check groups validate() runs.

#include <string>
#include <vector>

#include "racker/compose/model.h"

namespace racker::compose::validate_detail {

class Problems {
 public:
  explicit Problems(const model::Project& project) : project_(project) {}
  // A problem with the value at `key_path`: reported at the value when it is
  // a scalar (`restart: sometimes` -> under `sometimes`), else at the key.
  void add(const std::string& key_path, std::string message) {
    errors_.emplace_back(Errc::kValidation, std::move(message), key_path, project_.value_mark_of(key_path));
  }
  // A problem with the key itself (its name, or its presence next to another
  // key it excludes): reported at the key.
  void add_at_key(const std::string& key_path, std::string message) {
    errors_.emplace_back(Errc::kValidation, std::move(message), key_path, project_.mark_of(key_path));
  }
  std::vector<Error>& errors() { return errors_; }

 private:
  const model::Project& project_;
  std::vector<Error> errors_;
};

// Names, image/build, build options, mutually exclusive and duplicated settings.
void check_services(const model::Project& project, Problems& out);
// References between services and to networks, volumes, secrets, configs.
void check_references(const model::Project& project, Problems& out);
// Published ports: valid host IPs, no two owners of one host port.
void check_ports(const model::Project& project, Problems& out);
// Top-level networks, volumes, secrets, configs.
void check_resources(const model::Project& project, Problems& out);

// compose's pattern for service and resource keys: [a-zA-Z0-9._-]+
bool is_valid_key(const std::string& name);

}  // namespace racker::compose::validate_detail
