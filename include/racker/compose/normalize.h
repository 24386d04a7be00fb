#pragma once
// After merging: make the document complete and explicit, as
// `docker compose config` shows it.
//   - top-level `name:` set to the project name
//   - services without networks and network_mode join `default`; the
//     default network is declared when any service uses it
//   - networks/volumes/secrets/configs get `name: <project>_<key>` unless
//     they set `name` or are external (external: name = key)
//   - relative paths resolved against the project directory (paths.h)
//   - env_file contents read and merged under `environment` (environment wins);
//     bare keys (`FOO` with null value) take the value from `lookup`, stay null otherwise
//   - `scale` and deploy.replicas reconciled (conflict -> kValidation)
//   - defaults compose fills in (e.g. depends_on condition, port protocol)

#include <string>

#include "racker/compose/host.h"
#include "racker/compose/node.h"

namespace racker::compose {

struct NormalizeContext {
  std::string project_name;
  std::string project_dir;  // absolute
  std::string home;         // for `~`
  Lookup lookup;            // interpolation environment (.env + process)
  FileReader* files = nullptr;  // for env_file contents; REQUIRES: non-null
};

Status normalize(Node& doc, const NormalizeContext& ctx);

}  // namespace racker::compose
