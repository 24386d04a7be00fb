// How a service relates to the rest of the project: depends_on and the
// networks it joins. Both may come as a list of names (short syntax) or as
// a mapping of name -> options.
#include "bind_internal.h"

namespace racker::compose::bind_detail {
namespace {

using model::DependsOn;
using model::ServiceNetwork;

void bind_condition(Binder& b, const Node& n, const std::string& path, DependsOn& out) {
  if (auto v = b.one_of(n, path, {"service_started", "service_healthy", "service_completed_successfully"}))
    out.condition = *v;
}

const Field<DependsOn> kDependsOnFields[] = {
    {"condition", bind_condition},
    {"required", flag<&DependsOn::required>},
    {"restart", flag<&DependsOn::restart>},
};

const Field<ServiceNetwork> kServiceNetworkFields[] = {
    {"aliases", list<&ServiceNetwork::aliases>},
    {"driver_opts", dict<&ServiceNetwork::driver_opts>},
    {"gw_priority", int32<&ServiceNetwork::gw_priority>},
    {"interface_name", str<&ServiceNetwork::interface_name>},
    {"ipv4_address", str<&ServiceNetwork::ipv4_address>},
    {"ipv6_address", str<&ServiceNetwork::ipv6_address>},
    {"link_local_ips", list<&ServiceNetwork::link_local_ips>},
    {"mac_address", str<&ServiceNetwork::mac_address>},
    {"priority", int32<&ServiceNetwork::priority>},
};

// The names of a short-syntax list, each remembered with its mark.
std::vector<std::string> names(Binder& b, const Node& n, const std::string& path) {
  std::vector<std::string> out;
  for (size_t i = 0; i < n.items.size(); ++i) {
    std::string p = index_path(path, i);
    if (auto s = b.string(n.items[i], p)) {
      b.remember(join_path(path, *s), n.items[i].mark);
      out.push_back(*s);
    }
  }
  return out;
}

}  // namespace

void list_relation_keys(KeyLister& l) {
  l.table<DependsOn>("services.*.depends_on.*", kDependsOnFields);
  l.table<ServiceNetwork>("services.*.networks.*", kServiceNetworkFields);
}

void bind_depends_on(Binder& b, const Node& n, const std::string& path, model::Service& out) {
  if (n.is_seq()) {
    for (auto& name : names(b, n, path)) out.depends_on[name] = DependsOn{};
    return;
  }
  if (!n.is_map()) {
    b.fail(n, path, "must be a list of service names or a mapping");
    return;
  }
  for (const Entry& e : n.entries) {
    std::string p = join_path(path, e.key);
    b.remember(p, e);
    DependsOn dep;
    b.object<DependsOn>(e.value, p, kDependsOnFields, dep);
    out.depends_on[e.key] = dep;
  }
}

void bind_service_networks(Binder& b, const Node& n, const std::string& path, model::Service& out) {
  if (n.is_seq()) {
    for (auto& name : names(b, n, path)) out.networks[name] = std::nullopt;
    return;
  }
  if (!n.is_map()) {
    b.fail(n, path, "must be a list of network names or a mapping");
    return;
  }
  for (const Entry& e : n.entries) {
    std::string p = join_path(path, e.key);
    b.remember(p, e);
    if (e.value.is_null()) {
      out.networks[e.key] = std::nullopt;
      continue;
    }
    ServiceNetwork net;
    b.object<ServiceNetwork>(e.value, p, kServiceNetworkFields, net);
    out.networks[e.key] = std::move(net);
  }
}

}  // namespace racker::compose::bind_detail
