#pragma once
// ContainerDriver on systemd-nspawn, with records in a ContainerStore.
// Each running container is supervised by a racker process (the monitor):
// the CLI itself for a foreground `run`, a detached child otherwise. Other
// racker processes find it through state.json (pid + start time) and
// signal or wait for it; when a monitor died, the next command that looks
// at the container notices (the process is gone) and cleans up.

#include <memory>
#include <set>

#include "racker/runtime/container_driver.h"
#include "racker/runtime/container_state.h"
#include "racker/runtime/nspawn_command.h"

namespace racker::runtime {

class NspawnDriver : public ContainerDriver {
 public:
  // `store` must outlive the driver.
  NspawnDriver(ContainerStore& store, HostFacts host);

  Result<ContainerSpec> create(ContainerSpec spec) override;
  Status start(const std::string& id) override;
  Result<int> run_attached(const std::string& id, const AttachIo& io) override;
  Status stop(const std::string& id, std::optional<int> timeout) override;
  Status kill(const std::string& id, int signo) override;
  Status pause(const std::string& id) override;
  Status unpause(const std::string& id) override;
  Status remove(const std::string& id, const RemoveOptions& options) override;
  Result<int> wait(const std::string& id) override;
  Result<ContainerInfo> inspect(const std::string& name_or_id) override;
  Result<std::vector<ContainerInfo>> list(bool all) override;
  Result<int> exec(const std::string& id, const ExecSpec& spec, const AttachIo& io) override;

  ContainerStore& store() { return store_; }

 private:
  // The state, corrected when its monitor died without recording the end.
  Result<ContainerState> observed_state(const std::string& id);
  // The user namespace blocks other containers of this store were given.
  std::set<uint32_t> userns_bases_in_use();
  Result<std::string> running_id(const std::string& name_or_id, ContainerState* state);
  // A signal sent to a paused container is delivered once it thaws.
  void thaw_if_paused(const std::string& id, const ContainerState& state);
  Status wait_monitor(const ContainerState& state, std::chrono::milliseconds timeout, bool* gone);

  ContainerStore& store_;
  HostFacts host_;
};

}  // namespace racker::runtime
