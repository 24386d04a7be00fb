#pragma once
// Short syntax -> long syntax, per file, before merging (so merge rules can key
// sequences by their identity). Pure over the tree; invalid short forms are
// kValidation errors with the scalar's mark and key path, e.g.
//   compose.yaml:12:7: services.web.ports[1]: invalid port "80:80:80:80": "80:80" is not an IP address
//
// Canonical shapes (what `docker compose config` prints; "str" = quoted string):
//   services.*.build            string -> {context: S}; a mapping is kept (no
//                               default context here: merge must not see one)
//   services.*.build.args       like environment
//   services.*.build.labels, additional_contexts (KEY=VALUE required)   list -> map of strings
//   services.*.build.ssh        ["default", "id=path"] -> {default: null, id: path}
//   services.*.build.secrets.*  string -> {source: S}
//   services.*.command, entrypoint, post_start/pre_stop/pre_start.*.command
//                               string -> shell words (compose's go-shellwords rules,
//                               see canonical_internal.h); list items -> strings
//   services.*.depends_on       list -> {svc: {condition: service_started, required: true}};
//                               map entries get the same defaults filled in
//   services.*.environment (and hooks' environment)
//                               list "K=V" / "K" -> map K: "V" / K: null; map values -> strings
//                               (text kept: 1.50 -> "1.50"), null stays null
//   services.*.env_file         string | list -> [{path: P, required: true, format?}]
//   services.*.labels, annotations, sysctls, deploy.labels, volumes.*.volume.labels,
//   networks/volumes/secrets/configs.*.labels
//                               list "K=V" / "K" -> map K: "V" / K: ""; values -> strings
//   services.*.extra_hosts, build.extra_hosts
//                               ["h:ip", "h=ip1,ip2"] | {h: ip | [ip]} -> {h: [ip, ...]}
//                               ("[::1]" -> "::1")
//   services.*.healthcheck.test string -> [CMD-SHELL, S]
//   services.*.networks         list -> map name: null
//   services.*.ports            "[ip:][pub[-r]:]tgt[-r][/proto]" | int -> list of
//                               {mode: ingress, host_ip?, target: int, published?: "str", protocol}
//                               (target ranges expand into one entry per port; a host
//                               range for one target stays "8000-8010"); long-form
//                               entries get target as an int, published as a string and
//                               mode ingress / protocol tcp when absent
//   services.*.expose, dns, dns_search, dns_opt, tmpfs, cap_add, cap_drop, label_file
//                               string -> [string]; items -> strings
//   services.*.volumes.*        "src:dst[:opts]" | "dst" -> {type: bind|volume, source?, target,
//                               read_only?: true, bind?: {propagation?, selinux?, create_host_path: true},
//                               volume?: {nocopy?: true}}: type bind when src starts with
//                               . / or ~ (bind: always present), else volume (volume: {}
//                               always present); target cleaned ("/a//b/" -> "/a/b")
//   services.*.secrets/configs.*   string -> {source: S}
//   services.*.ulimits.*, build.ulimits.*   int -> {soft: n, hard: n}
//   services.*.devices.*        "src[:dst[:perm]]" -> {source, target (= src), permissions (= rwm)}
//   services.*.extends          string -> {service: S}
//   services.*.gpus             "all" -> [{count: all}]
//   networks/volumes/secrets/configs.<name>   null -> {}
//   *.external: {name: N}       -> external: true, name: N (both names set and
//                               different: kValidation)
//   include.*                   "p" -> {path: [p]}; path and env_file strings -> lists
// Everything else passes through unchanged. Relative paths stay relative
// here (normalize resolves them after merging). Values still holding ${...}
// (interpolation skipped) that do not parse are kept as written, as compose
// does. `!reset` values are left alone; rewritten nodes keep an `!override`
// tag. New nodes take the mark of the scalar they came from. Sequences with
// an identity (see merge.h) keep one item per identity, as compose does
// within one file.

#include "racker/compose/node.h"

namespace racker::compose {

Status canonicalize(Node& doc);

}  // namespace racker::compose
