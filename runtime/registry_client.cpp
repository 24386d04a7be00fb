// Distribution API v2 client. Auth state (one Authorization header per
// endpoint) and idle HttpClients are shared between threads under a mutex;
// each request runs on a borrowed HttpClient without holding the lock.
#include "racker/runtime/registry_client.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <map>
#include <nlohmann/json.hpp>
#include <thread>

namespace racker::runtime {
namespace {

using nlohmann::json;

std::string url_encode(const std::string& s) {
  static const char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') out.push_back(static_cast<char>(c));
    else out += {'%', kHex[c >> 4], kHex[c & 15]};
  }
  return out;
}

// The first error of a registry's JSON error body: {"errors":[{"code":..,"message":..}]}.
struct RegistryError {
  std::string code, message;
};
RegistryError registry_error(const HttpResponse& r) {
  try {
    json doc = json::parse(r.body);
    auto errors = doc.find("errors");
    if (errors != doc.end() && errors->is_array() && !errors->empty() && (*errors)[0].is_object())
      return {(*errors)[0].value("code", ""), (*errors)[0].value("message", "")};
  } catch (const json::exception&) {
  }
  return {};
}

bool transient_status(int status) { return status == 429 || status >= 500; }
bool transient_error(const Error& e) { return e.code == Errc::kIo || e.code == Errc::kTimeout; }

class FileSink {
 public:
  explicit FileSink(const std::string& path) : path_(path) {
    fd_ = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  }
  ~FileSink() {
    if (fd_ >= 0) ::close(fd_);
  }
  Status opened() const {
    if (fd_ < 0) return Error(Errc::kIo, "create " + path_ + ": " + std::strerror(errno));
    return ok_status();
  }
  void reset() {
    hash_ = std::make_unique<Sha256>();
    written_ = 0;
    if (::ftruncate(fd_, 0) != 0 || ::lseek(fd_, 0, SEEK_SET) != 0) failed_ = true;
  }
  Status write(const char* data, size_t size) {
    if (failed_) return Error(Errc::kIo, "truncate " + path_ + ": " + std::strerror(errno));
    hash_->update(data, size);
    written_ += static_cast<int64_t>(size);
    while (size > 0) {
      ssize_t n = ::write(fd_, data, size);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) return Error(Errc::kIo, "write " + path_ + ": " + std::strerror(errno));
      data += n;
      size -= static_cast<size_t>(n);
    }
    return ok_status();
  }
  int64_t written() const { return written_; }
  Digest finish() { return hash_->finish(); }

 private:
  std::string path_;
  int fd_ = -1;
  bool failed_ = false;
  std::unique_ptr<Sha256> hash_ = std::make_unique<Sha256>();
  int64_t written_ = 0;
};

}  // namespace

struct RegistryClient::Impl {
  ImageRef ref;
  RegistryClientOptions options;
  std::mutex mu;
  std::vector<std::unique_ptr<HttpClient>> idle;      // guarded by mu
  std::map<std::string, std::string> authorization;   // endpoint base URL -> header; guarded by mu
  size_t preferred = 0;                               // endpoint that served the manifest; guarded by mu

  // Borrows an HttpClient for one request and gives it back afterwards.
  class Lease {
   public:
    explicit Lease(Impl& impl) : impl_(impl) {
      std::lock_guard<std::mutex> lock(impl_.mu);
      if (!impl_.idle.empty()) {
        client_ = std::move(impl_.idle.back());
        impl_.idle.pop_back();
      }
      if (!client_) client_ = impl_.options.http ? impl_.options.http() : default_http_client();
    }
    ~Lease() {
      std::lock_guard<std::mutex> lock(impl_.mu);
      impl_.idle.push_back(std::move(client_));
    }
    HttpClient& operator*() { return *client_; }

   private:
    Impl& impl_;
    std::unique_ptr<HttpClient> client_;
  };

  static std::unique_ptr<HttpClient> default_http_client() {
    HttpClientOptions o;
    o.certs_dir = registry_certs_dir();
    return make_http_client(o);
  }

  std::string display_name() const { return ref.familiar_repository(); }

  std::string auth_for(const RegistryEndpoint& ep) {
    std::lock_guard<std::mutex> lock(mu);
    auto it = authorization.find(ep.base_url);
    return it == authorization.end() ? std::string() : it->second;
  }

  Credentials creds_for(const RegistryEndpoint& ep) const { return ep.mirror ? Credentials{} : options.credentials; }

  // Answers a 401 challenge: Basic with the credentials, or a Bearer token
  // from the realm the registry named, for the scope the challenge names
  // (else `default_scope`; empty: no scope, as for a login check).
  Status authenticate(HttpClient& http, const RegistryEndpoint& ep, const HttpResponse& refused,
                      const std::string& default_scope) {
    auto challenge = parse_www_authenticate(refused.header("www-authenticate"));
    if (!challenge) return Error(Errc::kPermission, "registry " + ep.base_url + " denied access without a challenge");
    Credentials creds = creds_for(ep);
    std::string header;
    if (challenge->scheme == "basic") {
      if (creds.empty()) return pull_denied().with_context("the registry wants Basic auth and no credentials are stored");
      header = basic_authorization(creds);
    } else if (challenge->scheme == "bearer") {
      auto realm = challenge->params["realm"];
      if (realm.empty()) return Error(Errc::kPermission, "bearer challenge without realm");
      std::string scope = challenge->params.count("scope") ? challenge->params["scope"] : default_scope;
      std::vector<std::string> query;
      if (!scope.empty()) query.push_back("scope=" + url_encode(scope));
      if (!challenge->params["service"].empty()) query.push_back("service=" + url_encode(challenge->params["service"]));
      if (!creds.username.empty()) query.push_back("account=" + url_encode(creds.username));
      std::string url = realm;
      for (size_t i = 0; i < query.size(); ++i)
        url += (i == 0 && realm.find('?') == std::string::npos ? "?" : "&") + query[i];
      HttpRequest req;
      req.url = url;
      if (!creds.empty()) req.headers.emplace_back("Authorization", basic_authorization(creds));
      auto r = http.send(req);
      if (!r) return r.error().with_context("while fetching a token from " + realm);
      if (r->status == 401 || r->status == 403) return Error(Errc::kPermission, "unauthorized: incorrect username or password");
      if (r->status != 200) return Error(Errc::kIo, "token server " + realm + " answered " + std::to_string(r->status));
      try {
        json doc = json::parse(r->body);
        std::string token = doc.value("token", "");
        if (token.empty()) token = doc.value("access_token", "");
        if (token.empty()) return Error(Errc::kPermission, "token server " + realm + " returned no token");
        header = "Bearer " + token;
      } catch (const json::exception& e) {
        return Error(Errc::kIo, "token server " + realm + ": " + e.what());
      }
    } else {
      return Error(Errc::kUnsupported, "unsupported authentication scheme \"" + challenge->scheme + "\"");
    }
    std::lock_guard<std::mutex> lock(mu);
    authorization[ep.base_url] = header;
    return ok_status();
  }

  // One request with authentication and retries. A 401 is answered once;
  // transient failures (transport errors, 429, 5xx) are retried with backoff.
  // `reset` is called before every attempt (to rewind a sink).
  Result<HttpResponse> request(const RegistryEndpoint& ep, const std::string& path, Headers headers,
                               const BodySink* sink, const std::function<void()>& reset = {},
                               bool login_check = false) {
    Lease lease(*this);
    auto backoff = options.backoff;
    bool answered_challenge = false;
    for (int attempt = 1;; ++attempt) {
      if (reset) reset();
      HttpRequest req;
      req.url = ep.base_url + path;
      req.headers = headers;
      req.plain_http_fallback = ep.plain_http_fallback;
      if (auto auth = auth_for(ep); !auth.empty()) req.headers.emplace_back("Authorization", auth);
      auto r = (*lease).send(req, sink);
      bool retry = r ? transient_status(r->status) : transient_error(r.error());
      if (r && r->status == 401 && !answered_challenge) {
        answered_challenge = true;
        std::string scope = login_check ? "" : "repository:" + ref.path + ":pull";
        if (auto st = authenticate(*lease, ep, *r, scope); !st) return st.error();
        --attempt;  // answering a challenge is not a failed attempt
        continue;
      }
      if (!retry || attempt >= options.attempts) return r;
      std::this_thread::sleep_for(backoff);
      backoff *= 2;
    }
  }

  Error pull_denied() const {
    return Error(Errc::kPermission, "pull access denied for " + display_name() +
                                        ", repository does not exist or may require 'racker login'");
  }

  Error response_error(const HttpResponse& r, const std::string& what, const std::string& reference) const {
    auto re = registry_error(r);
    if (r.status == 401 || r.status == 403 || re.code == "NAME_UNKNOWN" || re.code == "UNAUTHORIZED" || re.code == "DENIED") {
      Error e = pull_denied();
      if (r.status == 404) e.code = Errc::kNotFound;
      return e;
    }
    if (r.status == 404 && what == "manifest") {
      std::string name = display_name() + (reference.rfind("sha256:", 0) == 0 ? "@" : ":") + reference;
      std::string detail = re.code.empty() ? "manifest unknown" : "manifest unknown: " + re.message;
      return Error(Errc::kNotFound, "manifest for " + name + " not found: " + detail);
    }
    std::string msg = what + " " + reference + ": " + r.url + " answered " + std::to_string(r.status);
    if (!re.code.empty()) msg += " " + re.code + ": " + re.message;
    return Error(r.status == 404 ? Errc::kNotFound : Errc::kIo, msg);
  }

  // Endpoints to try, the one that worked last first.
  std::vector<RegistryEndpoint> ordered_endpoints() {
    std::lock_guard<std::mutex> lock(mu);
    std::vector<RegistryEndpoint> out;
    if (preferred < options.endpoints.size()) out.push_back(options.endpoints[preferred]);
    for (size_t i = 0; i < options.endpoints.size(); ++i)
      if (i != preferred) out.push_back(options.endpoints[i]);
    return out;
  }

  void prefer(const RegistryEndpoint& ep) {
    std::lock_guard<std::mutex> lock(mu);
    for (size_t i = 0; i < options.endpoints.size(); ++i)
      if (options.endpoints[i] == ep) preferred = i;
  }
};

RegistryClient::RegistryClient(ImageRef ref, RegistryClientOptions options) : impl_(std::make_unique<Impl>()) {
  impl_->ref = std::move(ref);
  impl_->options = std::move(options);
}

RegistryClient::~RegistryClient() = default;

Result<FetchedManifest> RegistryClient::fetch_manifest(const std::string& reference) {
  Error last(Errc::kIo, "no registry endpoints configured");
  std::string body;
  // Streamed so the bound holds while reading, not after buffering.
  BodySink sink = [&](const char* data, size_t size) -> Status {
    if (body.size() + size > kMaxManifestBytes)
      return Error(Errc::kIo, "manifest " + reference + ": larger than " + std::to_string(kMaxManifestBytes >> 20) +
                                  " MiB, the limit docker also keeps");
    body.append(data, size);
    return ok_status();
  };
  for (const auto& ep : impl_->ordered_endpoints()) {
    auto r = impl_->request(ep, "/v2/" + impl_->ref.path + "/manifests/" + reference,
                            {{"Accept", manifest_accept_header()}}, &sink, [&] { body.clear(); });
    if (!r) {
      last = r.error();
    } else if (r->status != 200) {
      last = impl_->response_error(*r, "manifest", reference);
    } else {
      FetchedManifest m;
      m.body = std::move(body);
      m.media_type = r->header("content-type");
      m.digest = sha256_of(m.body);
      if (reference.rfind("sha256:", 0) == 0) {
        auto want = Digest::parse(reference);
        if (!want) return want.error();
        if (auto st = check_digest(*want, m.digest, "manifest " + reference); !st) return st.error();
      }
      impl_->prefer(ep);
      return m;
    }
    if (!ep.mirror) break;  // the registry itself is the last word
    last.with_context("while trying mirror " + ep.base_url);
  }
  return last;
}

Status RegistryClient::fetch_blob(const Descriptor& blob, const std::string& dest_path, const ProgressFn& progress) {
  // The declared size bounds the download: without one a server could stream forever.
  if (blob.size <= 0) return Error(Errc::kParse, "blob " + blob.digest.str() + ": the manifest declares no size");
  FileSink file(dest_path);
  if (auto st = file.opened(); !st) return st;
  BodySink sink = [&](const char* data, size_t size) -> Status {
    if (file.written() + static_cast<int64_t>(size) > blob.size)
      return Error(Errc::kIo, "blob " + blob.digest.str() + ": more data than the declared " + std::to_string(blob.size) + " bytes");
    if (auto st = file.write(data, size); !st) return st;
    if (progress) progress(file.written());
    return ok_status();
  };
  Error last(Errc::kIo, "no registry endpoints configured");
  for (const auto& ep : impl_->ordered_endpoints()) {
    auto r = impl_->request(ep, "/v2/" + impl_->ref.path + "/blobs/" + blob.digest.str(), {}, &sink, [&] { file.reset(); });
    if (!r) {
      last = r.error();
      if (r.error().message.find("digest mismatch") != std::string::npos) return last;
      continue;
    }
    if (r->status != 200) {
      last = impl_->response_error(*r, "blob", blob.digest.str());
      continue;
    }
    if (file.written() != blob.size)
      return Error(Errc::kIo, "blob " + blob.digest.str() + ": got " + std::to_string(file.written()) + " bytes, expected " +
                                  std::to_string(blob.size));
    return check_digest(blob.digest, file.finish(), "blob " + blob.digest.str());
  }
  return last;
}

Status RegistryClient::check_login() {
  const RegistryEndpoint* registry = nullptr;
  for (const auto& ep : impl_->options.endpoints)
    if (!ep.mirror) registry = &ep;
  if (!registry) return Error(Errc::kInvalidArgument, "no registry endpoint");
  auto r = impl_->request(*registry, "/v2/", {}, nullptr, {}, true);
  if (!r) return r.error();
  if (r->status == 401 || r->status == 403) return Error(Errc::kPermission, "unauthorized: incorrect username or password");
  if (r->status != 200) return Error(Errc::kIo, "login: " + r->url + " answered " + std::to_string(r->status));
  return ok_status();
}

Result<RegistryClientOptions> registry_options_for(const ImageRef& ref) {
  auto config = load_registry_config();
  if (!config) return config.error();
  RegistryClientOptions options;
  options.endpoints = config->endpoints_for(ref.domain);
  auto creds = load_credentials(ref.domain, docker_config_path());
  if (!creds) return creds.error();
  options.credentials = *creds;
  return options;
}

}  // namespace racker::runtime
