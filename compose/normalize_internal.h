#pragma once
// Private to normalize*.cpp: the per-service steps normalize() runs in order.

#include <string>

#include "racker/compose/normalize.h"

namespace racker::compose::normalize_detail {

// Defaults compose fills in and implicit dependencies, before paths are
// resolved (so a defaulted build context "." becomes absolute with the rest).
void fill_service_defaults(Node& service);

// Durations and byte sizes in the spelling `docker compose config` prints
// ("1m30s", "536870912"); values that do not parse are left for bind to report.
void canonical_units(Node& service);

// scale and deploy.replicas: equal or only one set; scale is copied into deploy.
Status reconcile_scale(Node& service, const std::string& path);

// env_file contents merged under environment (environment wins), bare keys
// resolved, build args resolved (unresolved ones dropped), label_file merged
// under labels. Runs after paths are absolute.
Status resolve_service_environment(Node& service, const std::string& path, const NormalizeContext& ctx);

// True for a plain or quoted "true" / "false" (any case).
bool is_true(const Node* n);
bool is_false(const Node* n);

}  // namespace racker::compose::normalize_detail
