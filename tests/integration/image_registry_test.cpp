// The registry client against real registries of every kind it must
// handle: token auth (distribution's `auth: token` with a test token
// server), HTTPS with a test CA (certs.d), and docker.io served by a mirror.
// Everything listens on 127.0.0.1.
#include <catch2/catch.hpp>
#include <filesystem>

#include "racker/runtime/image_pull.h"
#include "racker/runtime/image_store.h"
#include "racker/runtime/registry_auth.h"
#include "support/image_oci_layout.h"
#include "support/image_test_env.h"
#include "support/image_test_images.h"
#include "support/registry_certs.h"
#include "support/registry_fixture.h"
#include "support/token_server.h"

using namespace racker;
using namespace racker::runtime;
using namespace racker::test;

namespace {

bool asked(const std::vector<TokenRequest>& log, const std::string& account, const std::string& scope,
           const std::string& granted) {
  for (const auto& r : log) {
    bool has_scope = scope.empty() ? r.scopes.empty()
                                   : std::find(r.scopes.begin(), r.scopes.end(), scope) != r.scopes.end();
    bool has_grant = granted.empty() ? r.granted.empty()
                                     : std::find(r.granted.begin(), r.granted.end(), granted) != r.granted.end();
    if (r.account == account && has_scope && has_grant && r.service == TokenServer::service()) return true;
  }
  return false;
}

std::string describe(const std::vector<TokenRequest>& log) {
  std::string out;
  for (const auto& r : log) {
    out += "account=" + r.account + " scopes=";
    for (const auto& s : r.scopes) out += s + " ";
    out += "granted=";
    for (const auto& g : r.granted) out += g + " ";
    out += "\n";
  }
  return out;
}

}  // namespace

TEST_CASE("token auth: anonymous is denied, credentials buy a token for exactly the pull scope",
          "[integration][image][auth]") {
  RACKER_REQUIRE_ROOT_AND_REGISTRY();
  TokenServerOptions token_options;
  token_options.users["pusher"] = {"push-pw", {{"*", {"pull", "push"}}}};
  token_options.users["reader"] = {"read-pw", {{"tok/app", {"pull"}}}};
  TokenServer tokens(token_options);
  REQUIRE(tokens.ok());
  RegistryFixtureOptions options;
  options.token_realm = tokens.realm();
  options.token_service = TokenServer::service();
  options.token_issuer = TokenServer::issuer();
  options.token_rootcert = tokens.cert_path();
  RegistryFixture registry(options);
  INFO(registry.error());
  REQUIRE(registry.ok());
  ImageTestEnv env;
  TempDir work;
  OciLayout layout(work / "layout");
  auto built = layout.add_image(busybox_image());
  layout.tag("v1", built.manifest);
  // skopeo pushes with the same token flow: it asks for pull and push.
  REQUIRE(skopeo_push(layout.dir(), "v1", registry.host() + "/tok/app:v1", "pusher:push-pw") == "");
  REQUIRE(skopeo_push(layout.dir(), "v1", registry.host() + "/tok/other:v1", "pusher:push-pw") == "");
  INFO(describe(tokens.requests()));
  CHECK(asked(tokens.requests(), "pusher", "repository:tok/app:pull,push", "repository:tok/app:pull,push"));

  // Anonymous: the token server hands out a token without access, the registry refuses it.
  auto denied = pull_into(env.root(), registry.host() + "/tok/app:v1");
  REQUIRE_FALSE(denied.ok());
  CHECK(denied.error().code == Errc::kPermission);
  CHECK(denied.error().message == "pull access denied for " + registry.host() +
                                      "/tok/app, repository does not exist or may require 'racker login'");
  CHECK(asked(tokens.requests(), "", "repository:tok/app:pull", ""));

  // racker login: a wrong password is refused by the token server, the right one works.
  int rc = 0;
  std::string out = run_racker("login -u reader -p wrong " + registry.host(), &rc);
  CHECK(rc == 1);
  CHECK_THAT(out, Catch::Contains("unauthorized: incorrect username or password"));
  out = run_racker("login -u reader -p read-pw " + registry.host(), &rc);
  INFO(out);
  CHECK(rc == 0);
  CHECK_THAT(out, Catch::Contains("Login Succeeded"));
  CHECK(asked(tokens.requests(), "reader", "", ""));  // a login check asks for no scope

  // With the stored credentials: a token for repository:tok/app:pull, and the pull works.
  auto r = pull_into(env.root(), registry.host() + "/tok/app:v1");
  INFO((r.ok() ? "" : r.error().to_string()));
  REQUIRE(r.ok());
  CHECK(r->image.id.str() == built.config_digest);
  CHECK(asked(tokens.requests(), "reader", "repository:tok/app:pull", "repository:tok/app:pull"));
  auto store = LocalImageStore::open(env.root());
  auto image = (*store)->get(registry.host() + "/tok/app:v1");
  REQUIRE(image.ok());
  CHECK(read_file(image->layer_dirs[0] + "/bin/busybox") == read_file("/bin/busybox"));

  // The same user has no grant on another repository: the token carries no access, pull is denied.
  auto other = pull_into(env.root(), registry.host() + "/tok/other:v1");
  REQUIRE_FALSE(other.ok());
  CHECK(other.error().code == Errc::kPermission);
  CHECK(asked(tokens.requests(), "reader", "repository:tok/other:pull", ""));
}

TEST_CASE("HTTPS registry: trusted through certs.d, refused with a certificate error otherwise",
          "[integration][image][tls]") {
  RACKER_REQUIRE_ROOT_AND_REGISTRY();
  if (!have_tool("openssl")) {
    SUCCEED("skipped: needs the openssl tool to make a test CA");
    return;
  }
  TempDir pki;
  TestCa ca(pki.path());
  REQUIRE(ca.ok());
  auto server = ca.issue("registry", "IP:127.0.0.1");
  REQUIRE(ca.ok());
  RegistryFixtureOptions options;
  options.tls_cert = server.cert;
  options.tls_key = server.key;
  RegistryFixture registry(options);
  INFO(registry.error());
  REQUIRE(registry.ok());
  ImageTestEnv env;
  TempDir work;
  OciLayout layout(work / "layout");
  auto built = layout.add_image(busybox_image());
  layout.tag("v1", built.manifest);
  REQUIRE(skopeo_push(layout.dir(), "v1", registry.host() + "/secure/app:v1") == "");
  std::string name = registry.host() + "/secure/app:v1";
  std::string ca_dir = env.certs_dir() + "/" + registry.host();

  // Nobody trusts the test CA yet: a certificate error that says where the CA goes,
  // and no quiet retry over plain HTTP.
  auto untrusted = pull_into(env.root(), name);
  REQUIRE_FALSE(untrusted.ok());
  CHECK(untrusted.error().code == Errc::kIo);
  CHECK_THAT(untrusted.error().message, Catch::Contains("TLS handshake with https://" + registry.host() +
                                                         ": certificate verify failed: unable to get local issuer certificate"));
  CHECK_THAT(untrusted.error().message, Catch::Contains(ca_dir + "/ca.crt"));

  // Another CA in certs.d does not help.
  TempDir other_pki;
  TestCa other(other_pki.path(), "some other CA");
  REQUIRE(other.ok());
  std::filesystem::create_directories(ca_dir);
  std::filesystem::copy_file(other.cert_path(), ca_dir + "/ca.crt");
  auto wrong = pull_into(env.root(), name);
  REQUIRE_FALSE(wrong.ok());
  CHECK_THAT(wrong.error().message, Catch::Contains("certificate verify failed"));

  // The registry's CA in certs.d/<host:port>/ca.crt: verified HTTPS, the pull works.
  std::filesystem::copy_file(ca.cert_path(), ca_dir + "/ca.crt", std::filesystem::copy_options::overwrite_existing);
  auto r = pull_into(env.root(), name);
  INFO((r.ok() ? "" : r.error().to_string()));
  REQUIRE(r.ok());
  CHECK(r->image.id.str() == built.config_digest);
  auto store = LocalImageStore::open(env.root());
  auto image = (*store)->get(name);
  REQUIRE(image.ok());
  CHECK(read_file(image->layer_dirs[0] + "/bin/busybox") == read_file("/bin/busybox"));

  // The CLI too (racker login checks the same way).
  int rc = 0;
  std::string out = run_racker("pull -q " + name, &rc);
  CHECK(rc == 0);
  CHECK(out == name + "\n");
}

TEST_CASE("HTTPS registry: a trusted CA does not make a certificate for another name acceptable",
          "[integration][image][tls]") {
  RACKER_REQUIRE_ROOT_AND_REGISTRY();
  if (!have_tool("openssl")) {
    SUCCEED("skipped: needs the openssl tool to make a test CA");
    return;
  }
  TempDir pki;
  TestCa ca(pki.path());
  REQUIRE(ca.ok());
  auto server = ca.issue("elsewhere", "DNS:registry.elsewhere.example");
  REQUIRE(ca.ok());
  RegistryFixtureOptions options;
  options.tls_cert = server.cert;
  options.tls_key = server.key;
  RegistryFixture registry(options);
  REQUIRE(registry.ok());
  ImageTestEnv env;
  std::filesystem::create_directories(env.certs_dir() + "/" + registry.host());
  std::filesystem::copy_file(ca.cert_path(), env.certs_dir() + "/" + registry.host() + "/ca.crt");
  auto r = pull_into(env.root(), registry.host() + "/secure/app:v1");
  REQUIRE_FALSE(r.ok());
  CHECK_THAT(r.error().message, Catch::Contains("certificate verify failed: IP address mismatch"));
}

TEST_CASE("docker.io pulls are served by a configured mirror and never reach Docker Hub",
          "[integration][image][mirror]") {
  RACKER_REQUIRE_ROOT_AND_REGISTRY();
  RegistryFixture mirror;
  REQUIRE(mirror.ok());
  ImageTestEnv env;  // docker.io's own endpoint is a loopback port that refuses connections
  TempDir work;
  OciLayout layout(work / "layout");
  auto built = layout.add_image(busybox_image());
  layout.tag("v1", built.manifest);
  REQUIRE(skopeo_push(layout.dir(), "v1", mirror.host() + "/library/busybox:latest") == "");
  REQUIRE(skopeo_push(layout.dir(), "v1", mirror.host() + "/someone/tool:1") == "");

  SECTION("RACKER_REGISTRY_MIRROR") {
    ::setenv("RACKER_REGISTRY_MIRROR", mirror.url().c_str(), 1);  // ImageTestEnv restores it
    auto r = pull_into(env.root(), "busybox");
    INFO((r.ok() ? "" : r.error().to_string()));
    REQUIRE(r.ok());
    CHECK(r->image.id.str() == built.config_digest);
    CHECK(r->image.repo_tags == std::vector<std::string>{"docker.io/library/busybox:latest"});
    CHECK(r->repo_digest.str() == built.manifest.digest);
    auto store = LocalImageStore::open(env.root());
    auto image = (*store)->get("busybox:latest");
    REQUIRE(image.ok());
    CHECK(read_file(image->layer_dirs[0] + "/bin/busybox") == read_file("/bin/busybox"));
    CHECK(image->record.repo_digests == std::vector<std::string>{"docker.io/library/busybox@" + built.manifest.digest});

    // The CLI reads the same variable.
    int rc = 0;
    std::string out = run_racker("pull someone/tool:1", &rc);
    INFO(out);
    CHECK(rc == 0);
    CHECK_THAT(out, Catch::Contains("Status: Downloaded newer image for someone/tool:1"));
  }

  SECTION("registries.conf") {
    env.write_registries_conf("mirror docker.io " + mirror.url() + "\n");
    auto r = pull_into(env.root(), "someone/tool:1");
    INFO((r.ok() ? "" : r.error().to_string()));
    REQUIRE(r.ok());
    CHECK(r->image.repo_tags == std::vector<std::string>{"docker.io/someone/tool:1"});

    // What the mirror lacks goes to docker.io's endpoint, here the refusing
    // stand-in: the fallback happens, and it never leaves the machine.
    auto miss = pull_into(env.root(), "library/absent:1");
    REQUIRE_FALSE(miss.ok());
    CHECK_THAT(miss.error().message, Catch::Contains(env.refusing_url()));
    CHECK_THAT(miss.error().message, Catch::Contains("refused"));
  }
}
