#include "racker/network/networkd_units.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "racker/network/ifname.h"

namespace racker::network {

namespace fs = std::filesystem;

namespace {

constexpr const char* kOwnerTag = "# racker-owner: ";

std::string header(const BridgeSpec& spec, const char* what) {
  return std::string("# ") + what + " of racker network " + spec.network + ". Written and removed by racker.\n" +
         kOwnerTag + spec.owner + "\n";
}

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) return {};
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

Status write_if_changed(const std::string& path, const std::string& text, bool* changed) {
  if (fs::exists(path) && read_file(path) == text) return ok_status();
  std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << text;
    if (!out) return Error(Errc::kIo, "cannot write " + tmp);
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0)
    return Error(Errc::kIo, "cannot rename " + tmp + ": " + std::strerror(errno));
  *changed = true;
  return ok_status();
}

}  // namespace

std::string render_bridge_netdev(const BridgeSpec& spec) {
  std::string out = header(spec, "Bridge");
  out += "[NetDev]\nName=" + spec.ifname + "\nKind=bridge\n";
  if (spec.mtu) out += "MTUBytes=" + std::to_string(*spec.mtu) + "\n";
  return out;
}

std::string render_bridge_network(const BridgeSpec& spec) {
  std::string out = header(spec, "Addresses of the bridge");
  out += "[Match]\nName=" + spec.ifname + "\n\n";
  out += "[Link]\nRequiredForOnline=no\n";
  if (spec.mtu) out += "MTUBytes=" + std::to_string(*spec.mtu) + "\n";
  out += "\n[Network]\n";
  for (const auto& a : spec.addresses)
    if (a.address.is_v4()) out += "Address=" + a.to_string() + "\n";
  // Up and addressed before any container joins; no addresses or routes
  // racker did not ask for.
  out += "ConfigureWithoutCarrier=yes\nIgnoreCarrierLoss=yes\nLinkLocalAddressing=no\nIPv6AcceptRA=no\n";
  // IPv6 addresses without DAD: on a bridge with no port yet (no carrier)
  // the kernel would keep them tentative, and networkd "configuring", until
  // the first container joined.
  for (const auto& a : spec.addresses)
    if (!a.address.is_v4()) out += "\n[Address]\nAddress=" + a.to_string() + "\nDuplicateAddressDetection=none\n";
  return out;
}

std::string render_ports_network(const BridgeSpec& spec) {
  std::string out = header(spec, "Container veths (host side)");
  out += "[Match]\nName=" + veth_prefix(spec.ifname) + "*\n\n";
  out += "[Link]\nRequiredForOnline=no\n\n";
  out += "[Network]\nBridge=" + spec.ifname + "\nConfigureWithoutCarrier=yes\nLinkLocalAddressing=no\nIPv6AcceptRA=no\n";
  return out;
}

std::vector<std::string> unit_file_names(const std::string& bridge_ifname) {
  return {"10-racker-" + bridge_ifname + ".netdev", "10-racker-" + bridge_ifname + ".network",
          "10-racker-" + veth_prefix(bridge_ifname) + ".network"};
}

Status write_units(const std::string& dir, const BridgeSpec& spec, bool* changed) {
  *changed = false;
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return Error(Errc::kIo, "cannot create " + dir + ": " + ec.message());
  auto names = unit_file_names(spec.ifname);
  // The .network files first: the moment networkd sees the .netdev it may
  // create the bridge, which should then find its addresses.
  if (auto s = write_if_changed(dir + "/" + names[1], render_bridge_network(spec), changed); !s) return s;
  if (auto s = write_if_changed(dir + "/" + names[2], render_ports_network(spec), changed); !s) return s;
  return write_if_changed(dir + "/" + names[0], render_bridge_netdev(spec), changed);
}

Status remove_units(const std::string& dir, const std::string& bridge_ifname, bool* removed) {
  *removed = false;
  for (const auto& name : unit_file_names(bridge_ifname)) {
    std::string path = dir + "/" + name;
    if (::unlink(path.c_str()) == 0) {
      *removed = true;
    } else if (errno != ENOENT) {
      return Error(Errc::kIo, "cannot remove " + path + ": " + std::strerror(errno));
    }
  }
  return ok_status();
}

std::vector<std::string> bridges_with_units(const std::string& dir, const std::string& owner) {
  std::vector<std::string> out;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    std::string name = entry.path().filename().string();
    const std::string prefix = "10-racker-";
    if (name.rfind(prefix, 0) != 0) continue;
    std::string ifname = entry.path().stem().string().substr(prefix.size());
    if (entry.path().extension() != ".netdev" && entry.path().extension() != ".network") continue;
    std::string text = read_file(entry.path().string());
    if (text.find(std::string(kOwnerTag) + owner + "\n") == std::string::npos) continue;
    if (!is_bridge_ifname(ifname)) {  // a ports unit: its bridge is in Bridge=
      auto at = text.find("\nBridge=");
      if (at == std::string::npos) continue;
      ifname = text.substr(at + 8, kMaxIfnameLength);
      if (!is_bridge_ifname(ifname)) continue;
    }
    if (std::find(out.begin(), out.end(), ifname) == out.end()) out.push_back(ifname);
  }
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace racker::network
