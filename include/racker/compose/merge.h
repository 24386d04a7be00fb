#pragma once
// Merging compose documents (compose-spec 13-merge), used for `-f a -f b`,
// for `extends` and for `include`. Inputs are canonical (see canonical.h).
// Rules are a table keyed by path patterns (services.*.ports, ...):
//   mappings merge recursively; scalars are replaced by the overlay;
//   ports, volumes, secrets, configs, devices dedupe by identity (target, ...);
//   dns, dns_search, tmpfs, cap_add, cap_drop, expose append and dedupe;
//   command, entrypoint, healthcheck.test are replaced whole;
//   `!reset` on an overlay value removes the key, `!override` replaces it whole.

#include <string_view>

#include "racker/compose/node.h"

namespace racker::compose {

// Merges `overlay` (a whole document) onto `base`. Marks of winning values are kept.
Result<Node> merge_documents(Node base, const Node& overlay);

// Merges one service definition onto another (`extends`: `base` is the
// extended service, `overlay` the extending one). `path` is used in errors.
Result<Node> merge_service(Node base, const Node& overlay, std::string_view path);

}  // namespace racker::compose
