#pragma once
// The image a `racker run` asks for: from the local store, pulled like
// docker when missing ("Unable to find image 'x:latest' locally").

#include <string>

#include "racker/runtime/image_store.h"
#include "racker/util/error.h"

namespace racker::cli {

enum class PullPolicy { kMissing, kAlways, kNever };

// Progress lines go to stderr, as docker run prints them.
Result<runtime::Image> image_for_run(const std::string& reference, PullPolicy policy);

}  // namespace racker::cli
