// The Binder's readers for lists and maps. They accept both the canonical
// (long) form and the short one, so a document that skipped a canonical rule
// (hook commands, ssh, ulimits under build) still binds the way compose reads it.
#include "bind_internal.h"

namespace racker::compose::bind_detail {
namespace {

// Shell-style word splitting for commands given as one string, as compose
// does with go-shellwords: quotes group, backslash escapes, no expansion.
std::optional<std::vector<std::string>> split_words(const std::string& s) {
  std::vector<std::string> words;
  std::string word;
  bool in_word = false;
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
      if (in_word) words.push_back(std::move(word));
      word.clear();
      in_word = false;
      continue;
    }
    in_word = true;
    if (c == '\\') {
      if (++i == s.size()) return std::nullopt;
      word += s[i];
    } else if (c == '\'') {
      size_t end = s.find('\'', i + 1);
      if (end == std::string::npos) return std::nullopt;
      word += s.substr(i + 1, end - i - 1);
      i = end;
    } else if (c == '"') {
      for (++i;; ++i) {
        if (i == s.size()) return std::nullopt;
        if (s[i] == '"') break;
        if (s[i] == '\\' && i + 1 < s.size() && std::string_view("\"\\$`").find(s[i + 1]) != std::string_view::npos)
          ++i;
        word += s[i];
      }
    } else {
      word += c;
    }
  }
  if (in_word) words.push_back(std::move(word));
  return words;
}

// "K=V" -> (K, V); "K" -> (K, nullopt).
std::pair<std::string, std::optional<std::string>> split_assignment(const std::string& item) {
  size_t eq = item.find('=');
  if (eq == std::string::npos) return {item, std::nullopt};
  return {item.substr(0, eq), item.substr(eq + 1)};
}

}  // namespace

bool Binder::expect_map(const Node& n, const std::string& path) {
  if (n.is_map()) return true;
  fail(n, path, "must be a mapping");
  return false;
}

bool Binder::expect_seq(const Node& n, const std::string& path) {
  if (n.is_seq()) return true;
  fail(n, path, "must be a list");
  return false;
}

std::vector<std::string> Binder::strings(const Node& n, const std::string& path, bool single) {
  std::vector<std::string> out;
  if (single && n.is_scalar()) {
    out.push_back(n.scalar);
    return out;
  }
  if (!n.is_seq()) {
    fail(n, path, single ? "must be a string or a list of strings" : "must be a list of strings");
    return out;
  }
  for (size_t i = 0; i < n.items.size(); ++i) {
    std::string item_path = index_path(path, i);
    remember(item_path, n.items[i].mark);
    if (auto s = string(n.items[i], item_path)) out.push_back(std::move(*s));
  }
  return out;
}

model::StringMap Binder::string_map(const Node& n, const std::string& path) {
  model::StringMap out;
  for (auto& [key, value] : env_map(n, path)) out[key] = value.value_or("");
  return out;
}

model::EnvVars Binder::env_map(const Node& n, const std::string& path) {
  model::EnvVars out;
  if (n.is_map()) {
    for (const Entry& e : n.entries) {
      std::string p = join_path(path, e.key);
      remember(p, e);
      if (e.value.is_null()) {
        out[e.key] = std::nullopt;
      } else if (e.value.is_scalar()) {
        out[e.key] = e.value.scalar;
      } else {
        fail(e.value, p, "must be a string, number, boolean or null");
      }
    }
  } else if (n.is_seq()) {
    for (size_t i = 0; i < n.items.size(); ++i) {
      std::string p = index_path(path, i);
      remember(p, n.items[i].mark);
      if (auto s = string(n.items[i], p)) {
        auto [key, value] = split_assignment(*s);
        out[key] = value;
      }
    }
  } else {
    fail(n, path, "must be a mapping or a list of KEY=VALUE strings");
  }
  return out;
}

std::optional<std::vector<std::string>> Binder::command(const Node& n, const std::string& path) {
  if (n.is_null()) return std::nullopt;
  if (n.is_scalar()) {
    auto words = split_words(n.scalar);
    if (!words) fail(n, path, "unbalanced quotes or trailing backslash in \"" + n.scalar + "\"");
    return words;
  }
  if (!n.is_seq()) {
    fail(n, path, "must be a string or a list of strings");
    return std::nullopt;
  }
  return strings(n, path);
}

std::map<std::string, std::vector<std::string>> Binder::hosts(const Node& n, const std::string& path) {
  std::map<std::string, std::vector<std::string>> out;
  if (n.is_map()) {
    for (const Entry& e : n.entries) {
      std::string p = join_path(path, e.key);
      remember(p, e);
      auto& addresses = out[e.key];
      for (auto& a : strings(e.value, p, /*single=*/true)) addresses.push_back(std::move(a));
    }
    return out;
  }
  if (!n.is_seq()) {
    fail(n, path, "must be a mapping or a list of \"host:address\" strings");
    return out;
  }
  for (size_t i = 0; i < n.items.size(); ++i) {
    std::string p = index_path(path, i);
    remember(p, n.items[i].mark);
    auto s = string(n.items[i], p);
    if (!s) continue;
    // "host=ip" first: the address may itself contain colons (IPv6).
    size_t sep = s->find('=');
    if (sep == std::string::npos) sep = s->find(':');
    if (sep == std::string::npos || sep == 0 || sep + 1 == s->size()) {
      fail(n.items[i], p, "invalid extra host \"" + *s + "\": expected host:address or host=address");
      continue;
    }
    out[s->substr(0, sep)].push_back(s->substr(sep + 1));
  }
  return out;
}

std::map<std::string, model::Ulimit> Binder::ulimits(const Node& n, const std::string& path) {
  std::map<std::string, model::Ulimit> out;
  if (!expect_map(n, path)) return out;
  for (const Entry& e : n.entries) {
    std::string p = join_path(path, e.key);
    remember(p, e);
    if (e.value.is_scalar()) {
      if (auto v = integer(e.value, p)) out[e.key] = model::Ulimit{*v, *v};
      continue;
    }
    if (!expect_map(e.value, p)) continue;
    model::Ulimit limit;
    bool complete = true;
    for (const char* key : {"soft", "hard"}) {
      const Node* v = e.value.find(key);
      if (!v) {
        fail(e.value, p, std::string(key) + " is required");
        complete = false;
        continue;
      }
      remember(join_path(p, key), v->mark);
      auto i = integer(*v, join_path(p, key));
      if (!i) complete = false;
      (std::string_view(key) == "soft" ? limit.soft : limit.hard) = i.value_or(0);
    }
    for (const Entry& k : e.value.entries) {
      if (k.key != "soft" && k.key != "hard" && k.key.rfind("x-", 0) != 0) unknown_key(k, p);
    }
    if (complete && limit.soft > limit.hard)
      fail(e.value, p, "soft limit " + std::to_string(limit.soft) + " is greater than hard limit " +
                           std::to_string(limit.hard));
    if (complete) out[e.key] = limit;
  }
  return out;
}

namespace {

const Field<model::FileReference> kFileRefFields[] = {
    {"source", str<&model::FileReference::source>},
    {"target", str<&model::FileReference::target>},
    {"uid", str<&model::FileReference::uid>},
    {"gid", str<&model::FileReference::gid>},
    {"mode",
     [](Binder& b, const Node& n, const std::string& p, model::FileReference& out) {
       if (auto m = b.file_mode(n, p)) out.mode = *m;
     }},
};

}  // namespace

void list_file_ref_keys(KeyLister& l, std::string_view prefix) {
  l.table<model::FileReference>(prefix, kFileRefFields);
}

void list_ulimit_keys(KeyLister& l, std::string_view prefix) {
  l.add(prefix, "soft");  // Binder::ulimits reads these two by hand
  l.add(prefix, "hard");
}

std::vector<model::FileReference> Binder::file_refs(const Node& n, const std::string& path) {
  std::vector<model::FileReference> out;
  if (!expect_seq(n, path)) return out;
  for (size_t i = 0; i < n.items.size(); ++i) {
    const Node& item = n.items[i];
    std::string p = index_path(path, i);
    remember(p, item.mark);
    model::FileReference ref;
    if (item.is_scalar()) {
      ref.source = item.scalar;
    } else if (item.is_map()) {
      object<model::FileReference>(item, p, kFileRefFields, ref);
      if (!item.find("source")) {
        fail(item, p, "source is required");
        continue;
      }
    } else {
      fail(item, p, "must be a string or a mapping");
      continue;
    }
    out.push_back(std::move(ref));
  }
  return out;
}

}  // namespace racker::compose::bind_detail
