// Services as systemd-nspawn containers: a .nspawn settings file and a
// service unit each, a target for the stack, networkd units for networks.
#include "racker/convert/systemd.h"

#include <cctype>

#include "kube_names.h"

namespace racker::convert {
namespace {

namespace model = compose::model;

constexpr const char* kVolumesRoot = "/var/lib/racker-units/";
constexpr const char* kScriptInContainer = "/.racker-command.sh";

std::string machine_name(const std::string& project, const std::string& service) {
  std::string out = project + "-" + service;
  for (auto& c : out)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_' && c != '.') c = '-';
  return out;
}

std::string unit_name(const std::string& project, const std::string& service) {
  return "racker-" + machine_name(project, service) + ".service";
}

// One word of a strv setting (Parameters=, Environment=), which systemd
// splits like a shell word: quoted runs join the word they touch, and
// backslashes stay as written (no C escapes). A word holding both quote
// characters switches quotes where needed: `"a '"'"b'` is the word a '"b. False
// when it cannot be written exactly (a line break: a setting is one line).
bool quote_word(const std::string& s, std::string& out) {
  bool plain = !s.empty();
  for (unsigned char c : s)
    if (std::isspace(c) || c == '"' || c == '\'' || c == '\\') plain = false;
  if (plain) {
    out = s;
    return true;
  }
  bool exact = s.find('\n') == std::string::npos && s.find('\r') == std::string::npos;
  char quote = s.find('"') != std::string::npos && s.find('\'') == std::string::npos ? '\'' : '"';
  out = quote;
  for (char c : s) {
    if (c == '\n' || c == '\r') c = ' ';
    if (c == quote) {  // close this run and go on in the other quote
      out += quote;
      quote = quote == '"' ? '\'' : '"';
      out += quote;
    }
    out += c;
  }
  out += quote;
  return exact;
}

bool is_shell(const std::string& program) {
  std::string base = program.substr(program.rfind('/') == std::string::npos ? 0 : program.rfind('/') + 1);
  return base == "sh" || base == "bash" || base == "ash" || base == "dash" || base == "zsh" || base == "ksh";
}

// Limit names nspawn's [Exec] Limit*= settings know.
const char* limit_setting(const std::string& ulimit) {
  static const std::map<std::string, const char*> names = {
      {"nofile", "LimitNOFILE"}, {"nproc", "LimitNPROC"}, {"core", "LimitCORE"},
      {"memlock", "LimitMEMLOCK"}, {"stack", "LimitSTACK"}, {"fsize", "LimitFSIZE"},
      {"cpu", "LimitCPU"}, {"as", "LimitAS"}, {"locks", "LimitLOCKS"},
      {"sigpending", "LimitSIGPENDING"}, {"msgqueue", "LimitMSGQUEUE"}, {"nice", "LimitNICE"},
      {"rtprio", "LimitRTPRIO"}, {"rttime", "LimitRTTIME"}, {"data", "LimitDATA"}, {"rss", "LimitRSS"}};
  auto it = names.find(ulimit);
  return it == names.end() ? nullptr : it->second;
}

struct Builder {
  const model::Project& project;
  const compose::DependencyGraph& graph;
  Conversion out;
  std::set<std::string> oneshot;  // services others wait for to complete

  void warn(const std::string& service, const std::string& text) { out.warnings.push_back({service, text}); }

  std::string nspawn_file(const model::Service& svc) {
    const std::string& name = svc.name;
    std::string machine = machine_name(project.name, name);
    std::string exec = "[Exec]\nBoot=no\n", script_bind;
    std::vector<std::string> argv;
    if (svc.entrypoint) argv = *svc.entrypoint;
    if (svc.command) argv.insert(argv.end(), svc.command->begin(), svc.command->end());
    if (argv.empty()) {
      warn(name, "services." + name + ": the image's default command is not known here; set Parameters= in " +
                     machine + ".nspawn");
    } else {
      // A multi-line `sh -c` script cannot go on the one Parameters= line: it
      // becomes a file beside the .nspawn file, bound into the container
      // (`sh -c SCRIPT NAME ARGS...` runs as `sh FILE ARGS...`).
      if (argv.size() >= 3 && is_shell(argv[0]) && argv[1] == "-c" && argv[2].find('\n') != std::string::npos) {
        out.files.push_back({machine + ".sh", "# " + project.name + " service " + name + "'s script. Install as /etc/systemd/nspawn/" +
                                                  machine + ".sh.\n" + argv[2]});
        std::vector<std::string> rest(argv.begin() + std::min<size_t>(argv.size(), 4), argv.end());
        argv = {argv[0], kScriptInContainer};
        argv.insert(argv.end(), rest.begin(), rest.end());
        script_bind = "BindReadOnly=/etc/systemd/nspawn/" + machine + ".sh:" + kScriptInContainer + "\n";
        warn(name, "services." + name + ".command: the script is in " + machine + ".sh (install it beside " + machine +
                       ".nspawn); the container runs " + argv[0] + " " + kScriptInContainer);
      }
      std::string line;
      bool exact = true;
      for (const auto& w : argv) {
        std::string word;
        exact = quote_word(w, word) && exact;
        line += (line.empty() ? "" : " ") + word;
      }
      exec += "Parameters=" + line + "\n";
      if (!exact)
        warn(name, "services." + name + ".command: an argument holds a line break, which "
                       "Parameters= cannot carry: check the line (line breaks became spaces)");
    }
    for (const auto& [k, v] : svc.environment) {
      std::string word;
      if (v && quote_word(k + "=" + *v, word)) exec += "Environment=" + word + "\n";
      else if (v) warn(name, "services." + name + ".environment." + k + ": a line break, not converted");
      else warn(name, "services." + name + ".environment." + k + ": no value set, not converted");
    }
    if (svc.working_dir) exec += "WorkingDirectory=" + *svc.working_dir + "\n";
    if (svc.user) exec += "User=" + svc.user->substr(0, svc.user->find(':')) + "\n";
    if (svc.user && svc.user->find(':') != std::string::npos)
      warn(name, "services." + name + ".user: the group of \"" + *svc.user + "\" is not converted");
    exec += "Hostname=" + svc.hostname.value_or(name) + "\n";
    for (const auto& c : svc.cap_add) exec += "Capability=" + (c.compare(0, 4, "CAP_") == 0 || c == "ALL" ? c : "CAP_" + c) + "\n";
    for (const auto& c : svc.cap_drop) exec += "DropCapability=" + (c.compare(0, 4, "CAP_") == 0 || c == "ALL" ? c : "CAP_" + c) + "\n";
    for (const auto& [k, u] : svc.ulimits) {
      if (const char* setting = limit_setting(k)) {
        exec += std::string(setting) + "=" + std::to_string(u.soft) + ":" + std::to_string(u.hard) + "\n";
      } else {
        warn(name, "services." + name + ".ulimits." + k + ": not converted");
      }
    }
    if (svc.privileged.value_or(false))
      warn(name, "services." + name + ".privileged: not converted (add Capability=all and DeviceAllow= by hand)");

    std::string files = "[Files]\n";
    if (svc.read_only.value_or(false)) files += "ReadOnly=yes\n";
    files += script_bind;
    for (size_t i = 0; i < svc.volumes.size(); ++i) {
      const auto& v = svc.volumes[i];
      std::string setting = v.read_only ? "BindReadOnly=" : "Bind=";
      if (v.type == "bind") {
        files += setting + v.source + ":" + v.target + "\n";
      } else if (v.type == "volume" && !v.source.empty()) {
        files += setting + volume_dir(v.source) + ":" + v.target + "\n";
      } else if (v.type == "tmpfs" || v.type == "volume") {
        files += "TemporaryFileSystem=" + v.target + "\n";
        if (v.type == "volume")
          warn(name, "services." + name + ".volumes[" + std::to_string(i) + "]: anonymous volume becomes a tmpfs");
      } else {
        warn(name, "services." + name + ".volumes[" + std::to_string(i) + "]: type " + v.type + " not converted");
      }
    }
    for (const auto& t : svc.tmpfs) files += "TemporaryFileSystem=" + t + "\n";

    std::string network = "[Network]\n";
    if (svc.network_mode == "host") {
      network += "Private=no\nVirtualEthernet=no\n";
    } else if (svc.network_mode == "none") {
      network += "Private=yes\n";
    } else {
      if (svc.network_mode) warn(name, "services." + name + ".network_mode: not converted");
      std::string first;
      // The network of highest priority, as racker attaches it first.
      int best = -1 << 30;
      for (const auto& [net, opts] : svc.networks) {
        int prio = opts && opts->priority ? *opts->priority : 0;
        if (first.empty() || prio > best) {
          first = net;
          best = prio;
        }
      }
      if (!first.empty()) {
        network += "VirtualEthernet=yes\nBridge=" + bridge_name(project.name, first) + "\n";
        for (const auto& [net, _] : svc.networks)
          if (net != first)
            warn(name, "services." + name + ".networks." + net + ": not converted (nspawn joins one bridge; " +
                           first + " is used)");
      }
      for (const auto& p : svc.ports) {
        std::string host = p.published.empty() ? std::to_string(p.target) : p.published;
        network += "Port=" + p.protocol + ":" + host + ":" + std::to_string(p.target) + "\n";
        if (!p.host_ip.empty())
          warn(name, "services." + name + ".ports: host address " + p.host_ip + " not converted (nspawn's Port= "
                         "listens on all addresses)");
      }
    }
    return "# " + project.name + " service " + name + ": settings of systemd-nspawn --machine=" + machine +
           ".\n# Install as /etc/systemd/nspawn/" + machine + ".nspawn; the root file system goes in "
           "/var/lib/machines/" + machine + ".\n" + warning_comments(out.warnings, &name) + exec + "\n" + files +
           "\n" + network;
  }

  // Where a named volume lives on the host running the units.
  std::string volume_dir(const std::string& key) const {
    auto vol = project.volumes.find(key);
    return std::string(kVolumesRoot) + project.name + "/volumes/" + (vol != project.volumes.end() ? vol->second.name : key);
  }

  std::string service_unit(const model::Service& svc) {
    const std::string& name = svc.name;
    std::string machine = machine_name(project.name, name);
    std::string target = "racker-" + project.name + ".target";
    std::string unit = "[Unit]\nDescription=" + project.name + ": service " + name + " (systemd-nspawn container " +
                       machine + ")\nDocumentation=man:systemd-nspawn(1)\nPartOf=" + target + "\nBefore=" + target +
                       "\nAfter=network.target systemd-networkd.service\n";
    std::string after, requires_, wants;
    for (const auto& e : graph.dependencies_of(name)) {
      std::string dep = unit_name(project.name, e.to);
      after += " " + dep;
      (e.required ? requires_ : wants) += " " + dep;
      if (e.condition == "service_healthy")
        warn(name, "services." + name + ".depends_on." + e.to + ": service_healthy becomes started (systemd runs "
                       "no health checks)");
      if (e.restart)
        warn(name, "services." + name + ".depends_on." + e.to + ".restart: approximated by Requires= (a restart "
                       "of " + e.to + " restarts " + name + ")");
    }
    if (!after.empty()) unit += "After=" + after.substr(1) + "\n";
    if (!requires_.empty()) unit += "Requires=" + requires_.substr(1) + "\n";
    if (!wants.empty()) unit += "Wants=" + wants.substr(1) + "\n";
    unit += "RequiresMountsFor=/var/lib/machines/" + machine + "\n";

    std::string restart = svc.restart.value_or("no");
    std::string service = "[Service]\n";
    bool once = oneshot.count(name) > 0;
    if (once) {
      // Dependents wait for it to exit: After= on a oneshot waits for its end.
      service += "Type=oneshot\nRemainAfterExit=yes\n";
      if (restart != "no")
        warn(name, "services." + name + ".restart: not converted (others wait for it to complete)");
    } else {
      service += "Type=notify\n";
    }
    // nspawn refuses a Bind= whose source is missing: named volumes are made on first start, as docker does.
    std::set<std::string> dirs;
    for (const auto& v : svc.volumes)
      if (v.type == "volume" && !v.source.empty() && dirs.insert(volume_dir(v.source)).second)
        service += "ExecStartPre=/bin/mkdir -p " + volume_dir(v.source) + "\n";
    service += "ExecStart=systemd-nspawn --quiet --keep-unit --register=yes --machine=" + machine + "\n";
    service += "KillMode=mixed\nSlice=machine.slice\nDelegate=yes\nTasksMax=16384\n";
    service += "DevicePolicy=closed\nDeviceAllow=/dev/net/tun rwm\nDeviceAllow=char-pts rw\n";
    if (svc.stop_grace_period) service += "TimeoutStopSec=" + std::to_string(seconds(*svc.stop_grace_period, 0)) + "\n";
    if (!once) {
      if (restart == "always" || restart == "unless-stopped") {
        service += "Restart=always\n";
      } else if (restart.compare(0, 10, "on-failure") == 0) {
        service += "Restart=on-failure\n";
        if (restart.size() > 11) unit += "StartLimitIntervalSec=0\nStartLimitBurst=" + restart.substr(11) + "\n";
      } else {
        service += "Restart=no\n";
      }
    }
    return "# " + project.name + " service " + name + ", in the shape of systemd-nspawn@.service (not booted: the\n"
           "# container runs the service's command). Install in /etc/systemd/system/.\n" +
           unit + "\n" + service;
  }

  void networks() {
    std::set<std::string> used;
    for (const auto& [_, svc] : project.services)
      if (!svc.network_mode)
        for (const auto& [net, __] : svc.networks) used.insert(net);
    for (const auto& net : used) {
      const auto& n = project.networks.at(net);
      std::string br = bridge_name(project.name, net);
      std::string base = "racker-" + project.name + "-" + net;
      out.files.push_back({base + ".netdev", "# " + project.name + " network " + net +
                                                 ". Install in /etc/systemd/network/.\n[NetDev]\nName=" + br +
                                                 "\nKind=bridge\n"});
      std::string network = "# " + project.name + " network " + net + ". Install in /etc/systemd/network/.\n[Match]\nName=" +
                            br + "\n\n[Network]\n";
      std::string address = "0.0.0.0/24";  // networkd picks a free /24 from its pool
      for (const auto& pool : n.ipam) {
        if (pool.gateway && pool.subnet) {
          address = *pool.gateway + pool.subnet->substr(pool.subnet->find('/'));
        } else if (pool.subnet) {
          warn("", "networks." + net + ".ipam: no gateway given; networkd picks an address (subnet " + *pool.subnet +
                       " not converted)");
        }
        break;
      }
      network += "Address=" + address + "\nConfigureWithoutCarrier=yes\nDHCPServer=yes\n";
      if (!n.internal) network += "IPMasquerade=ipv4\n";
      out.files.push_back({base + ".network", network});
      if (n.external) warn("", "networks." + net + ": external, converted as a bridge of its own");
    }
  }
};

}  // namespace

std::string bridge_name(const std::string& project, const std::string& network) {
  std::string name;
  for (unsigned char c : project + "-" + network) name += std::isalnum(c) ? static_cast<char>(std::tolower(c)) : '-';
  if (name.size() <= 15) return name;
  uint32_t h = 2166136261u;  // FNV-1a: stable across runs and machines
  for (unsigned char c : project + "\n" + network) h = (h ^ c) * 16777619u;
  static const char* hex = "0123456789abcdef";
  std::string suffix = "-";
  for (int i = 0; i < 4; ++i) suffix += hex[(h >> (28 - 4 * i)) & 15];
  return name.substr(0, 10) + suffix;
}

Result<Conversion> to_systemd(const compose::model::Project& project, const compose::DependencyGraph& graph) {
  Builder b{project, graph, {}, {}};
  for (const auto& s : graph.services())
    for (const auto& e : graph.dependencies_of(s))
      if (e.condition == "service_completed_successfully") b.oneshot.insert(e.to);
  std::string target = "racker-" + project.name + ".target";
  std::string wants;
  for (const auto& name : graph.start_order()) {
    const auto& svc = project.services.at(name);
    if (svc.replicas() != 1)
      b.warn(name, "services." + name + ": " + std::to_string(svc.replicas()) + " replicas not converted (one container)");
    if (svc.healthcheck && !svc.healthcheck->disable && !svc.healthcheck->test.empty())
      b.warn(name, "services." + name + ".healthcheck: not converted (systemd runs no health checks)");
    if (!svc.image) b.warn(name, "services." + name + ".build: not converted (unpack the built image yourself)");
    std::string unit = b.service_unit(svc);  // its warnings first: the .nspawn file lists them
    std::string machine = machine_name(project.name, name);
    b.out.files.push_back({machine + ".nspawn", b.nspawn_file(svc)});
    b.out.files.push_back({unit_name(project.name, name), unit});
    wants += " " + unit_name(project.name, name);
  }
  b.networks();
  b.warn("", "service names do not resolve between containers (racker's DNS is not part of these units); "
             "containers get addresses only from a DHCP client of their own on host0");
  b.out.files.push_back({target, "# The " + project.name + " stack: systemctl enable --now " + target +
                                     "\n[Unit]\nDescription=" + project.name + " stack (racker compose convert)\n" +
                                     (wants.empty() ? "" : "Wants=" + wants.substr(1) + "\n") +
                                     "\n[Install]\nWantedBy=multi-user.target\n"});
  return b.out;
}

std::string systemd_listing(const Conversion& conversion) {
  std::string out = warning_comments(conversion.warnings, nullptr);
  for (const auto& f : conversion.files) out += (out.empty() ? "" : "\n") + ("# ==> " + f.name + " <==\n") + f.content;
  return out;
}

}  // namespace racker::convert
