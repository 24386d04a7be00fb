#pragma once
// Private to convert/: Kubernetes spellings of compose values.

#include <cstdint>
#include <optional>
#include <string>

#include "racker/compose/model.h"

namespace racker::convert {

// A DNS-1123 label (lowercase letters, digits, '-', at most 63, starting
// with a letter so it is a DNS-1035 label too): "Grafana_Data" -> "grafana-data".
std::string kube_name(const std::string& raw);
// A ConfigMap/Secret data key ([-._a-zA-Z0-9]+): other characters -> '_'.
std::string data_key(const std::string& raw);
// True when `s` is already a DNS-1035 label.
bool is_dns_label(const std::string& s);

// cpus -> "500m" or "2"; bytes -> "512Mi", "1Gi" or the plain number.
std::string cpu_quantity(double cpus);
std::string memory_quantity(int64_t bytes);
// Whole seconds, rounded up, at least `min`.
int64_t seconds(compose::model::Duration d, int64_t min = 1);

// Kubernetes expands $(VAR) and turns $$ into $ in command, args and env
// values: escapes every '$' that would be read that way.
std::string escape_dollar_refs(const std::string& s);

// `path` relative to `base` ("web", "../images/x.sh"): never the checkout's
// absolute location, so names and messages do not depend on where it is.
std::string relative_to(const std::string& path, const std::string& base);
std::string base_name(const std::string& path);

// Standard base64 (with padding).
std::string base64(const std::string& bytes);
// Valid UTF-8 without NUL: safe as a YAML string.
bool is_text(const std::string& bytes);

}  // namespace racker::convert
