// RegistryClient over a scripted HttpClient: the Bearer token flow, Basic
// auth, retries, mirrors and blob verification, without a network.
#include "racker/runtime/registry_client.h"

#include <catch2/catch.hpp>
#include <cstdlib>
#include <map>
#include <memory>

#include "support/image_tar_builder.h"

using namespace racker;
using namespace racker::runtime;

namespace {

// A registry in a map: answers by URL prefix, records every request.
struct FakeRegistry {
  struct Route {
    int status = 200;
    std::string body;
    Headers headers;
    std::string require_auth;  // Authorization value needed; otherwise 401 + challenge
    std::string challenge;
    int fail_first = 0;        // transport errors before answering
  };
  std::map<std::string, Route> routes;  // exact URL -> route
  std::vector<HttpRequest> log;
};

FakeRegistry::Route route(int status, std::string body, Headers headers = {}, std::string require_auth = "",
                          std::string challenge = "", int fail_first = 0) {
  FakeRegistry::Route r;
  r.status = status;
  r.body = std::move(body);
  r.headers = std::move(headers);
  r.require_auth = std::move(require_auth);
  r.challenge = std::move(challenge);
  r.fail_first = fail_first;
  return r;
}

class FakeHttp : public HttpClient {
 public:
  explicit FakeHttp(FakeRegistry& reg) : reg_(reg) {}
  Result<HttpResponse> send(const HttpRequest& req, const BodySink* sink) override {
    reg_.log.push_back(req);
    std::string url = req.url;
    auto it = reg_.routes.find(url);
    if (it == reg_.routes.end()) {
      HttpResponse r;
      r.status = 404;
      r.url = url;
      r.body = R"({"errors":[{"code":"MANIFEST_UNKNOWN","message":"manifest unknown"}]})";
      return r;
    }
    auto& route = it->second;
    if (route.fail_first > 0) {
      --route.fail_first;
      return Error(Errc::kIo, "connection reset");
    }
    HttpResponse r;
    r.url = url;
    std::string auth;
    for (const auto& [k, v] : req.headers)
      if (k == "Authorization") auth = v;
    if (!route.require_auth.empty() && auth != route.require_auth) {
      r.status = 401;
      r.headers.emplace_back("www-authenticate", route.challenge);
      return r;
    }
    r.status = route.status;
    r.headers = route.headers;
    if (sink && r.status == 200) {
      if (auto st = (*sink)(route.body.data(), route.body.size()); !st) return st.error();
    } else {
      r.body = route.body;
    }
    return r;
  }

 private:
  FakeRegistry& reg_;
};

RegistryClientOptions options_for(FakeRegistry& reg, std::vector<RegistryEndpoint> endpoints) {
  RegistryClientOptions o;
  o.endpoints = std::move(endpoints);
  o.http = [&reg] { return std::make_unique<FakeHttp>(reg); };
  o.backoff = std::chrono::milliseconds(1);
  return o;
}

const char* kManifest = R"({"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"digest":"sha256:0000000000000000000000000000000000000000000000000000000000000000","size":1},"layers":[]})";

}  // namespace

TEST_CASE("Bearer challenge: token fetched from the realm with scope and service, then reused", "[registry]") {
  FakeRegistry reg;
  std::string challenge = R"(Bearer realm="https://auth.example/token",service="registry.example",scope="repository:o/n:pull")";
  reg.routes["https://registry.example/v2/o/n/manifests/1"] = route(200, kManifest, {{"content-type", "application/vnd.oci.image.manifest.v1+json"}}, "Bearer tok123", challenge);
  reg.routes["https://auth.example/token?scope=repository%3Ao%2Fn%3Apull&service=registry.example&account=user"] =
      route(200, R"({"token":"tok123"})");
  std::string blob = "layer bytes";
  Descriptor d{"application/octet-stream", sha256_of(blob), static_cast<int64_t>(blob.size()), std::nullopt};
  reg.routes["https://registry.example/v2/o/n/blobs/" + d.digest.str()] = route(200, blob, {}, "Bearer tok123", challenge);

  auto ref = *parse_image_ref("registry.example/o/n:1");
  auto opts = options_for(reg, {{"https://registry.example", false}});
  opts.credentials = {"user", "pass"};
  RegistryClient client(ref, opts);
  auto m = client.fetch_manifest("1");
  REQUIRE(m.ok());
  CHECK(m->digest == sha256_of(kManifest));
  // The token request carried the Basic credentials.
  REQUIRE(reg.log.size() == 3);
  CHECK(reg.log[1].headers.at(0).second == basic_authorization({"user", "pass"}));

  racker::test::TempDir dir;
  REQUIRE(client.fetch_blob(d, dir / "blob").ok());
  CHECK(racker::test::read_file(dir / "blob") == blob);
  CHECK(reg.log.size() == 4);  // the cached token worked at once
}

TEST_CASE("a login check asks the token server for no scope, only the account", "[registry]") {
  FakeRegistry reg;
  reg.routes["https://registry.example/v2/"] =
      route(200, "{}", {}, "Bearer tok-login", R"(Bearer realm="https://auth.example/token",service="registry.example")");
  reg.routes["https://auth.example/token?service=registry.example&account=user"] = route(200, R"({"access_token":"tok-login"})");
  auto opts = options_for(reg, {{"https://registry.example", false}});
  opts.credentials = {"user", "pass"};
  RegistryClient client(*parse_image_ref("registry.example/library/login-check"), opts);
  REQUIRE(client.check_login().ok());
  REQUIRE(reg.log.size() == 3);
  CHECK(reg.log[1].url == "https://auth.example/token?service=registry.example&account=user");

  // A token server that refuses the credentials: docker's wording.
  reg.routes.erase("https://auth.example/token?service=registry.example&account=user");
  reg.routes["https://auth.example/token?service=registry.example&account=user"] = route(401, "{}");
  RegistryClient again(*parse_image_ref("registry.example/library/login-check"), opts);
  auto st = again.check_login();
  REQUIRE_FALSE(st.ok());
  CHECK(st.error().message == "unauthorized: incorrect username or password");
}

TEST_CASE("registry requests carry the endpoint's plain-HTTP fallback rule", "[registry]") {
  FakeRegistry reg;
  reg.routes["https://127.0.0.1:5000/v2/x/manifests/1"] = route(200, kManifest);
  RegistryClient client(*parse_image_ref("127.0.0.1:5000/x:1"),
                        options_for(reg, {{"https://127.0.0.1:5000", false, true}}));
  REQUIRE(client.fetch_manifest("1").ok());
  REQUIRE(reg.log.size() == 1);
  CHECK(reg.log[0].plain_http_fallback);
}

TEST_CASE("Basic challenge without credentials is pull access denied", "[registry]") {
  FakeRegistry reg;
  reg.routes["http://localhost:5000/v2/x/manifests/latest"] = route(200, kManifest, {}, "Basic secret", R"(Basic realm="r")");
  RegistryClient client(*parse_image_ref("localhost:5000/x"), options_for(reg, {{"http://localhost:5000", false}}));
  auto m = client.fetch_manifest("latest");
  REQUIRE_FALSE(m.ok());
  CHECK(m.error().message == "pull access denied for localhost:5000/x, repository does not exist or may require 'racker login'");
}

TEST_CASE("transient failures are retried, mirrors fall back to the registry", "[registry]") {
  FakeRegistry reg;
  reg.routes["https://registry-1.docker.io/v2/library/debian/manifests/12"] = route(200, kManifest, {}, "", "", 2);
  auto ref = *parse_image_ref("debian:12");
  RegistryClient client(ref, options_for(reg, {{"http://mirror.local", true}, {"https://registry-1.docker.io", false}}));
  auto m = client.fetch_manifest("12");
  REQUIRE(m.ok());
  CHECK(reg.log.front().url == "http://mirror.local/v2/library/debian/manifests/12");
  CHECK(reg.log.size() == 4);  // mirror 404, then two resets and a success
}

TEST_CASE("blobs are checked against their digest and size", "[registry]") {
  FakeRegistry reg;
  std::string good = "good", evil = "evil";
  Descriptor d{"x", sha256_of(good), 4, std::nullopt};
  reg.routes["http://localhost:5000/v2/x/blobs/" + d.digest.str()] = route(200, evil);
  RegistryClient client(*parse_image_ref("localhost:5000/x"), options_for(reg, {{"http://localhost:5000", false}}));
  racker::test::TempDir dir;
  auto st = client.fetch_blob(d, dir / "blob");
  REQUIRE_FALSE(st.ok());
  CHECK_THAT(st.error().message, Catch::Contains("digest mismatch"));
  Descriptor small{"x", sha256_of(good), 2, std::nullopt};
  reg.routes["http://localhost:5000/v2/x/blobs/" + d.digest.str()] = route(200, good);
  st = client.fetch_blob(small, dir / "blob");
  REQUIRE_FALSE(st.ok());
  CHECK_THAT(st.error().message, Catch::Contains("more data than the declared"));
}

TEST_CASE("a manifest fetched by digest must match it", "[registry]") {
  FakeRegistry reg;
  std::string want = "sha256:" + std::string(64, 'a');
  reg.routes["http://localhost:5000/v2/x/manifests/" + want] = route(200, kManifest);
  RegistryClient client(*parse_image_ref("localhost:5000/x"), options_for(reg, {{"http://localhost:5000", false}}));
  auto m = client.fetch_manifest(want);
  REQUIRE_FALSE(m.ok());
  CHECK_THAT(m.error().message, Catch::Contains("digest mismatch"));
}

TEST_CASE("WWW-Authenticate and credentials files", "[registry]") {
  auto c = parse_www_authenticate(R"(Bearer realm="https://a/t",service="s",scope="repository:x:pull,push")");
  REQUIRE(c);
  CHECK(c->scheme == "bearer");
  CHECK(c->params["scope"] == "repository:x:pull,push");
  CHECK(*base64_decode(base64_encode("user:p@ss")) == "user:p@ss");
  racker::test::TempDir dir;
  std::string cfg = dir / "config.json";
  racker::test::write_file(cfg, R"({"auths":{"https://index.docker.io/v1/":{"auth":")" + base64_encode("hub:pw") + R"("}},"credsStore":"x"})");
  CHECK(load_credentials("docker.io", cfg)->username == "hub");
  REQUIRE(store_credentials("localhost:5000", {"me", "secret"}, cfg).ok());
  CHECK(load_credentials("localhost:5000", cfg)->password == "secret");
  CHECK(load_credentials("docker.io", cfg)->password == "pw");  // other entries kept
  CHECK(racker::test::read_file(cfg).find("credsStore") != std::string::npos);
  REQUIRE(erase_credentials("localhost:5000", cfg).ok());
  CHECK(load_credentials("localhost:5000", cfg)->empty());
  CHECK(erase_credentials("localhost:5000", cfg).error().code == Errc::kNotFound);
}

TEST_CASE("registries.conf mirrors and insecure registries", "[registry]") {
  auto cfg = parse_registry_config("# c\nmirror docker.io http://127.0.0.1:5000/\ninsecure reg.lan:5000\n", "registries.conf");
  REQUIRE(cfg.ok());
  auto eps = cfg->endpoints_for("docker.io");
  REQUIRE(eps.size() == 2);
  CHECK(eps[0] == RegistryEndpoint{"http://127.0.0.1:5000", true, false});
  CHECK(eps[1] == RegistryEndpoint{"https://registry-1.docker.io", false, false});
  CHECK(cfg->endpoints_for("reg.lan:5000")[0] == RegistryEndpoint{"http://reg.lan:5000", false, false});
  CHECK(cfg->endpoints_for("ghcr.io")[0] == RegistryEndpoint{"https://ghcr.io", false, false});
  // Loopback registries: HTTPS first, plain HTTP only when the server does not speak TLS.
  CHECK(cfg->endpoints_for("localhost:5000")[0] == RegistryEndpoint{"https://localhost:5000", false, true});
  CHECK(cfg->endpoints_for("127.0.0.1:5000")[0] == RegistryEndpoint{"https://127.0.0.1:5000", false, true});
  CHECK(cfg->endpoints_for("[::1]:5000")[0] == RegistryEndpoint{"https://[::1]:5000", false, true});
  auto bad = parse_registry_config("mirror docker.io\n", "registries.conf");
  CHECK(bad.error().message == "registries.conf:1: expected \"mirror DOMAIN URL\"");
}

TEST_CASE("registries.conf endpoint replaces the registry's own address, after its mirrors", "[registry]") {
  auto cfg = parse_registry_config("endpoint docker.io http://127.0.0.1:9/\nmirror docker.io https://m.lan\n"
                                   "endpoint 127.0.0.1:5000 https://127.0.0.1:5443\n", "r.conf");
  REQUIRE(cfg.ok());
  auto eps = cfg->endpoints_for("docker.io");
  REQUIRE(eps.size() == 2);
  CHECK(eps[0] == RegistryEndpoint{"https://m.lan", true, false});
  CHECK(eps[1] == RegistryEndpoint{"http://127.0.0.1:9", false, false});
  CHECK(cfg->endpoints_for("127.0.0.1:5000") == std::vector<RegistryEndpoint>{{"https://127.0.0.1:5443", false, false}});
  CHECK(parse_registry_config("endpoint docker.io ftp://x\n", "r.conf").error().message ==
        "r.conf:1: endpoint URL must start with http:// or https://");
  CHECK(parse_registry_config("endpoint docker.io\n", "r.conf").error().message ==
        "r.conf:1: expected \"endpoint DOMAIN URL\"");
}

TEST_CASE("RACKER_REGISTRY_MIRROR goes before the file's mirrors, RACKER_CERTS_DIR moves certs.d", "[registry]") {
  racker::test::TempDir dir;
  racker::test::write_file(dir / "registries.conf", "mirror docker.io http://file.mirror\n");
  struct Env {
    const char* name;
    std::string old;
    bool had;
    Env(const char* n, const std::string& value) : name(n) {
      const char* v = std::getenv(n);
      had = v != nullptr;
      if (v) old = v;
      ::setenv(n, value.c_str(), 1);
    }
    ~Env() {
      if (had) ::setenv(name, old.c_str(), 1);
      else ::unsetenv(name);
    }
  };
  Env conf("RACKER_REGISTRIES_CONF", dir / "registries.conf");
  Env mirror("RACKER_REGISTRY_MIRROR", "http://env.one/,http://env.two");
  Env certs("RACKER_CERTS_DIR", dir / "certs.d");
  auto cfg = load_registry_config();
  REQUIRE(cfg.ok());
  auto eps = cfg->endpoints_for("docker.io");
  REQUIRE(eps.size() == 4);
  CHECK(eps[0].base_url == "http://env.one");
  CHECK(eps[1].base_url == "http://env.two");
  CHECK(eps[2].base_url == "http://file.mirror");
  CHECK(eps[3].base_url == "https://registry-1.docker.io");
  CHECK(registry_certs_dir() == dir / "certs.d");
  ::unsetenv("RACKER_CERTS_DIR");
  CHECK(registry_certs_dir() == "/etc/racker/certs.d");
}

TEST_CASE("URLs", "[registry]") {
  auto u = Url::parse("https://registry-1.docker.io/v2/");
  REQUIRE(u.ok());
  CHECK(u->port == "443");
  CHECK(u->origin() == "https://registry-1.docker.io:443");
  CHECK(Url::parse("http://[::1]:5000/x")->host == "::1");
  CHECK_FALSE(Url::parse("ftp://x").ok());
}
