#pragma once
// Operator policy: what a framework's ContainerInfo may ask for on this agent
// (CONTAINERIZER_ALLOW_DOCKER_PARAMETERS, _ALLOW_PRIVILEGED, _HOST_VOLUMES)
// and what every container gets (_DEFAULT_DOCKER_PARAMETERS,
// _GLOBAL_CONTAINER_MOUNTS). It lives on the agent, so no scheduler can
// bypass it. Pure but for resolve(); run_argv.cpp and the fetcher ask it, and
// every refusal names the setting that would allow what was refused.
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "mesos.pb.h"
#include "settings.hpp"

namespace dc::policy {

using Parameters = std::vector<std::pair<std::string, std::string>>;

struct Mount {
  std::string host;
  std::string container;
  bool readonly = false;
};

struct Policy {
  bool allow_docker_parameters = false;
  Parameters default_docker_parameters;
  std::vector<Mount> global_container_mounts;
  bool allow_privileged = false;
  bool any_host_volume = false;
  bool any_volume_driver = false;
  std::vector<std::string> volume_drivers;  // when !any_volume_driver
  // When !any_host_volume; none: empty. Compared as given (not resolved), so
  // no link a framework makes can widen a prefix.
  std::vector<std::string> host_volume_prefixes;
  // Resolved paths of the engine's sockets: refused under prefixes (plan_run
  // fills them in from engine_sockets()).
  std::vector<std::string> engine_sockets;
};

// The settings parsed; throws dc::Error naming the malformed setting.
Policy from(const Settings& settings);

// Where the engines this host runs listen: docker's and containerd's
// default sockets, DOCKER_HOST's and CONTAINERIZER_DOCKER_ARGS' unix sockets.
// Whoever reaches one runs any container: root on the host.
std::vector<std::string> engine_sockets(const Settings& settings,
                                        const std::map<std::string, std::string>& environment);

// `key=value,key=value` (a key may repeat; `\,` is a comma in a value).
Parameters parse_parameters(const std::string& text, const std::string& setting);

// docker run options for a container's DockerInfo.parameters, or the
// operator's defaults when it brings none: `--key=value`, in order.
std::vector<std::string> parameter_options(const Policy& policy,
                                           const google::protobuf::RepeatedPtrField<mesos::Parameter>& parameters);

// Legacy CommandInfo.container.options: raw docker run arguments, as given.
std::vector<std::string> legacy_options(const Policy& policy,
                                        const google::protobuf::RepeatedPtrField<std::string>& options);

void check_privileged(const Policy& policy);

// A docker volume driver a framework names (`what`, for the refusal);
// empty is docker's default, `local`.
void check_volume_driver(const Policy& policy, const std::string& what, const std::string& driver);

// True when a component of `path` is "..": joined to a base it could climb out.
bool climbs(const std::string& path);

// A host path a framework names (`what`, for the refusal), `resolved` with
// `..` and symlinks resolved: allowed with any, else only under a prefix and
// never where it is or holds an engine socket.
void check_host_path(const Policy& policy, const std::string& what, const std::string& resolved);

// A volume's host path: `given` as in the Launch, `resolved` its absolute
// path with `..` and symlinks resolved, `sandbox` the resolved sandbox.
// Sandbox-relative paths must stay inside the sandbox unless any host path
// is allowed; absolute ones pass check_host_path.
void check_host_volume(const Policy& policy, const std::string& given, const std::string& resolved,
                       const std::string& sandbox);

// `path` with `..`, `.` and repeated or trailing slashes removed.
std::string normalize(const std::string& path);

// `path` with `..` and symlinks resolved as far as it exists, lexically
// beyond. Reads the file system: launch calls it, never run_argv.
std::string resolve(const std::string& path);

}  // namespace dc::policy
