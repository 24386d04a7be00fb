#pragma once
// A registry that serves exactly the bytes a test gives it: manifests and
// blobs no real registry would accept on push (both "manifests" and "layers",
// sizes of 1e300, 5 MiB documents). Answers GET and HEAD on /v2/,
// /v2/<any name>/manifests/<reference> and /v2/<any name>/blobs/<digest>;
// everything else is 404. Listens on 127.0.0.1 (random port) on its own
// thread, one connection at a time; the destructor stops and joins it.

#include <atomic>
#include <map>
#include <mutex>
#include <string>
#include <thread>

namespace racker::test {

struct StaticObject {
  std::string content_type;
  std::string body;
};

class StaticRegistry {
 public:
  StaticRegistry();
  ~StaticRegistry();
  StaticRegistry(const StaticRegistry&) = delete;
  StaticRegistry& operator=(const StaticRegistry&) = delete;

  bool ok() const { return port_ > 0; }
  std::string host() const { return "127.0.0.1:" + std::to_string(port_); }

  void put_manifest(const std::string& reference, StaticObject manifest);
  // Stores `bytes` under its sha256 digest, returned ("sha256:<hex>").
  std::string put_blob(const std::string& bytes);

 private:
  void serve();
  int port_ = 0;
  int listen_fd_ = -1;
  std::atomic<bool> stopping_{false};
  std::mutex mu_;
  std::map<std::string, StaticObject> objects_;  // "manifests/REF", "blobs/DIGEST"; guarded by mu_
  std::thread thread_;
};

}  // namespace racker::test
