// Top-level networks, volumes, secrets and configs.
#include "bind_internal.h"

namespace racker::compose::bind_detail {
namespace {

using model::FileObject;
using model::IpamPool;
using model::Network;
using model::Volume;

// external: true | false | {name: N} (the old spelling of `name`).
template <class T>
void bind_external(Binder& b, const Node& n, const std::string& path, T& out) {
  if (n.is_map()) {
    out.external = true;
    for (const Entry& e : n.entries) {
      std::string p = join_path(path, e.key);
      b.remember(p, e);
      if (e.key == "name") {
        if (auto v = b.string(e.value, p)) out.name = *v;
      } else if (e.key.rfind("x-", 0) != 0) {
        b.unknown_key(e, path);
      }
    }
    return;
  }
  if (auto v = b.boolean(n, path)) out.external = *v;
}

const Field<IpamPool> kPoolFields[] = {
    {"aux_addresses", dict<&IpamPool::aux_addresses>},
    {"gateway", str<&IpamPool::gateway>},
    {"ip_range", str<&IpamPool::ip_range>},
    {"subnet", str<&IpamPool::subnet>},
};

void bind_ipam_config(Binder& b, const Node& n, const std::string& path, Network& out) {
  if (!b.expect_seq(n, path)) return;
  for (size_t i = 0; i < n.items.size(); ++i) {
    std::string p = index_path(path, i);
    b.remember(p, n.items[i].mark);
    IpamPool pool;
    b.object<IpamPool>(n.items[i], p, kPoolFields, pool);
    out.ipam.push_back(std::move(pool));
  }
}

const Field<Network> kIpamFields[] = {
    {"config", bind_ipam_config},
    {"driver", str<&Network::ipam_driver>},
    {"options", dict<&Network::ipam_options>},
};

void bind_ipam(Binder& b, const Node& n, const std::string& path, Network& out) {
  b.object<Network>(n, path, kIpamFields, out);
}

const Field<Network> kNetworkFields[] = {
    {"attachable", flag<&Network::attachable>},
    {"driver", str<&Network::driver>},
    {"driver_opts", dict<&Network::driver_opts>},
    {"enable_ipv4", flag<&Network::enable_ipv4>},
    {"enable_ipv6", flag<&Network::enable_ipv6>},
    {"external", bind_external<Network>},
    {"internal", flag<&Network::internal>},
    {"ipam", bind_ipam},
    {"labels", dict<&Network::labels>},
    {"name", str<&Network::name>},
};

const Field<Volume> kVolumeFields[] = {
    {"driver", str<&Volume::driver>},
    {"driver_opts", dict<&Volume::driver_opts>},
    {"external", bind_external<Volume>},
    {"labels", dict<&Volume::labels>},
    {"name", str<&Volume::name>},
};

constexpr std::string_view kSwarmSecrets = "secret drivers are swarm only";

const Field<FileObject> kSecretFields[] = {
    {"driver", nullptr, kSwarmSecrets},
    {"driver_opts", nullptr, kSwarmSecrets},
    {"environment", str<&FileObject::environment>},
    {"external", bind_external<FileObject>},
    {"file", str<&FileObject::file>},
    {"labels", dict<&FileObject::labels>},
    {"name", str<&FileObject::name>},
    {"template_driver", nullptr, kSwarmSecrets},
};

// Empty content is still content (unlike other empty strings).
void bind_content(Binder& b, const Node& n, const std::string& path, FileObject& out) {
  if (auto v = b.string(n, path)) out.content = *v;
}

const Field<FileObject> kConfigFields[] = {
    {"content", bind_content},
    {"environment", str<&FileObject::environment>},
    {"external", bind_external<FileObject>},
    {"file", str<&FileObject::file>},
    {"labels", dict<&FileObject::labels>},
    {"name", str<&FileObject::name>},
    {"template_driver", nullptr, "config template drivers are swarm only"},
};

// Binds every entry of the top-level section `section` into `out`.
template <class T>
void bind_section(Binder& b, const Node& doc, const char* section, std::span<const Field<T>> fields,
                  std::map<std::string, T>& out) {
  const Node* n = doc.find(section);
  if (!n || n->is_null()) return;
  if (!b.expect_map(*n, section)) return;
  const Node* project_name = doc.find("name");
  for (const Entry& e : n->entries) {
    std::string path = join_path(section, e.key);
    b.remember(path, e);
    T item;
    item.key = e.key;
    if (!e.value.is_null()) {
      Binder::HolderScope scope(b, Holder{&item.extensions, &b.project().ignored, path});
      b.object<T>(e.value, path, fields, item);
    }
    // normalize() names resources; a document that skipped it gets the same names here.
    if (item.name.empty()) {
      bool prefixed = !item.external && project_name && project_name->is_scalar() && !project_name->scalar.empty();
      item.name = prefixed ? project_name->scalar + "_" + e.key : e.key;
    }
    out[e.key] = std::move(item);
  }
}

}  // namespace

void list_resource_keys(KeyLister& l) {
  l.table<Network>("networks.*", kNetworkFields);
  l.add("networks.*.external", "name");  // bind_external reads it by hand
  l.table<Network>("networks.*.ipam", kIpamFields);
  l.table<IpamPool>("networks.*.ipam.config[]", kPoolFields);
  l.table<Volume>("volumes.*", kVolumeFields);
  l.add("volumes.*.external", "name");
  l.table<FileObject>("secrets.*", kSecretFields);
  l.add("secrets.*.external", "name");
  l.table<FileObject>("configs.*", kConfigFields);
  l.add("configs.*.external", "name");
}

void bind_resources(Binder& b, const Node& doc) {
  model::Project& p = b.project();
  bind_section<Network>(b, doc, "networks", kNetworkFields, p.networks);
  bind_section<Volume>(b, doc, "volumes", kVolumeFields, p.volumes);
  bind_section<FileObject>(b, doc, "secrets", kSecretFields, p.secrets);
  bind_section<FileObject>(b, doc, "configs", kConfigFields, p.configs);
}

}  // namespace racker::compose::bind_detail
