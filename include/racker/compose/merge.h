#pragma once
// Merging compose documents (compose-spec 13-merge), used for `-f a -f b`,
// for `extends` and for `include`. Inputs are canonical (see canonical.h).
// Rules are a table keyed by path patterns (services.*.ports, ...):
//   mappings merge recursively; scalars are replaced by the overlay; an
//     overlay null leaves the base's value alone;
//   environment, labels, annotations, sysctls, build.args, build.labels,
//     deploy.labels: values replace one by one (a null one too);
//   extra_hosts: per host, the addresses of both without repeats;
//   command, entrypoint, healthcheck.test, ulimits.<name> are replaced whole;
//   logging is replaced whole when both set different drivers;
//   networks.*.ipam.config pools merge by subnet;
//   other sequences append; those whose items have an identity then keep one
//     item per identity, a later one replacing an earlier one in place:
//     ports {host_ip, published, target, protocol}, volumes/devices by target,
//     secrets by target (default /run/secrets/<source>), configs by target
//     (default /<source>), env_file by path, expose by value, and dns,
//     dns_opt, dns_search, tmpfs, cap_add, cap_drop, links, profiles,
//     networks.*.aliases by the part before any `=`.
// Tags: `!reset` on an overlay value removes the key, `!override` replaces
// the base's value whole. Marks (and key marks) of winning values are kept.

#include <string_view>

#include "racker/compose/node.h"

namespace racker::compose {

// Merges `overlay` (a whole document) onto `base`. Tags in `base` are
// resolved first (see resolve_merge_tags); the result carries no tags.
// Errors: kValidation when a mapping or sequence meets a value of another
// kind ("cannot override a sequence with a scalar"), at the overlay's mark.
Result<Node> merge_documents(Node base, const Node& overlay);

// Merges one service definition onto another (`extends`: `base` is the
// extended service, `overlay` the extending one). `path` ("services.web")
// picks the rules and names errors. Unlike merge_documents, the result keeps
// the overlay's `!reset`/`!override` nodes, tag and all: the merged service
// still has to merge onto earlier -f files the way its file says.
Result<Node> merge_service(Node base, const Node& overlay, std::string_view path);

// A document on its own, as if merged onto nothing: keys and sequence items
// tagged `!reset` are removed, `!override` tags dropped. The loader applies
// it to the result of the -f merge, which for a single file is that file.
void resolve_merge_tags(Node& doc);

}  // namespace racker::compose
