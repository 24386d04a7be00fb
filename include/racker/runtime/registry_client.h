#pragma once
// A client of the distribution API v2 (docker registry, ghcr, quay...) for
// one repository: manifests by tag or digest, blobs streamed to files with
// their sha256 checked, authentication (anonymous, Basic, and the Bearer
// token flow announced by WWW-Authenticate), retries on transient failures,
// and mirrors tried before the registry itself.
//
// Thread safety: all methods may be called concurrently (the puller
// downloads layers in parallel); each call borrows its own HttpClient.

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "racker/runtime/digest.h"
#include "racker/runtime/http_client.h"
#include "racker/runtime/image_manifest.h"
#include "racker/runtime/image_ref.h"
#include "racker/runtime/registry_auth.h"
#include "racker/runtime/registry_config.h"
#include "racker/util/error.h"

namespace racker::runtime {

using HttpClientFactory = std::function<std::unique_ptr<HttpClient>()>;
// Bytes received so far for one blob (called from the downloading thread).
using ProgressFn = std::function<void(int64_t received)>;

struct RegistryClientOptions {
  std::vector<RegistryEndpoint> endpoints;  // in order; mirrors first
  Credentials credentials;                  // for the registry itself (not mirrors)
  HttpClientFactory http;                   // defaults to make_http_client()
  int attempts = 3;                         // per request, transient failures only
  std::chrono::milliseconds backoff{200};   // doubled after each failed attempt
};

struct FetchedManifest {
  std::string body;        // exact bytes: the digest covers them
  std::string media_type;  // from Content-Type
  Digest digest;           // sha256 of body
};

class RegistryClient {
 public:
  // `ref` names the registry (domain) and repository (path).
  RegistryClient(ImageRef ref, RegistryClientOptions options);
  ~RegistryClient();

  // GET /v2/<path>/manifests/<reference>. When `reference` is a digest the
  // body is checked against it. Errors, as docker words them:
  //   kPermission/kNotFound "pull access denied for NAME, repository does not
  //   exist or may require 'racker login'"; kNotFound "manifest for NAME:TAG
  //   not found: manifest unknown: ..."; kIo for transport failures.
  Result<FetchedManifest> fetch_manifest(const std::string& reference);

  // Downloads a blob into `dest_path` (created or truncated), checking its
  // size and sha256 against `blob`. On error the file content is garbage.
  Status fetch_blob(const Descriptor& blob, const std::string& dest_path, const ProgressFn& progress = {});

  // GET /v2/ with the credentials (Basic or a token): what `racker login` checks.
  // kPermission "unauthorized: incorrect username or password".
  Status check_login();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Options for `ref` from the host: endpoints per registries.conf and the
// environment, credentials from docker's config.json.
Result<RegistryClientOptions> registry_options_for(const ImageRef& ref);

}  // namespace racker::runtime
