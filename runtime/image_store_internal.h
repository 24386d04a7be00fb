#pragma once
// Pieces of LocalImageStore shared by its .cpp files (internal).

#include <map>
#include <string>

#include "racker/runtime/image_store.h"

namespace racker::runtime::store_internal {

// Exclusive flock(2) on <root>/lock for the lifetime of the object.
class StoreLock {
 public:
  explicit StoreLock(const std::string& root);
  ~StoreLock();
  StoreLock(const StoreLock&) = delete;
  StoreLock& operator=(const StoreLock&) = delete;
  Status status() const { return status_; }

 private:
  int fd_ = -1;
  Status status_;
};

// repositories.json: fully qualified tag -> image id.
using TagMap = std::map<std::string, Digest>;
Result<TagMap> read_tags(const std::string& root);
Status write_tags(const std::string& root, const TagMap& tags);

std::string record_to_json(const ImageRecord& r);
Result<ImageRecord> record_from_json(const std::string& text);

// "docker.io/library/debian:12" -> "debian:12", for messages.
std::string familiar_tag(const std::string& full);

}  // namespace racker::runtime::store_internal
