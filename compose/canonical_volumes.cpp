// Volume and device short syntax, read the way compose-go's format.ParseVolume
// and device transform do (Windows paths aside).
#include <filesystem>

#include "canonical_internal.h"

namespace racker::compose::canonical {
namespace {

bool is_propagation(std::string_view o) {
  return o == "rprivate" || o == "private" || o == "rshared" || o == "shared" || o == "rslave" || o == "slave";
}

// A source naming a host path rather than a volume.
bool is_host_path(std::string_view source) {
  return !source.empty() && (source[0] == '.' || source[0] == '/' || source[0] == '~');
}

// Lexically clean an absolute or relative container path, as Go's path.Clean.
std::string clean_target(const std::string& target) {
  std::string out = std::filesystem::path(target).lexically_normal().string();
  while (out.size() > 1 && out.back() == '/') out.pop_back();
  return out.empty() ? "." : out;
}

// Splits on colons outside ${...}, so an uninterpolated default such as
// ${SRC:-/data} stays one field.
std::vector<std::string> split_fields(std::string_view spec) {
  std::vector<std::string> fields;
  std::string field;
  int depth = 0;
  for (size_t i = 0; i < spec.size(); ++i) {
    char c = spec[i];
    if (c == '$' && i + 1 < spec.size() && spec[i + 1] == '{') {
      ++depth;
    } else if (c == '}' && depth > 0) {
      --depth;
    } else if (c == ':' && depth == 0) {
      fields.push_back(std::move(field));
      field.clear();
      continue;
    }
    field += c;
  }
  fields.push_back(std::move(field));
  return fields;
}

}  // namespace

Result<Node> parse_volume(const Node& scalar, const std::string& path) {
  const std::string& spec = scalar.scalar;
  const NodeMark& m = scalar.mark;
  auto bad = [&](const std::string& why) { return invalid(scalar, path, "invalid volume \"" + spec + "\": " + why); };
  if (spec.empty()) return bad("empty volume spec");

  std::string source, target, options;
  std::vector<std::string> fields = split_fields(spec);
  if (spec.size() <= 2) fields = {spec};  // "/a": too short to hold a colon-separated pair
  for (const auto& f : fields)
    if (f.empty()) return bad("empty section between colons");
  if (fields.size() > 3) return bad("too many colons");
  if (fields.size() == 1) {
    target = fields[0];  // anonymous volume
  } else {
    source = fields[0];
    target = fields[1];
    if (fields.size() == 3) options = fields[2];
  }

  bool read_only = false, nocopy = false;
  std::string selinux, propagation;
  size_t start = 0;
  while (start <= options.size() && !options.empty()) {
    size_t comma = options.find(',', start);
    std::string o = options.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    if (o == "ro") read_only = true;
    else if (o == "rw") read_only = false;
    else if (o == "nocopy") nocopy = true;
    else if (o == "z" || o == "Z") selinux = o;
    else if (is_propagation(o)) propagation = o;
    // Other options are ignored, as compose does.
    if (comma == std::string::npos) break;
    start = comma + 1;
  }

  bool bind = is_host_path(source);
  Node out = Node::map(m);
  out.set("type", Node::str(bind ? "bind" : "volume", m), m);
  if (!source.empty()) out.set("source", Node::str(source, m), m);
  out.set("target", Node::str(clean_target(target), m), m);
  if (read_only) out.set("read_only", Node::boolean(true, m), m);
  if (bind || !selinux.empty() || !propagation.empty()) {
    Node b = Node::map(m);
    if (!propagation.empty()) b.set("propagation", Node::str(propagation, m), m);
    if (!selinux.empty()) b.set("selinux", Node::str(selinux, m), m);
    // Short syntax creates a missing host path, as docker-compose v1 did.
    if (bind) b.set("create_host_path", Node::boolean(true, m), m);
    out.set("bind", std::move(b), m);
  }
  if (!bind || nocopy) {
    Node v = Node::map(m);
    if (nocopy) v.set("nocopy", Node::boolean(true, m), m);
    out.set("volume", std::move(v), m);
  }
  return out;
}

Result<Node> parse_device(const Node& scalar, const std::string& path) {
  const std::string& spec = scalar.scalar;
  const NodeMark& m = scalar.mark;
  std::vector<std::string> fields;
  size_t start = 0;
  while (true) {
    size_t colon = spec.find(':', start);
    fields.push_back(spec.substr(start, colon == std::string::npos ? std::string::npos : colon - start));
    if (colon == std::string::npos) break;
    start = colon + 1;
  }
  if (fields.size() > 3)
    return invalid(scalar, path, "invalid device \"" + spec + "\": too many colons, use the long syntax");
  if (fields[0].empty()) return invalid(scalar, path, "invalid device \"" + spec + "\": no host device");
  std::string source = fields[0];
  std::string target = fields.size() > 1 && !fields[1].empty() ? fields[1] : source;
  std::string permissions = fields.size() > 2 && !fields[2].empty() ? fields[2] : "rwm";
  Node out = Node::map(m);
  out.set("source", Node::str(source, m), m);
  out.set("target", Node::str(target, m), m);
  out.set("permissions", Node::str(permissions, m), m);
  return out;
}

}  // namespace racker::compose::canonical
