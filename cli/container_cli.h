#pragma once
// Shared by the single-container commands (run, ps, logs, exec, stop, ...):
// opening the container store and driver, docker's error output, and the
// parsing of docker's flag syntaxes (-v, --tmpfs, --ulimit, --env-file).

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "racker/runtime/container_spec.h"
#include "racker/runtime/image_store.h"
#include "racker/runtime/nspawn_driver.h"
#include "racker/util/error.h"

namespace racker::cli {

struct ContainerCli {
  std::unique_ptr<runtime::ContainerStore> store;
  std::unique_ptr<runtime::NspawnDriver> driver;
};
// The store under $RACKER_ROOT and the nspawn driver for this host.
ContainerCli open_containers();

// The image store under $RACKER_ROOT, with the unpack limits of
// RACKER_MAX_LAYER_BYTES and RACKER_MAX_IMAGE_BYTES when set (64 GiB each
// otherwise). kInvalidArgument for a limit that is not a positive integer.
Result<std::unique_ptr<runtime::LocalImageStore>> open_image_store();

// "Error response from daemon: MESSAGE" on stderr, docker's form for
// everything but `run`; returns 1, docker's exit code for these commands.
int daemon_error(const Error& error);
// `racker run`'s form: "racker: Error response from daemon: MESSAGE.\n
// See 'racker run --help'." (the See line only for 125).
void run_error(const Error& error, int exit_code);

// -v/--volume: "/host:/ctr[:ro]" (bind), "name:/ctr[:ro]" (named volume),
// "/ctr" (anonymous volume). kInvalidArgument with docker's words.
Result<runtime::MountSpec> parse_volume_flag(const std::string& text);
// --tmpfs: "/ctr[:options]".
Result<runtime::MountSpec> parse_tmpfs_flag(const std::string& text);
// --ulimit: "nofile=1024[:2048]".
Result<runtime::UlimitSpec> parse_ulimit_flag(const std::string& text);
// --env-file: KEY=value lines; comments and blank lines skipped; a bare KEY
// takes the host's value (dropped when unset).
Result<std::vector<std::string>> read_env_file(const std::string& path);
// -e: a bare KEY takes the host's value, dropped when unset.
std::vector<std::string> expand_env_flags(const std::vector<std::string>& flags);
// The same for `compose run/exec`: a bare KEY comes from the project's
// environment (the process environment over .env / --env-file), as docker compose does.
std::vector<std::string> expand_env_flags(const std::vector<std::string>& flags,
                                          const std::map<std::string, std::string, std::less<>>& environment);

// docker's "Up 5 minutes", "Exited (0) 2 seconds ago", "Created".
std::string human_status(const runtime::ContainerInfo& info);
// "2 seconds ago", "About a minute ago", from an RFC 3339 time.
std::string human_since(const std::string& rfc3339);

// A label's value; "" when the container has no such label.
std::string label_of(const runtime::ContainerInfo& info, const char* key);

// The container's argv joined by spaces, as ps shows COMMAND.
std::string command_text(const runtime::ContainerSpec& spec);
// docker truncates COMMAND to 20 characters and ends it with an ellipsis.
std::string truncate(const std::string& s, size_t width);
// docker's plain tables: columns padded to their widest cell (UTF-8 aware)
// plus three spaces, trailing blanks trimmed.
void print_table(const std::vector<std::vector<std::string>>& rows);

}  // namespace racker::cli
