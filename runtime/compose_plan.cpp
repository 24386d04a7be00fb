#include "racker/runtime/compose_plan.h"

#include <algorithm>
#include <set>

#include "racker/runtime/service_container.h"

namespace racker::runtime {

using compose::model::Project;
using compose::model::Service;

namespace {

std::string label(const ContainerInfo& info, const char* key) {
  auto it = info.spec.labels.find(key);
  return it == info.spec.labels.end() ? "" : it->second;
}

bool contains(const std::vector<std::string>& v, const std::string& s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

std::string join_names(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& n : names) {
    if (!out.empty()) out += ' ';
    out += n;
  }
  return out;
}

bool must_recreate(RecreatePolicy policy, const ObservedContainer& c, const std::string& hash,
                   const std::string& image_id) {
  switch (policy) {
    case RecreatePolicy::kNever: return false;
    case RecreatePolicy::kForce: return true;
    case RecreatePolicy::kDiverged: break;
  }
  if (c.config_hash != hash) return true;
  // The image moved (pulled or re-tagged) since the container was made.
  return !image_id.empty() && !c.image_id.empty() && c.image_id != image_id;
}

// The pull operation a service's image needs, if any.
Result<std::optional<PlanOp>> pull_for(const Service& s, const std::string& image, const DesiredState& desired,
                                       const std::string& flag, std::vector<std::string>& warnings) {
  std::string policy = !flag.empty() ? flag : s.pull_policy.value_or("missing");
  bool present = desired.local_images.count(image) > 0;
  if (policy == "build") {
    if (present) return std::optional<PlanOp>();
    return Error(Errc::kUnsupported, "service \"" + s.name + "\" has pull_policy build: racker does not build images");
  }
  if (s.build && !present && !s.image)
    return Error(Errc::kUnsupported, "service \"" + s.name + "\" needs its image built: racker does not build images; "
                                     "build " + image + " elsewhere and load it (racker load)");
  if (policy == "never" || policy == "if_not_present" || policy == "missing" || policy.rfind("every_", 0) == 0 ||
      policy == "daily" || policy == "weekly") {
    if (present || policy == "never") return std::optional<PlanOp>();
    PlanOp op;
    op.kind = OpKind::kPull;
    op.service = s.name;
    op.image = image;
    op.cause = "missing";
    return std::optional<PlanOp>(op);
  }
  if (policy != "always") warnings.push_back("service \"" + s.name + "\": unknown pull_policy \"" + policy + "\"");
  PlanOp op;
  op.kind = OpKind::kPull;
  op.service = s.name;
  op.image = image;
  op.cause = "pull policy always";
  return std::optional<PlanOp>(op);
}

}  // namespace

const char* op_kind_name(OpKind kind) {
  switch (kind) {
    case OpKind::kPull: return "pull";
    case OpKind::kCreate: return "create";
    case OpKind::kRecreate: return "recreate";
    case OpKind::kStart: return "start";
    case OpKind::kRemove: return "remove";
    case OpKind::kRestart: return "restart";
  }
  return "?";
}

ObservedContainer observe_container(const ContainerInfo& info) {
  ObservedContainer c;
  c.id = info.spec.id;
  c.name = info.spec.name;
  c.service = label(info, kLabelService);
  c.number = std::atoi(label(info, kLabelNumber).c_str());
  c.oneoff = label(info, kLabelOneoff) == "True";
  c.config_hash = label(info, kLabelConfigHash);
  c.image_id = label(info, kLabelImage);
  c.image = info.spec.image;
  c.status = info.state.status;
  c.exit_code = info.state.exit_code;
  c.paused = info.state.paused;
  c.health = info.state.health.status;
  c.created = info.spec.created;
  c.stop_timeout = info.spec.stop_timeout;
  return c;
}

std::vector<ObservedContainer> observe_project(const std::string& project, const std::vector<ContainerInfo>& all) {
  std::vector<ObservedContainer> out;
  for (const auto& info : all)
    if (label(info, kLabelProject) == project) out.push_back(observe_container(info));
  std::sort(out.begin(), out.end(), [](const ObservedContainer& a, const ObservedContainer& b) {
    if (a.service != b.service) return a.service < b.service;
    if (a.oneoff != b.oneoff) return !a.oneoff;
    if (a.number != b.number) return a.number < b.number;
    return a.name < b.name;
  });
  return out;
}

const ServiceStep* Plan::step(const std::string& service) const {
  for (const auto& s : services)
    if (s.service == service) return &s;
  return nullptr;
}

std::string Plan::to_string() const {
  std::string out;
  auto line = [&](const PlanOp& op) {
    out += op_kind_name(op.kind);
    if (op.kind == OpKind::kPull) out += " " + op.image;
    else out += " " + op.service + "-" + std::to_string(op.number) + " " + op.container;
    if (!op.cause.empty()) out += " (" + op.cause + ")";
    out += "\n";
  };
  for (const auto& op : orphans) line(op);
  for (const auto& op : pulls) line(op);
  for (const auto& s : services) {
    for (const auto& op : s.ops) line(op);
    if (!s.start) continue;
    out += "start " + s.service;
    std::string waits;
    for (const auto& e : s.waits) {
      if (!waits.empty()) waits += ", ";
      waits += e.to + ":" + e.condition;
      if (!e.required) waits += ":optional";
    }
    if (!waits.empty()) out += " after " + waits;
    out += "\n";
  }
  return out;
}

std::string orphan_warning(const std::vector<std::string>& names) {
  return "Found orphan containers ([" + join_names(names) +
         "]) for this project. If you removed or renamed this service in your compose file, you can run this "
         "command with the --remove-orphans flag to clean it up.";
}

// Docker creates a project's own volumes on first use but never an external one.
Status check_external_volumes(const Project& project, const Service& s, const std::set<std::string>& existing) {
  for (const auto& m : s.volumes) {
    if (m.type != "volume" || m.source.empty()) continue;
    auto v = project.volumes.find(m.source);
    if (v == project.volumes.end() || !v->second.external || existing.count(v->second.name)) continue;
    return Error(Errc::kNotFound, "service \"" + s.name + "\": external volume \"" + v->second.name + "\" not found");
  }
  return ok_status();
}

Result<Plan> reconcile(const Project& project, const compose::DependencyGraph& graph, const DesiredState& desired,
                       const std::vector<ObservedContainer>& observed, const PlanOptions& options) {
  Plan plan;
  for (const auto& [name, n] : options.scale)
    if (!project.service(name)) return Error(Errc::kNotFound, "no such service: " + name);

  // The services in scope, in start order.
  std::vector<std::string> scope;
  if (options.services.empty()) {
    scope = graph.start_order();
  } else if (options.no_deps) {
    for (const auto& name : options.services)
      if (!project.service(name)) return Error(Errc::kNotFound, "no such service: " + name);
    for (const auto& name : graph.start_order())
      if (contains(options.services, name)) scope.push_back(name);
  } else {
    auto with = graph.with_dependencies(options.services);
    if (!with) return with.error();
    scope = *with;
  }

  std::set<std::string> pulled, recreated;
  for (const auto& name : scope) {
    const Service* s = project.service(name);
    if (!s) continue;  // an optional dependency the project lacks
    ServiceStep step;
    step.service = name;
    auto scaled = options.scale.find(name);
    step.replicas = scaled != options.scale.end() ? scaled->second : s->replicas();
    step.image = service_image(project.name, *s);
    if (s->container_name && step.replicas > 1)
      return Error(Errc::kInvalidArgument,
                   "services.deploy.replicas: can't set container_name and " + name + " as container name must be unique");

    if (step.replicas > 0 && desired.volumes)
      if (auto st = check_external_volumes(project, *s, *desired.volumes); !st) return st.error();
    if (step.replicas > 0 && !pulled.count(step.image)) {
      auto pull = pull_for(*s, step.image, desired, options.pull, plan.warnings);
      if (!pull) return pull.error();
      if (*pull) {
        plan.pulls.push_back(**pull);
        pulled.insert(step.image);
      }
    }

    bool selected = options.services.empty() || contains(options.services, name);
    RecreatePolicy policy = selected ? options.recreate : options.recreate_deps;
    auto hash_it = desired.config_hashes.find(name);
    std::string hash = hash_it == desired.config_hashes.end() ? "" : hash_it->second;
    // A pull may change the image: then only a later `up` sees the new id.
    auto image_it = desired.local_images.find(step.image);
    std::string image_id = image_it == desired.local_images.end() ? "" : image_it->second;

    std::vector<ObservedContainer> mine;
    int max_number = 0;
    for (const auto& c : observed)
      if (c.service == name && !c.oneoff) {
        mine.push_back(c);
        max_number = std::max(max_number, c.number);
      }
    // Keep up-to-date containers first, then by number: scaling down
    // removes obsolete containers before current ones, highest numbers first.
    std::stable_sort(mine.begin(), mine.end(), [&](const ObservedContainer& a, const ObservedContainer& b) {
      bool a_old = must_recreate(policy, a, hash, image_id), b_old = must_recreate(policy, b, hash, image_id);
      if (policy == RecreatePolicy::kDiverged && a_old != b_old) return !a_old;
      return a.number < b.number;
    });

    for (size_t i = 0; i < mine.size(); ++i) {
      const auto& c = mine[i];
      PlanOp op;
      op.service = name;
      op.number = c.number;
      op.container = c.name;
      op.container_id = c.id;
      if (static_cast<int>(i) >= step.replicas) {
        op.kind = OpKind::kRemove;
        op.cause = "scale down";
        step.ops.push_back(op);
      } else if (must_recreate(policy, c, hash, image_id)) {
        op.kind = OpKind::kRecreate;
        op.cause = policy == RecreatePolicy::kForce ? "forced" : "config changed";
        step.ops.push_back(op);
      } else {
        step.kept.push_back(c.id);
        step.kept_names.push_back(c.name);
        if (!c.running()) {
          op.kind = OpKind::kStart;
          op.cause = "not running";
          step.ops.push_back(op);
        } else {
          // depends_on restart: true follows a dependency that is recreated.
          for (const auto& edge : graph.dependencies_of(name))
            if (edge.restart && recreated.count(edge.to)) {
              op.kind = OpKind::kRestart;
              op.cause = "dependency " + edge.to + " recreated";
              step.ops.push_back(op);
              break;
            }
        }
      }
    }
    int have = std::min(static_cast<int>(mine.size()), step.replicas);
    for (int i = 0; i < step.replicas - have; ++i) {
      PlanOp op;
      op.kind = OpKind::kCreate;
      op.service = name;
      op.number = max_number + 1 + i;
      op.container = service_container_name(project.name, *s, op.number);
      op.cause = "no existing container";
      step.ops.push_back(op);
    }
    for (const auto& op : step.ops)
      if (op.kind == OpKind::kRecreate) recreated.insert(name);
    // Removals first, so scaling down frees resources before anything new.
    std::stable_partition(step.ops.begin(), step.ops.end(), [](const PlanOp& op) { return op.kind == OpKind::kRemove; });

    step.start = !options.no_start && step.replicas > 0;
    for (const auto& edge : graph.dependencies_of(name)) {
      if (!contains(scope, edge.to) || !project.service(edge.to)) {
        // Outside the plan: --no-deps, or a dependency the project lacks.
        if (!project.service(edge.to) && edge.required && edge.kind == compose::EdgeKind::kDependsOn)
          step.missing_required.push_back(edge.to);
        continue;
      }
      step.waits.push_back(edge);
    }
    plan.services.push_back(std::move(step));
  }

  std::vector<std::string> orphan_names;
  for (const auto& c : observed) {
    if (c.oneoff || project.service(c.service)) continue;
    if (options.remove_orphans) {
      PlanOp op;
      op.kind = OpKind::kRemove;
      op.service = c.service;
      op.number = c.number;
      op.container = c.name;
      op.container_id = c.id;
      op.cause = "orphan";
      plan.orphans.push_back(op);
    } else {
      orphan_names.push_back(c.name);
    }
  }
  if (!orphan_names.empty()) plan.warnings.push_back(orphan_warning(orphan_names));
  return plan;
}

StopPlan plan_stop(const Project& project, const compose::DependencyGraph& graph,
                   const std::vector<ObservedContainer>& observed, const std::vector<std::string>& services,
                   bool include_orphans, bool warn_orphans) {
  StopPlan plan;
  std::vector<std::string> orphan_names;
  std::set<std::string> in_plan;
  for (const auto& c : observed) {
    bool known = project.service(c.service) != nullptr;
    if (!known && !c.oneoff) {
      if (!include_orphans) {
        orphan_names.push_back(c.name);
        continue;
      }
    }
    if (!services.empty() && !contains(services, c.service)) continue;
    in_plan.insert(c.service);
  }
  for (const auto& c : observed) {
    bool known = project.service(c.service) != nullptr;
    if (!known && !c.oneoff && !include_orphans) continue;
    if (!services.empty() && !contains(services, c.service)) continue;
    StopStep step;
    step.container = c;
    if (known && !c.oneoff)
      for (const auto& dependent : graph.dependents_of(c.service))
        if (in_plan.count(dependent)) step.after.push_back(dependent);
    plan.steps.push_back(std::move(step));
  }
  if (warn_orphans && !orphan_names.empty()) plan.warnings.push_back(orphan_warning(orphan_names));
  return plan;
}

}  // namespace racker::runtime
