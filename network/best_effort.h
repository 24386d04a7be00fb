#pragma once
// A step whose failure is logged and does not stop the work around it
// (teardown goes on, a reload is retried at the next change); on undo paths
// the first error is the one to report, later ones are logged. Internal to
// network/.

#include <spdlog/spdlog.h>

#include "racker/util/error.h"

namespace racker::network {

inline void best_effort(const Status& s) {
  if (!s) spdlog::warn("{}", s.error().message);
}

}  // namespace racker::network
