#pragma once
// Private to bind*.cpp. The Binder walks a canonical document and reads typed
// values out of it. It never stops at the first problem: each wrong value
// records an error (mark + key path) and binding goes on, so one run reports
// everything. Objects are bound through tables of fields (key -> bind
// function), one table per compose object, like compose-go's per-path tables.

#include <cstdint>
#include <limits>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "racker/compose/bind.h"
#include "racker/compose/model.h"
#include "racker/compose/node.h"

namespace racker::compose::bind_detail {

class Binder;

template <class T>
using BindFn = void (*)(Binder& b, const Node& value, const std::string& path, T& out);

// One key of a compose object. A field without `bind` is accepted but not
// implemented: it is recorded as ignored with `reason` and a warning, unless
// the reason is empty (keys an earlier stage already applied, like extends).
template <class T>
struct Field {
  std::string_view key;
  BindFn<T> bind = nullptr;
  std::string_view reason = {};
};

// Where x-* values and ignored keys of the object being bound go.
struct Holder {
  model::Extensions* extensions = nullptr;
  std::map<std::string, std::string>* ignored = nullptr;
  std::string path;  // extension keys are stored relative to this path
};

class Binder {
 public:
  explicit Binder(model::Project& project) : project_(project) {}

  model::Project& project() { return project_; }

  // --- diagnostics
  // Records a kValidation error at `n`'s mark (or the nearest known one for `path`).
  void fail(const Node& n, const std::string& path, std::string message);
  // Records an error at `at`; without one, at the nearest mark known for
  // `near` (default: `path`), looked up once binding is done.
  void fail_at(std::optional<Mark> at, std::string path, std::string message, std::string near = {});
  // "<object> additional property <key> is not allowed", at the key.
  void unknown_key(const Entry& e, const std::string& object_path);
  void warn(std::string message) { project_.warnings.push_back(std::move(message)); }
  void remember(const std::string& path, const NodeMark& at);
  // Remembers where mapping entry `e` (at `path`) is written: its key, and
  // its value too when that is a scalar, so that a later complaint about the
  // value (an invalid restart policy, an unknown pid service) can put the
  // caret under the offending token (Project::value_marks).
  void remember(const std::string& path, const Entry& e);
  // Marks for every key and value under `path` (racker's own extension).
  void remember_tree(const std::string& path, const Node& node);
  // The errors, each with a mark where one is known. Seals the project's marks.
  std::vector<Error> take_errors();
  // Records `path` as ignored (into the current holder) and warns.
  void ignore(const std::string& path, std::string_view reason);

  // --- scalars: nullopt, with an error recorded, when the value has the wrong type
  std::optional<std::string> string(const Node& n, const std::string& path);
  std::optional<bool> boolean(const Node& n, const std::string& path);
  std::optional<int64_t> integer(const Node& n, const std::string& path,
                                 int64_t min = std::numeric_limits<int64_t>::min(),
                                 int64_t max = std::numeric_limits<int64_t>::max());
  std::optional<double> number(const Node& n, const std::string& path);
  std::optional<model::Duration> duration(const Node& n, const std::string& path);
  std::optional<int64_t> bytes(const Node& n, const std::string& path);
  std::optional<uint32_t> file_mode(const Node& n, const std::string& path, bool octal = false);
  std::optional<std::string> one_of(const Node& n, const std::string& path,
                                    std::initializer_list<std::string_view> allowed);

  // --- collections
  bool expect_map(const Node& n, const std::string& path);
  bool expect_seq(const Node& n, const std::string& path);
  // A list of scalars; with `single`, a lone string counts as a one-item list.
  std::vector<std::string> strings(const Node& n, const std::string& path, bool single = false);
  // list_or_dict: {K: V} or ["K=V"]; null values read as "".
  model::StringMap string_map(const Node& n, const std::string& path);
  // {K: V | null} or ["K=V" | "K"]: null / bare keys stay nullopt.
  model::EnvVars env_map(const Node& n, const std::string& path);
  // A command: null -> nullopt, list of strings -> the list.
  std::optional<std::vector<std::string>> command(const Node& n, const std::string& path);
  // extra_hosts: {host: ip | [ip...]} or ["host:ip" | "host=ip"].
  std::map<std::string, std::vector<std::string>> hosts(const Node& n, const std::string& path);
  std::map<std::string, model::Ulimit> ulimits(const Node& n, const std::string& path);
  std::vector<model::FileReference> file_refs(const Node& n, const std::string& path);

  // Binds the entries of mapping `n` through `fields`; x-* keys go to the
  // current holder, unknown keys are errors naming the object.
  template <class T>
  void object(const Node& n, const std::string& path, std::span<const Field<T>> fields, T& out);

  // Makes `h` the holder for the duration of the returned guard's life.
  class HolderScope {
   public:
    HolderScope(Binder& b, Holder h) : b_(b), saved_(std::move(b.holder_)) { b_.holder_ = std::move(h); }
    ~HolderScope() { b_.holder_ = std::move(saved_); }
    HolderScope(const HolderScope&) = delete;
    HolderScope& operator=(const HolderScope&) = delete;

   private:
    Binder& b_;
    Holder saved_;
  };

 private:
  void extension(const Entry& e, const std::string& path);

  model::Project& project_;
  std::vector<Error> errors_;
  std::vector<std::pair<size_t, std::string>> unplaced_;  // error index -> path to find a mark for
  Holder holder_;
};

template <class T>
void Binder::object(const Node& n, const std::string& path, std::span<const Field<T>> fields, T& out) {
  if (!expect_map(n, path)) return;
  for (const Entry& e : n.entries) {
    std::string child = join_path(path, e.key);
    remember(child, e);
    if (e.key.rfind("x-", 0) == 0) {
      extension(e, child);
      continue;
    }
    const Field<T>* field = nullptr;
    for (const auto& f : fields) {
      if (f.key == e.key) {
        field = &f;
        break;
      }
    }
    if (!field) {
      unknown_key(e, path);
    } else if (field->bind) {
      field->bind(*this, e.value, child, out);
    } else if (!field->reason.empty()) {
      ignore(child, field->reason);
    }
  }
}

// --- generic field binders: `{"image", str<&Service::image>}`

template <class>
struct MemberOf;
template <class C, class V>
struct MemberOf<V C::*> {
  using type = C;
};
template <auto M>
using Owner = typename MemberOf<decltype(M)>::type;

template <class T>
inline constexpr bool kIsOptional = false;
template <class T>
inline constexpr bool kIsOptional<std::optional<T>> = true;

// An optional string set to "" stays unset: compose treats an empty string
// (typically `${VAR}` with VAR unset) like an absent key.
template <auto M>
void str(Binder& b, const Node& n, const std::string& p, Owner<M>& out) {
  auto v = b.string(n, p);
  if (!v) return;
  if constexpr (kIsOptional<std::remove_reference_t<decltype(out.*M)>>) {
    if (v->empty()) return;
  }
  out.*M = std::move(*v);
}
template <auto M>
void flag(Binder& b, const Node& n, const std::string& p, Owner<M>& out) {
  if (auto v = b.boolean(n, p)) out.*M = *v;
}
template <auto M, int64_t Min = std::numeric_limits<int32_t>::min(), int64_t Max = std::numeric_limits<int32_t>::max()>
void int32(Binder& b, const Node& n, const std::string& p, Owner<M>& out) {
  if (auto v = b.integer(n, p, Min, Max)) out.*M = static_cast<int>(*v);
}
template <auto M, int64_t Min = std::numeric_limits<int64_t>::min(), int64_t Max = std::numeric_limits<int64_t>::max()>
void int64(Binder& b, const Node& n, const std::string& p, Owner<M>& out) {
  if (auto v = b.integer(n, p, Min, Max)) out.*M = *v;
}
template <auto M>
void num(Binder& b, const Node& n, const std::string& p, Owner<M>& out) {
  if (auto v = b.number(n, p)) out.*M = *v;
}
template <auto M>
void dur(Binder& b, const Node& n, const std::string& p, Owner<M>& out) {
  if (auto v = b.duration(n, p)) out.*M = *v;
}
template <auto M>
void byte_size(Binder& b, const Node& n, const std::string& p, Owner<M>& out) {
  if (auto v = b.bytes(n, p)) out.*M = *v;
}
template <auto M>
void list(Binder& b, const Node& n, const std::string& p, Owner<M>& out) {
  out.*M = b.strings(n, p);
}
template <auto M>
void string_or_list(Binder& b, const Node& n, const std::string& p, Owner<M>& out) {
  out.*M = b.strings(n, p, /*single=*/true);
}
template <auto M>
void dict(Binder& b, const Node& n, const std::string& p, Owner<M>& out) {
  out.*M = b.string_map(n, p);
}
template <auto M>
void env(Binder& b, const Node& n, const std::string& p, Owner<M>& out) {
  out.*M = b.env_map(n, p);
}
template <auto M>
void cmd(Binder& b, const Node& n, const std::string& p, Owner<M>& out) {
  out.*M = b.command(n, p);
}

// x-* value as JSON text (source key order kept).
std::string node_to_json(const Node& n);

// Collects known_keys() from the field tables, each under its path pattern.
class KeyLister {
 public:
  template <class T, size_t N>
  void table(std::string_view prefix, const Field<T> (&fields)[N]) {
    for (const auto& f : fields) {
      auto kind = f.bind ? KnownKey::Kind::kBound
                         : (f.reason.empty() ? KnownKey::Kind::kApplied : KnownKey::Kind::kIgnored);
      add(prefix, f.key, kind, f.reason);
    }
  }
  // A key read by hand-written code rather than a table.
  void add(std::string_view prefix, std::string_view key, KnownKey::Kind kind = KnownKey::Kind::kBound,
           std::string_view reason = {}) {
    std::string pattern(prefix);
    if (!pattern.empty()) pattern += '.';
    pattern += key;
    keys_.push_back(KnownKey{std::move(pattern), kind, std::string(reason)});
  }
  std::vector<KnownKey> take() { return std::move(keys_); }

 private:
  std::vector<KnownKey> keys_;
};

// Each bind file lists the keys of its own tables.
void list_service_keys(KeyLister& l);    // bind_service.cpp
void list_build_keys(KeyLister& l);      // bind_build.cpp
void list_lifecycle_keys(KeyLister& l);  // bind_lifecycle.cpp
void list_mount_keys(KeyLister& l);      // bind_mounts.cpp
void list_relation_keys(KeyLister& l);   // bind_relations.cpp
void list_resource_keys(KeyLister& l);   // bind_resources.cpp
// Keys of objects the Binder's own readers take (bind_collections.cpp).
void list_file_ref_keys(KeyLister& l, std::string_view prefix);  // Binder::file_refs
void list_ulimit_keys(KeyLister& l, std::string_view prefix);    // Binder::ulimits

// Per-object binders, one file each.
void bind_service(Binder& b, const Node& n, const std::string& path, model::Service& out);
void bind_build(Binder& b, const Node& n, const std::string& path, model::Service& out);
void bind_deploy(Binder& b, const Node& n, const std::string& path, model::Service& out);
void bind_healthcheck(Binder& b, const Node& n, const std::string& path, model::Service& out);
void bind_logging(Binder& b, const Node& n, const std::string& path, model::Service& out);
void bind_ports(Binder& b, const Node& n, const std::string& path, model::Service& out);
void bind_volumes(Binder& b, const Node& n, const std::string& path, model::Service& out);
void bind_devices(Binder& b, const Node& n, const std::string& path, model::Service& out);
void bind_service_networks(Binder& b, const Node& n, const std::string& path, model::Service& out);
void bind_depends_on(Binder& b, const Node& n, const std::string& path, model::Service& out);
// post_start/pre_stop hooks; `pre_start` steps may also name an image.
void bind_hooks(Binder& b, const Node& n, const std::string& path, bool pre_start,
                std::vector<model::ServiceHook>& out);
void bind_resources(Binder& b, const Node& doc);  // top-level networks, volumes, secrets, configs

}  // namespace racker::compose::bind_detail
