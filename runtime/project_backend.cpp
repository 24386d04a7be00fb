#include "racker/runtime/project_backend.h"
#include "racker/runtime/volume_store.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "racker/compose/serialize.h"
#include "racker/runtime/digest.h"
#include "racker/runtime/image_pull.h"
#include "racker/runtime/project_supervisor.h"
#include "racker/runtime/registry_client.h"
#include "racker/runtime/service_container.h"

#include "container_files.h"

namespace racker::runtime {

namespace {

// Writes `f` by rename, so a container never sees half a secret.
Status write_file(const GeneratedFile& f) {
  auto slash = f.path.rfind('/');
  if (auto st = cfiles::make_dirs(f.path.substr(0, slash), 0700); !st) return st;
  std::string tmp = f.path + ".tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return Error(Errc::kIo, "open " + tmp + ": " + std::strerror(errno));
  size_t done = 0;
  while (done < f.content.size()) {
    ssize_t n = ::write(fd, f.content.data() + done, f.content.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      ::close(fd);
      return Error(Errc::kIo, "write " + tmp + ": " + std::strerror(errno));
    }
    done += static_cast<size_t>(n);
  }
  ::fchmod(fd, f.mode);
  ::close(fd);
  if (::rename(tmp.c_str(), f.path.c_str()) != 0) return Error(Errc::kIo, "rename " + tmp + ": " + std::strerror(errno));
  return ok_status();
}

}  // namespace

LocalProjectBackend::LocalProjectBackend(const compose::model::Project& project, const compose::Node& doc,
                                         LocalImageStore& images, std::string racker_root,
                                         const compose::EnvMap& environment)
    : project_(project), images_(images), racker_root_(std::move(racker_root)), environment_(environment) {
  if (const compose::Node* services = doc.find("services"))
    for (const auto& [name, svc] : project_.services)
      if (const compose::Node* node = services->find(name)) hashes_[name] = compose::service_config_hash(*node);
  group_hashes();
}

// Grouping changes what a container is without changing its service's
// text: a member's hash covers its group, a group's covers its members.
void LocalProjectBackend::group_hashes() {
  for (const auto& [name, s] : project_.services) {
    if (auto g = s.labels.find(kLabelGroup); g != s.labels.end())
      hashes_[name] = sha256_of(hashes_[name] + "\ngroup=" + g->second).hex();
    if (!s.labels.count(kLabelGroupHost)) continue;
    // A group's machine changes with its image, names, networks and ports,
    // not with every change of a member.
    std::string text = "group-host\n" + s.image.value_or("") + "\n";
    for (const auto& [network, options] : s.networks) {
      text += "network " + network;
      if (options)
        for (const auto& alias : options->aliases) text += " " + alias;
      text += "\n";
    }
    for (const auto& p : s.ports)
      text += "port " + p.host_ip + ":" + p.published + ":" + std::to_string(p.target) + "/" + p.protocol + "\n";
    hashes_[name] = sha256_of(text).hex();
  }
}

Status LocalProjectBackend::pull_image(const std::string& reference) {
  auto ref = parse_image_ref(reference);
  if (!ref) return ref.error();
  auto client_options = registry_options_for(*ref);
  if (!client_options) return client_options.error();
  RegistryClient client(*ref, *client_options);
  PullOptions options;
  auto result = runtime::pull_image(images_, client, *ref, options);
  if (!result) return result.error();
  return ok_status();
}

Result<ContainerSpec> LocalProjectBackend::build_spec(const std::string& service, const ServiceContainerOptions& base,
                                                      const std::function<void(ContainerSettings&)>& adjust) {
  const compose::model::Service* s = project_.service(service);
  if (!s) return Error(Errc::kNotFound, "no such service: " + service);
  std::string reference = service_image(project_.name, *s);
  auto image = images_.get(reference);
  if (!image) return image.error();
  ServiceContainerOptions options = base;
  options.image_id = image->record.id.str();
  auto hash = hashes_.find(service);
  if (hash != hashes_.end()) options.config_hash = hash->second;
  options.project_state_dir = project_state_dir(racker_root_, project_.name);
  options.environment = &environment_;
  auto translated = translate_service(project_, *s, options);
  if (!translated) return translated.error();
  {
    std::lock_guard<std::mutex> lock(files_mutex_);
    for (const auto& f : translated->files)
      if (auto st = write_file(f); !st) return st.error();
  }
  for (const auto& dir : translated->bind_dirs) {
    struct stat st{};
    if (::stat(dir.c_str(), &st) != 0)
      if (auto made = cfiles::make_dirs(dir, 0755); !made) return made.error();
  }
  if (adjust) adjust(translated->settings);
  auto spec = merge_container_spec(image->config, translated->settings);
  if (!spec) return spec.error();
  spec->image = reference;
  spec->image_id = image->record.id.str();
  spec->layer_dirs = image->layer_dirs;
  spec->healthcheck = effective_healthcheck(translated->healthcheck, image->config.healthcheck);
  return spec;
}

Result<ContainerSpec> LocalProjectBackend::container_spec(const std::string& service, int number) {
  ServiceContainerOptions options;
  options.number = number;
  return build_spec(service, options, nullptr);
}

Result<ContainerSpec> LocalProjectBackend::oneoff_spec(const std::string& service, const std::string& slug,
                                                       const std::function<void(ContainerSettings&)>& adjust) {
  ServiceContainerOptions options;
  options.oneoff = true;
  options.slug = slug;
  return build_spec(service, options, adjust);
}

DesiredState LocalProjectBackend::desired_state() const {
  DesiredState d;
  d.config_hashes = hashes_;
  for (const auto& [name, s] : project_.services) {
    std::string reference = service_image(project_.name, s);
    if (d.local_images.count(reference)) continue;
    if (auto image = images_.get(reference)) d.local_images[reference] = image->record.id.str();
  }
  auto volumes = VolumeStore(racker_root_ + "/volumes").list();
  d.volumes.emplace(volumes.begin(), volumes.end());
  return d;
}

std::vector<std::string> LocalProjectBackend::translation_warnings() const {
  std::vector<std::string> out;
  for (const auto& [name, s] : project_.services) {
    ServiceContainerOptions options;
    options.project_state_dir = "/nonexistent";
    options.environment = &environment_;
    auto t = translate_service(project_, s, options);
    if (t) out.insert(out.end(), t->warnings.begin(), t->warnings.end());
  }
  return out;
}

}  // namespace racker::runtime
