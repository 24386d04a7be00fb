// What a service maps in from the host: ports, volumes, devices. All arrive
// in long syntax (canonical.cpp expands the short strings), except devices
// whose short "src[:dst[:perm]]" form is read here as compose reads it.
#include "bind_internal.h"

namespace racker::compose::bind_detail {
namespace {

using model::PortConfig;
using model::VolumeMount;

// "8080" or "8000-8010", each port 0..65535 (0: any free port).
bool valid_published(const std::string& s) {
  auto port = [](std::string_view p) {
    if (p.empty() || p.size() > 5) return -1;
    int v = 0;
    for (char c : p) {
      if (c < '0' || c > '9') return -1;
      v = v * 10 + (c - '0');
    }
    return v <= 65535 ? v : -1;
  };
  size_t dash = s.find('-');
  if (dash == std::string::npos) return port(s) >= 0;
  int lo = port(std::string_view(s).substr(0, dash)), hi = port(std::string_view(s).substr(dash + 1));
  return lo >= 0 && hi >= 0 && lo <= hi;
}

void bind_published(Binder& b, const Node& n, const std::string& path, PortConfig& out) {
  auto v = b.string(n, path);
  if (!v) return;
  if (!valid_published(*v)) {
    b.fail(n, path, "invalid published port \"" + *v + "\": expected a port number or a range like 8000-8010");
    return;
  }
  out.published = *v;
}

void bind_target_port(Binder& b, const Node& n, const std::string& path, PortConfig& out) {
  if (auto v = b.integer(n, path, 1, 65535)) out.target = static_cast<uint16_t>(*v);
}
void bind_port_mode(Binder& b, const Node& n, const std::string& path, PortConfig& out) {
  if (auto v = b.one_of(n, path, {"ingress", "host"})) out.mode = *v;
}
void bind_protocol(Binder& b, const Node& n, const std::string& path, PortConfig& out) {
  if (auto v = b.one_of(n, path, {"tcp", "udp", "sctp"})) out.protocol = *v;
}

const Field<PortConfig> kPortFields[] = {
    {"app_protocol", str<&PortConfig::app_protocol>},
    {"host_ip", str<&PortConfig::host_ip>},
    {"mode", bind_port_mode},
    {"name", str<&PortConfig::name>},
    {"protocol", bind_protocol},
    {"published", bind_published},
    {"target", bind_target_port},
};

void bind_volume_type(Binder& b, const Node& n, const std::string& path, VolumeMount& out) {
  if (auto v = b.one_of(n, path, {"bind", "volume", "tmpfs", "cluster", "npipe", "image"})) out.type = *v;
}
void bind_recursive(Binder& b, const Node& n, const std::string& path, VolumeMount& out) {
  if (auto v = b.one_of(n, path, {"enabled", "disabled", "writable", "readonly"})) out.recursive = *v;
}
void bind_selinux(Binder& b, const Node& n, const std::string& path, VolumeMount& out) {
  if (auto v = b.one_of(n, path, {"z", "Z"})) out.selinux = *v;
}
void bind_tmpfs_size(Binder& b, const Node& n, const std::string& path, VolumeMount& out) {
  auto v = b.bytes(n, path);
  if (v && *v < 0) {
    b.fail(n, path, "must be greater than or equal to 0");
    return;
  }
  out.tmpfs_size = v;
}
// Always octal, as the spec says and `--tmpfs /t:mode=1777` reads it (compose
// itself would take a plain 1777 as decimal).
void bind_tmpfs_mode(Binder& b, const Node& n, const std::string& path, VolumeMount& out) {
  if (auto v = b.file_mode(n, path, /*octal=*/true)) out.tmpfs_mode = *v;
}

const Field<VolumeMount> kBindFields[] = {
    {"create_host_path", flag<&VolumeMount::create_host_path>},
    {"propagation", str<&VolumeMount::propagation>},
    {"recursive", bind_recursive},
    {"selinux", bind_selinux},
};
const Field<VolumeMount> kVolumeOptionFields[] = {
    {"labels", dict<&VolumeMount::volume_labels>},
    {"nocopy", flag<&VolumeMount::nocopy>},
    {"subpath", str<&VolumeMount::subpath>},
};
const Field<VolumeMount> kTmpfsFields[] = {
    {"mode", bind_tmpfs_mode},
    {"size", bind_tmpfs_size},
};
const Field<VolumeMount> kImageFields[] = {
    {"subpath", str<&VolumeMount::subpath>},
};

void bind_bind_options(Binder& b, const Node& n, const std::string& path, VolumeMount& out) {
  b.object<VolumeMount>(n, path, kBindFields, out);
}
void bind_volume_options(Binder& b, const Node& n, const std::string& path, VolumeMount& out) {
  b.object<VolumeMount>(n, path, kVolumeOptionFields, out);
}
void bind_tmpfs_options(Binder& b, const Node& n, const std::string& path, VolumeMount& out) {
  b.object<VolumeMount>(n, path, kTmpfsFields, out);
}
void bind_image_options(Binder& b, const Node& n, const std::string& path, VolumeMount& out) {
  b.object<VolumeMount>(n, path, kImageFields, out);
}

const Field<VolumeMount> kMountFields[] = {
    {"bind", bind_bind_options},
    {"consistency", str<&VolumeMount::consistency>},
    {"image", bind_image_options},
    {"read_only", flag<&VolumeMount::read_only>},
    {"source", str<&VolumeMount::source>},
    {"target", str<&VolumeMount::target>},
    {"tmpfs", bind_tmpfs_options},
    {"type", bind_volume_type},
    {"volume", bind_volume_options},
};

const Field<model::DeviceMapping> kDeviceFields[] = {
    {"permissions", str<&model::DeviceMapping::permissions>},
    {"source", str<&model::DeviceMapping::source>},
    {"target", str<&model::DeviceMapping::target>},
};

bool is_permissions(std::string_view s) {
  return !s.empty() && s.find_first_not_of("rwm") == std::string_view::npos;
}

// "src", "src:perm", "src:dst", "src:dst:perm", as docker reads devices.
std::optional<model::DeviceMapping> parse_device(const std::string& s) {
  std::vector<std::string> parts;
  size_t start = 0;
  for (size_t colon; (colon = s.find(':', start)) != std::string::npos; start = colon + 1)
    parts.push_back(s.substr(start, colon - start));
  parts.push_back(s.substr(start));
  model::DeviceMapping d;
  d.source = parts[0];
  switch (parts.size()) {
    case 1: break;
    case 2:
      if (is_permissions(parts[1]))
        d.permissions = parts[1];
      else
        d.target = parts[1];
      break;
    case 3:
      if (!is_permissions(parts[2])) return std::nullopt;
      d.target = parts[1];
      d.permissions = parts[2];
      break;
    default: return std::nullopt;
  }
  if (d.source.empty()) return std::nullopt;
  return d;
}

}  // namespace

void list_mount_keys(KeyLister& l) {
  l.table<PortConfig>("services.*.ports[]", kPortFields);
  l.table<VolumeMount>("services.*.volumes[]", kMountFields);
  l.table<VolumeMount>("services.*.volumes[].bind", kBindFields);
  l.table<VolumeMount>("services.*.volumes[].volume", kVolumeOptionFields);
  l.table<VolumeMount>("services.*.volumes[].tmpfs", kTmpfsFields);
  l.table<VolumeMount>("services.*.volumes[].image", kImageFields);
  l.table<model::DeviceMapping>("services.*.devices[]", kDeviceFields);
}

void bind_ports(Binder& b, const Node& n, const std::string& path, model::Service& out) {
  if (!b.expect_seq(n, path)) return;
  for (size_t i = 0; i < n.items.size(); ++i) {
    const Node& item = n.items[i];
    std::string p = index_path(path, i);
    b.remember(p, item.mark);
    PortConfig port;
    b.object<PortConfig>(item, p, kPortFields, port);
    if (item.is_map() && !item.find("target")) b.fail(item, p, "target is required");
    out.ports.push_back(std::move(port));
  }
}

void bind_volumes(Binder& b, const Node& n, const std::string& path, model::Service& out) {
  if (!b.expect_seq(n, path)) return;
  for (size_t i = 0; i < n.items.size(); ++i) {
    const Node& item = n.items[i];
    std::string p = index_path(path, i);
    b.remember(p, item.mark);
    VolumeMount mount;
    b.object<VolumeMount>(item, p, kMountFields, mount);
    if (!item.is_map()) continue;
    if (!item.find("type")) b.fail(item, p, "type is required");
    if (!item.find("target")) b.fail(item, p, "target is required");
    out.volumes.push_back(std::move(mount));
  }
}

void bind_devices(Binder& b, const Node& n, const std::string& path, model::Service& out) {
  if (!b.expect_seq(n, path)) return;
  for (size_t i = 0; i < n.items.size(); ++i) {
    const Node& item = n.items[i];
    std::string p = index_path(path, i);
    b.remember(p, item.mark);
    model::DeviceMapping device;
    if (item.is_scalar()) {
      auto parsed = parse_device(item.scalar);
      if (!parsed) {
        b.fail(item, p, "invalid device \"" + item.scalar + "\": expected source[:target][:permissions]");
        continue;
      }
      device = *parsed;
    } else if (item.is_map()) {
      b.object<model::DeviceMapping>(item, p, kDeviceFields, device);
      if (!item.find("source")) b.fail(item, p, "source is required");
    } else {
      b.fail(item, p, "must be a string or a mapping");
      continue;
    }
    if (!device.permissions.empty() && !is_permissions(device.permissions))
      b.fail(item, p, "invalid device permissions \"" + device.permissions + "\": expected some of r, w, m");
    if (device.target.empty()) device.target = device.source;
    if (device.permissions.empty()) device.permissions = "rwm";
    out.devices.push_back(std::move(device));
  }
}

}  // namespace racker::compose::bind_detail
