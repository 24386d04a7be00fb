#include "netlink_ops.h"

#include <net/if.h>
#include <netlink/netlink.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>
#include <netlink/route/link/veth.h>
#include <netlink/route/route.h>
#include <netlink/route/rtnl.h>
#include <sys/socket.h>

namespace racker::network::nl {

namespace {

struct LinkFree { void operator()(rtnl_link* l) const { rtnl_link_put(l); } };
struct AddrFree { void operator()(nl_addr* a) const { nl_addr_put(a); } };
struct CacheFree { void operator()(nl_cache* c) const { nl_cache_free(c); } };
struct RtAddrFree { void operator()(rtnl_addr* a) const { rtnl_addr_put(a); } };
struct RouteFree { void operator()(rtnl_route* r) const { rtnl_route_put(r); } };
using LinkPtr = std::unique_ptr<rtnl_link, LinkFree>;
using AddrPtr = std::unique_ptr<nl_addr, AddrFree>;
using CachePtr = std::unique_ptr<nl_cache, CacheFree>;

Error nl_error(const std::string& what, int err) {
  Errc code = Errc::kIo;
  if (err == -NLE_EXIST) code = Errc::kConflict;
  if (err == -NLE_OBJ_NOTFOUND || err == -NLE_NODEV) code = Errc::kNotFound;
  if (err == -NLE_PERM) code = Errc::kPermission;
  return Error(code, what + ": " + nl_geterror(err));
}

LinkInfo info_of(rtnl_link* link) {
  LinkInfo i;
  i.index = rtnl_link_get_ifindex(link);
  const char* name = rtnl_link_get_name(link);
  i.name = name ? name : "";
  const char* kind = rtnl_link_get_type(link);
  i.kind = kind ? kind : "";
  const char* alias = rtnl_link_get_ifalias(link);
  i.alias = alias ? alias : "";
  i.master = rtnl_link_get_master(link);
  i.up = (rtnl_link_get_flags(link) & IFF_UP) != 0;
  return i;
}

Result<LinkPtr> get_link(Socket& s, const std::string& name) {
  rtnl_link* link = nullptr;
  int err = rtnl_link_get_kernel(s.get(), 0, name.c_str(), &link);
  if (err < 0) return nl_error("link " + name, err);
  return LinkPtr(link);
}

Status change(Socket& s, const std::string& name, rtnl_link* changes) {
  auto orig = get_link(s, name);
  if (!orig) return orig.error();
  int err = rtnl_link_change(s.get(), orig->get(), changes, 0);
  if (err < 0) return nl_error("cannot change link " + name, err);
  return ok_status();
}

AddrPtr to_nl_addr(const IpAddress& a, int prefix) {
  int family = a.is_v4() ? AF_INET : AF_INET6;
  nl_addr* out = nl_addr_build(family, a.bytes().data(), a.is_v4() ? 4 : 16);
  nl_addr_set_prefixlen(out, prefix);
  return AddrPtr(out);
}

}  // namespace

void Socket::Free::operator()(nl_sock* s) const { nl_socket_free(s); }

Result<Socket> Socket::open() {
  Socket s;
  s.sock_.reset(nl_socket_alloc());
  if (!s.sock_) return Error(Errc::kInternal, "netlink: cannot allocate a socket");
  int err = nl_connect(s.sock_.get(), NETLINK_ROUTE);
  if (err < 0) return nl_error("netlink: cannot connect", err);
  return s;
}

Result<std::optional<LinkInfo>> find_link(Socket& s, const std::string& name) {
  rtnl_link* link = nullptr;
  int err = rtnl_link_get_kernel(s.get(), 0, name.c_str(), &link);
  if (err == -NLE_OBJ_NOTFOUND || err == -NLE_NODEV) return std::optional<LinkInfo>();
  if (err < 0) return nl_error("link " + name, err);
  LinkPtr owned(link);
  return std::optional<LinkInfo>(info_of(link));
}

Result<std::vector<LinkInfo>> list_links(Socket& s) {
  nl_cache* raw = nullptr;
  int err = rtnl_link_alloc_cache(s.get(), AF_UNSPEC, &raw);
  if (err < 0) return nl_error("cannot list links", err);
  CachePtr cache(raw);
  std::vector<LinkInfo> out;
  for (nl_object* o = nl_cache_get_first(raw); o; o = nl_cache_get_next(o))
    out.push_back(info_of(reinterpret_cast<rtnl_link*>(o)));
  return out;
}

Status create_bridge(Socket& s, const std::string& name, std::optional<int> mtu) {
  LinkPtr link(rtnl_link_alloc());
  rtnl_link_set_type(link.get(), "bridge");
  rtnl_link_set_name(link.get(), name.c_str());
  if (mtu) rtnl_link_set_mtu(link.get(), *mtu);
  int err = rtnl_link_add(s.get(), link.get(), NLM_F_CREATE | NLM_F_EXCL);
  if (err < 0) return nl_error("cannot create bridge " + name, err);
  return ok_status();
}

Status create_veth(Socket& s, const VethRequest& r) {
  LinkPtr link(rtnl_link_veth_alloc());
  if (!link) return Error(Errc::kInternal, "netlink: cannot allocate a veth");
  rtnl_link* peer = rtnl_link_veth_get_peer(link.get());
  LinkPtr peer_ref(peer);  // get_peer took a reference
  rtnl_link_set_name(link.get(), r.host_name.c_str());
  rtnl_link_set_name(peer, r.peer_name.c_str());
  if (r.peer_netns_fd >= 0) rtnl_link_set_ns_fd(peer, r.peer_netns_fd);
  if (r.peer_mac) {
    nl_addr* mac = nullptr;
    int err = nl_addr_parse(r.peer_mac->c_str(), AF_LLC, &mac);
    if (err < 0) return Error(Errc::kInvalidArgument, "invalid MAC address \"" + *r.peer_mac + "\"");
    AddrPtr owned(mac);
    rtnl_link_set_addr(peer, mac);
  }
  if (r.mtu) {
    rtnl_link_set_mtu(link.get(), *r.mtu);
    rtnl_link_set_mtu(peer, *r.mtu);
  }
  if (r.master) rtnl_link_set_master(link.get(), r.master);
  if (r.host_up) rtnl_link_set_flags(link.get(), IFF_UP);
  int err = rtnl_link_add(s.get(), link.get(), NLM_F_CREATE | NLM_F_EXCL);
  if (err < 0) return nl_error("cannot create veth " + r.host_name + " (peer " + r.peer_name + ")", err);
  return ok_status();
}

Status set_up(Socket& s, const std::string& name) {
  LinkPtr changes(rtnl_link_alloc());
  rtnl_link_set_flags(changes.get(), IFF_UP);
  return change(s, name, changes.get());
}

Status set_alias(Socket& s, const std::string& name, const std::string& alias) {
  LinkPtr changes(rtnl_link_alloc());
  rtnl_link_set_ifalias(changes.get(), alias.c_str());
  return change(s, name, changes.get());
}

Status add_address(Socket& s, const std::string& name, const Interface& address) {
  auto link = get_link(s, name);
  if (!link) return link.error();
  std::unique_ptr<rtnl_addr, RtAddrFree> addr(rtnl_addr_alloc());
  rtnl_addr_set_ifindex(addr.get(), rtnl_link_get_ifindex(link->get()));
  AddrPtr local = to_nl_addr(address.address, address.prefix);
  rtnl_addr_set_local(addr.get(), local.get());
  if (address.address.is_v4() && address.prefix < 31) {
    AddrPtr brd = to_nl_addr(address.address.with_host_bits_set(address.prefix), 32);
    rtnl_addr_set_broadcast(addr.get(), brd.get());
  }
  if (!address.address.is_v4()) rtnl_addr_set_flags(addr.get(), IFA_F_NODAD);
  int err = rtnl_addr_add(s.get(), addr.get(), 0);
  if (err == -NLE_EXIST) return ok_status();
  if (err < 0) return nl_error("cannot add " + address.to_string() + " to " + name, err);
  return ok_status();
}

Result<std::vector<Interface>> addresses(Socket& s, const std::string& name) {
  auto link = get_link(s, name);
  if (!link) return link.error();
  int index = rtnl_link_get_ifindex(link->get());
  nl_cache* raw = nullptr;
  int err = rtnl_addr_alloc_cache(s.get(), &raw);
  if (err < 0) return nl_error("cannot list addresses", err);
  CachePtr cache(raw);
  std::vector<Interface> out;
  for (nl_object* o = nl_cache_get_first(raw); o; o = nl_cache_get_next(o)) {
    auto* a = reinterpret_cast<rtnl_addr*>(o);
    if (rtnl_addr_get_ifindex(a) != index) continue;
    nl_addr* local = rtnl_addr_get_local(a);
    if (!local) continue;
    char buf[128];
    nl_addr2str(local, buf, sizeof buf);  // "a.b.c.d/p" (or without /p for hosts)
    std::string text = buf;
    auto slash = text.find('/');
    auto ip = IpAddress::parse(text.substr(0, slash));
    if (ip) out.push_back({*ip, static_cast<int>(nl_addr_get_prefixlen(local))});
  }
  return out;
}

Status add_default_route(Socket& s, const std::string& name, const IpAddress& gateway) {
  auto link = get_link(s, name);
  if (!link) return link.error();
  std::unique_ptr<rtnl_route, RouteFree> route(rtnl_route_alloc());
  int family = gateway.is_v4() ? AF_INET : AF_INET6;
  rtnl_route_set_family(route.get(), family);
  AddrPtr dst = to_nl_addr(gateway.is_v4() ? IpAddress() : IpAddress::parse("::").value(), 0);
  rtnl_route_set_dst(route.get(), dst.get());
  rtnl_route_set_table(route.get(), RT_TABLE_MAIN);
  rtnl_route_set_protocol(route.get(), RTPROT_STATIC);
  rtnl_nexthop* nh = rtnl_route_nh_alloc();
  rtnl_route_nh_set_ifindex(nh, rtnl_link_get_ifindex(link->get()));
  AddrPtr gw = to_nl_addr(gateway, gateway.bits());
  rtnl_route_nh_set_gateway(nh, gw.get());
  rtnl_route_add_nexthop(route.get(), nh);  // the route owns nh now
  int err = rtnl_route_add(s.get(), route.get(), NLM_F_CREATE | NLM_F_REPLACE);
  if (err < 0) return nl_error("cannot add default route via " + gateway.to_string() + " on " + name, err);
  return ok_status();
}

Status delete_link(Socket& s, const std::string& name) {
  LinkPtr link(rtnl_link_alloc());
  rtnl_link_set_name(link.get(), name.c_str());
  int err = rtnl_link_delete(s.get(), link.get());
  if (err == -NLE_OBJ_NOTFOUND || err == -NLE_NODEV) return ok_status();
  if (err < 0) return nl_error("cannot delete link " + name, err);
  return ok_status();
}

}  // namespace racker::network::nl
