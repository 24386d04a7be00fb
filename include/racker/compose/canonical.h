#pragma once
// Short syntax -> long syntax, per file, before merging (so merge rules can key
// sequences by their identity). Pure over the tree; invalid short forms are
// kValidation errors with the scalar's mark and key path, e.g.
//   compose.yaml:12:7: services.web.ports[1]: invalid port "80:80:80:80"
//
// Canonical shapes (what `docker compose config` prints):
//   services.*.build            string -> {context: S}
//   services.*.command/entrypoint  string -> shell-split list
//   services.*.depends_on       list -> {svc: {condition: service_started, required: true}};
//                               map entries get the same defaults filled in
//   services.*.environment      list "K=V" / "K" -> map K: "V" / K: null; scalar values -> strings
//   services.*.env_file         string | list -> [{path: P, required: true}]
//   services.*.labels, annotations, sysctls, build.args, build.labels   list -> map
//   services.*.extra_hosts      list "h:ip" / "h=ip" -> map h: [ip, ...]
//   services.*.healthcheck.test string -> [CMD-SHELL, S]
//   services.*.networks         list -> map name: null
//   services.*.ports            "[ip:][pub[-r]:]tgt[-r][/proto]" | int -> list of
//                               {mode: ingress, host_ip?, target: int, published?: "str", protocol: tcp|udp}
//                               (target ranges expand into one entry per port)
//   services.*.expose           list of strings (ints -> strings)
//   services.*.volumes          "src:dst[:opts]" | "dst" -> {type: bind|volume, source?, target,
//                               read_only?: true, bind?: {create_host_path: true, propagation?, selinux?},
//                               volume?: {nocopy: true}}
//   services.*.secrets/configs  string -> {source: S}
//   services.*.ulimits.*        int -> {soft: n, hard: n}
//   services.*.tmpfs, dns, dns_search, env_file, cap_add ...   string -> [string]
//   services.*.devices          "src[:dst[:perm]]" -> {source, target, permissions}
//   networks/volumes/secrets/configs.<name>   null -> {}
//   *.external: {name: N}       -> external: true, name: N
// Everything else passes through unchanged. Relative paths stay relative
// here; normalize() resolves them after merging.

#include "racker/compose/node.h"

namespace racker::compose {

Status canonicalize(Node& doc);

}  // namespace racker::compose
