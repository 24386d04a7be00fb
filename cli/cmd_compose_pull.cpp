// racker compose pull [--ignore-pull-failures] [-q] [SERVICE...]: pull the
// services' images, concurrently.
#include <spdlog/spdlog.h>
#include "container_cli.h"

#include <algorithm>
#include <cstdio>
#include <future>
#include <memory>
#include <set>

#include "cmd_compose_common.h"
#include "command.h"
#include "racker/runtime/project_backend.h"
#include "racker/runtime/service_container.h"

namespace racker::cli {
namespace {

using namespace racker::runtime;

struct PullFlags {
  bool ignore_failures = false, quiet = false;
  std::vector<std::string> services;
};

int run_pull(const PullFlags& f) {
  auto session = open_compose(f.services);
  if (!session) return 1;
  auto& s = *session;
  if (auto st = check_services(s, f.services); !st) return compose_fail(st.error());
  auto images = open_image_store();
  if (!images) return compose_fail(images.error());
  LocalProjectBackend backend(s.project(), s.loaded.doc, **images, s.containers.store->root(),
                              s.loaded.source.environment);
  std::set<std::string> refs;
  for (const auto& [name, svc] : s.project().services) {
    if (!f.services.empty() && std::find(f.services.begin(), f.services.end(), name) == f.services.end()) continue;
    if (!svc.image) {
      spdlog::warn("service \"{}\" has no image to pull", name);
      continue;
    }
    refs.insert(*svc.image);
  }
  std::vector<std::pair<std::string, std::future<Status>>> pulls;
  for (const auto& ref : refs) {
    if (!f.quiet) std::fprintf(stderr, " Image %s Pulling\n", ref.c_str());
    pulls.emplace_back(ref, std::async(std::launch::async, [&backend, ref] { return backend.pull_image(ref); }));
  }
  int code = 0;
  for (auto& [ref, fut] : pulls) {
    Status st = fut.get();
    if (st) {
      if (!f.quiet) std::fprintf(stderr, " Image %s Pulled\n", ref.c_str());
    } else if (f.ignore_failures) {
      spdlog::warn("{}", st.error().message);
    } else {
      std::fprintf(stderr, " Image %s Error %s\n", ref.c_str(), st.error().message.c_str());
      code = 1;
    }
  }
  return code;
}

CommandRegistration register_compose_pull(Parent::kCompose, 42, [](CLI::App& parent, Context& ctx) {
  auto* cmd = parent.add_subcommand("pull", "Pull service images");
  auto f = std::make_shared<PullFlags>();
  cmd->add_flag("--ignore-pull-failures", f->ignore_failures, "Pull what it can and ignores images with pull failures");
  cmd->add_flag("-q,--quiet", f->quiet, "Pull without printing progress information");
  cmd->add_option("SERVICE", f->services, "Services");
  cmd->callback([&ctx, f] { ctx.exit_code = run_pull(*f); });
});

}  // namespace
}  // namespace racker::cli
