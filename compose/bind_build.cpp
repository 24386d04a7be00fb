// services.<name>.build: what an image build would need. racker does not
// build images itself yet, but binds the whole section so `config` and the
// planner see it typed (and a typo in it is still an error).
#include "bind_internal.h"

namespace racker::compose::bind_detail {
namespace {

using model::BuildConfig;

// ssh: {id: path | null} or ["id=path", "default"].
void bind_ssh(Binder& b, const Node& n, const std::string& path, BuildConfig& out) {
  if (n.is_seq()) {
    for (size_t i = 0; i < n.items.size(); ++i) {
      std::string p = index_path(path, i);
      b.remember(p, n.items[i].mark);
      auto s = b.string(n.items[i], p);
      if (!s) continue;
      size_t eq = s->find('=');
      if (eq == std::string::npos) {
        if (*s != "default") {
          b.fail(n.items[i], p, "invalid ssh key \"" + *s + "\": expected id=path or default");
          continue;
        }
        out.ssh[*s] = std::nullopt;
      } else {
        out.ssh[s->substr(0, eq)] = s->substr(eq + 1);
      }
    }
    return;
  }
  for (auto& [id, p] : b.env_map(n, path)) out.ssh[id] = p;
}

void bind_build_secrets(Binder& b, const Node& n, const std::string& path, BuildConfig& out) {
  out.secrets = b.file_refs(n, path);
}
void bind_build_hosts(Binder& b, const Node& n, const std::string& path, BuildConfig& out) {
  out.extra_hosts = b.hosts(n, path);
}
void bind_build_ulimits(Binder& b, const Node& n, const std::string& path, BuildConfig& out) {
  out.ulimits = b.ulimits(n, path);
}

constexpr std::string_view kBuildKit = "BuildKit attestations and entitlements are not implemented";

const Field<BuildConfig> kBuildFields[] = {
    {"additional_contexts", dict<&BuildConfig::additional_contexts>},
    {"args", env<&BuildConfig::args>},
    {"cache_from", list<&BuildConfig::cache_from>},
    {"cache_to", list<&BuildConfig::cache_to>},
    {"context", str<&BuildConfig::context>},
    {"dockerfile", str<&BuildConfig::dockerfile>},
    {"dockerfile_inline", str<&BuildConfig::dockerfile_inline>},
    {"entitlements", nullptr, kBuildKit},
    {"extra_hosts", bind_build_hosts},
    {"isolation", nullptr, "Windows containers only"},
    {"labels", dict<&BuildConfig::labels>},
    {"network", str<&BuildConfig::network>},
    {"no_cache", flag<&BuildConfig::no_cache>},
    {"no_cache_filter", nullptr, "per-stage cache control is not implemented"},
    {"platforms", list<&BuildConfig::platforms>},
    {"privileged", flag<&BuildConfig::privileged>},
    {"provenance", nullptr, kBuildKit},
    {"pull", flag<&BuildConfig::pull>},
    {"sbom", nullptr, kBuildKit},
    {"secrets", bind_build_secrets},
    {"shm_size", byte_size<&BuildConfig::shm_size>},
    {"ssh", bind_ssh},
    {"tags", list<&BuildConfig::tags>},
    {"target", str<&BuildConfig::target>},
    {"ulimits", bind_build_ulimits},
};

}  // namespace

void list_build_keys(KeyLister& l) {
  l.table<BuildConfig>("services.*.build", kBuildFields);
  list_file_ref_keys(l, "services.*.build.secrets[]");
  list_ulimit_keys(l, "services.*.build.ulimits.*");
}

void bind_build(Binder& b, const Node& n, const std::string& path, model::Service& out) {
  BuildConfig build;
  if (n.is_scalar()) {  // short syntax: the context
    build.context = n.scalar;
  } else if (!n.is_map()) {
    b.fail(n, path, "must be a string or a mapping");
    return;
  } else {
    Binder::HolderScope scope(b, Holder{&build.extensions, &out.ignored, path});
    b.object<BuildConfig>(n, path, kBuildFields, build);
  }
  out.build = std::move(build);
}

}  // namespace racker::compose::bind_detail
