// The bodies of a plan's container operations, run on the pool.
#include <sys/stat.h>

#include <algorithm>

#include "compose_executor_internal.h"

namespace racker::runtime {

namespace internal {

Status stop_and_remove(ContainerDriver& driver, ProjectNetworking& networking, const std::string& id,
                       std::optional<int> timeout, bool remove_volumes) {
  auto info = driver.inspect(id);
  if (!info) return info.error().code == Errc::kNotFound ? ok_status() : Status(info.error());
  if (info->state.status == ContainerStatus::kRunning || info->state.status == ContainerStatus::kRestarting)
    if (auto st = driver.stop(id, timeout); !st) return st;
  RemoveOptions options;
  options.force = true;
  options.volumes = remove_volumes;
  if (auto st = driver.remove(id, options); !st && st.error().code != Errc::kNotFound) return st;
  return networking.detach(id);
}

}  // namespace internal

void ComposeExecutor::run_op(ServiceRun& s, const PlanOp& op) {
  const std::string service = s.step->service;
  const compose::model::Service* model = s.service;
  auto timeout = options_.stop_timeout;
  switch (op.kind) {
    case OpKind::kRemove: {
      progress_.on_progress("Container", op.container, "Stopping");
      std::string id = op.container_id, name = op.container;
      auto& ids = ids_[service];
      ids.erase(std::remove(ids.begin(), ids.end(), id), ids.end());
      blocking([&driver = driver_, &net = networking_, id, timeout] {
                 return internal::stop_and_remove(driver, net, id, timeout, false);
               },
               [this, service, name](Status st) {
                 if (st) {
                   progress_.on_progress("Container", name, "Stopped");
                   progress_.on_progress("Container", name, "Removed");
                 }
                 op_done(service, st, "");
               });
      return;
    }
    case OpKind::kRecreate:
    case OpKind::kCreate: {
      bool recreate = op.kind == OpKind::kRecreate;
      progress_.on_progress("Container", op.container, recreate ? "Recreate" : "Creating");
      std::string old_id = op.container_id, name = op.container;
      int number = op.number;
      if (recreate) {
        auto& ids = ids_[service];
        ids.erase(std::remove(ids.begin(), ids.end(), old_id), ids.end());
      }
      blocking(
          [&driver = driver_, &net = networking_, &backend = backend_, model, service, number, old_id, timeout,
           recreate]() -> Result<std::string> {
            if (recreate)
              if (auto st = internal::stop_and_remove(driver, net, old_id, timeout, false); !st) return st.error();
            auto spec = backend.container_spec(service, number);
            if (!spec) return spec.error();
            if (model)
              if (auto st = net.attach(*model, *spec); !st) return st.error();
            auto created = driver.create(std::move(*spec));
            if (!created) return created.error();
            return created->id;
          },
          [this, service, name, recreate](Result<std::string> id) {
            if (!id) {
              progress_.on_progress("Container", name, "Error");
              op_done(service, id.error(), "");
              return;
            }
            services_[service]->names[*id] = name;
            progress_.on_progress("Container", name, recreate ? "Recreated" : "Created");
            op_done(service, ok_status(), *id);
          });
      return;
    }
    case OpKind::kRestart: {
      progress_.on_progress("Container", op.container, "Restarting");
      std::string id = op.container_id;
      s.restarted.insert(id);
      blocking([&driver = driver_, id, timeout] { return driver.stop(id, timeout); },
               [this, service](Status st) { op_done(service, st, ""); });
      return;
    }
    case OpKind::kStart:
    case OpKind::kPull: break;
  }
  // Not an operation of this phase.
  op_done(service, ok_status(), "");
}

}  // namespace racker::runtime
